// Bochs 2.7 as the second oracle: the configuration every Bochs run of ours uses. Headless (RFB display that
// waits for no client, run inside `unshare -n` so it listens on nothing), COM1 to a file, the CPU model that
// has SMEP and SMAP, and the sound driver Debian's build needs to not abort in its ALSA thread.

export interface BochsDisk {
  path: string;
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
}

/** A bochsrc booting `<dir>/boot.iso` from the secondary master, COM1 to `<dir>/com1.txt`. */
export function bochsConfig(dir: string, disk?: BochsDisk): string {
  const diskLine = disk
    ? `ata0-master: type=disk, path="${disk.path}", mode=flat, cylinders=${disk.cylinders}, heads=${disk.heads}, spt=${disk.sectorsPerTrack}\n`
    : '';
  return `megs: 128
romimage: file=$BXSHARE/BIOS-bochs-latest
vgaromimage: file=$BXSHARE/VGABIOS-lgpl-latest
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15
${diskLine}ata1-master: type=cdrom, path="${dir}/boot.iso", status=inserted
boot: cdrom
display_library: rfb, options="timeout=0"
com1: enabled=1, mode=file, dev=${dir}/com1.txt
log: ${dir}/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
clock: sync=none, time0=local
cpu: model=broadwell_ult, count=1, ips=4000000
speaker: enabled=0
sound: driver=dummy
mouse: enabled=0
`;
}

/** The command line that runs Bochs on `bochsrc` in its directory, with the debugger told to continue. */
export const BOCHS_COMMAND = ['unshare', '-n', '--', 'bochs', '-q', '-f', 'bochsrc', '-rc', 'debugger.rc'] as const;
export const BOCHS_DEBUGGER_RC = 'continue\nquit\n';
