// Tests for `kernelist` argument parsing: both spellings of run, every option, and the one-line usage errors.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, parseInitrd, parseMemoryMiB, type RunOptions } from '../../src/cli/args.js';
import { CliError } from '../../src/cli/cli-error.js';
import { multibootCmdline } from '../../src/cli/multiboot-cmdline.js';

function run(...argv: string[]): RunOptions {
  const command = parseCommandLine(['run', ...argv]);
  assert.equal(command.kind, 'run');
  return (command as { kind: 'run'; options: RunOptions }).options;
}

function usageError(argv: string[], message: RegExp): void {
  assert.throws(() => parseCommandLine(argv), (e: unknown) => e instanceof CliError && e.exitCode === 2 && message.test(e.message));
}

describe('parseCommandLine', () => {
  test('help and version', () => {
    assert.deepEqual(parseCommandLine(['--help']), { kind: 'help', topic: 'main' });
    assert.deepEqual(parseCommandLine(['-h']), { kind: 'help', topic: 'main' });
    assert.deepEqual(parseCommandLine(['help', 'run']), { kind: 'help', topic: 'run' });
    assert.deepEqual(parseCommandLine(['run', '--help']), { kind: 'help', topic: 'run' });
    assert.deepEqual(parseCommandLine(['run', '--kernel', 'k.elf', '-h']), { kind: 'help', topic: 'run' });
    assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
  });

  test('defaults', () => {
    assert.deepEqual(run('--kernel', 'k.elf'), {
      kernel: 'k.elf', append: undefined, modules: [], memoryMiB: 128, disk: undefined, diskWriteBack: false,
      serial: { kind: 'stdio' }, timeoutSeconds: undefined, clock: 'wall', screen: false, verbose: false,
    });
  });

  test("the anchor harness's spelling: positional kernel and --cmdline", () => {
    const o = run('/abs/guest.elf', '--cmdline', 'work=0');
    assert.equal(o.kernel, '/abs/guest.elf');
    assert.equal(o.append, 'work=0');
    assert.equal(run('g.elf', '--cmdline', 'bench=rings gate=1 int=2 near=3').append, 'bench=rings gate=1 int=2 near=3');
  });

  test('every option, in both --opt value and --opt=value forms', () => {
    const o = run('--kernel=k.elf', '--append', '-x y', '--initrd', 'a.bin,b.bin arg', '--mem=64', '--disk', 'd.img',
      '--disk-write-back', '--serial', 'file:/tmp/out.txt', '--timeout', '2.5', '--clock', 'instructions', '--screen', '-v');
    assert.deepEqual(o, {
      kernel: 'k.elf', append: '-x y', modules: [{ path: 'a.bin', string: 'a.bin' }, { path: 'b.bin', string: 'b.bin arg' }],
      memoryMiB: 64, disk: 'd.img', diskWriteBack: true, serial: { kind: 'file', path: '/tmp/out.txt' }, timeoutSeconds: 2.5,
      clock: 'instructions', screen: true, verbose: true,
    });
  });

  test('--serial none, -m, and repeated --initrd adding modules', () => {
    const o = run('k', '--serial', 'none', '-m', '1G', '--initrd', 'a', '--initrd', 'b');
    assert.deepEqual(o.serial, { kind: 'none' });
    assert.equal(o.memoryMiB, 1024);
    assert.deepEqual(o.modules.map((m) => m.path), ['a', 'b']);
  });

  test('usage errors', () => {
    usageError([], /^missing command/);
    usageError(['boot'], /^unknown command 'boot'/);
    usageError(['--frobnicate'], /^unknown option '--frobnicate'/);
    usageError(['run'], /^no kernel given/);
    usageError(['run', 'k.elf', '--bogus'], /^unknown option '--bogus' \(try kernelist run --help\)$/);
    usageError(['run', 'k.elf', '--bogus=1'], /^unknown option '--bogus'/);
    usageError(['run', 'k.elf', '--mem'], /^option '--mem' needs a value$/);
    usageError(['run', 'k.elf', '--screen=yes'], /^option '--screen' takes no value$/);
    usageError(['run', 'a.elf', 'b.elf'], /^more than one kernel given \('a\.elf' and 'b\.elf'\)$/);
    usageError(['run', '--kernel', 'a.elf', 'b.elf'], /^more than one kernel given/);
    usageError(['run', 'k.elf', '--serial', 'tcp:1234'], /^--serial: 'tcp:1234' is not stdio, file:PATH or none$/);
    usageError(['run', 'k.elf', '--serial', 'file:'], /^--serial: 'file:' is not/);
    usageError(['run', 'k.elf', '--timeout', '0'], /^--timeout: '0' is not a positive number of seconds$/);
    usageError(['run', 'k.elf', '--timeout', 'soon'], /^--timeout:/);
    usageError(['run', 'k.elf', '--clock', 'tsc'], /^--clock: 'tsc' is not instructions or wall$/);
    usageError(['run', 'k.elf', '--disk-write-back'], /needs --disk IMG$/);
    usageError(['run', '--kernel', ''], /empty file name$/);
  });
});

describe('parseMemoryMiB', () => {
  test('accepts MiB counts and QEMU suffixes', () => {
    assert.equal(parseMemoryMiB('32'), 32);
    assert.equal(parseMemoryMiB('256M'), 256);
    assert.equal(parseMemoryMiB('2G'), 2048);
    assert.equal(parseMemoryMiB('2'), 2);
    assert.equal(parseMemoryMiB('3072'), 3072);
  });

  test('rejects the rest with one message', () => {
    for (const bad of ['0', '1', '3073', '4G', '-5', '1.5', 'lots', '', '12K', '0x20']) {
      assert.throws(() => parseMemoryMiB(bad), /^CliError: --mem: '.*' is not a RAM size from 2 to 3072 MiB$/, bad);
    }
  });
});

describe('parseInitrd', () => {
  test('splits modules on commas and keeps each whole text as the module string', () => {
    assert.deepEqual(parseInitrd('mod.bin arg1 arg2,other.bin'), [
      { path: 'mod.bin', string: 'mod.bin arg1 arg2' },
      { path: 'other.bin', string: 'other.bin' },
    ]);
  });

  test('",," is a literal comma', () => {
    assert.deepEqual(parseInitrd('a.bin x=1,,2'), [{ path: 'a.bin', string: 'a.bin x=1,2' }]);
  });

  test('an empty entry is an error', () => {
    assert.throws(() => parseInitrd('a.bin,'), /^CliError: --initrd: empty module file name in 'a\.bin,'$/);
    assert.throws(() => parseInitrd(' arg'), /empty module file name/);
  });
});

describe('multibootCmdline', () => {
  test('is "<kernel> <append>" as QEMU builds it', () => {
    assert.equal(multibootCmdline({ kernel: 'guest/guest.elf', append: 'work=1' }), 'guest/guest.elf work=1');
    assert.equal(multibootCmdline({ kernel: 'k.elf', append: undefined }), 'k.elf ');
  });
});

describe('kernelist demo', () => {
  test('a known demo takes the run options but not the kernel, modules or command line; the timeout defaults to 300 s', () => {
    const command = parseCommandLine(['demo', 'heartbleed', '--mem', '64', '--timeout', '20']);
    assert.equal(command.kind, 'demo');
    const demo = command as Extract<ReturnType<typeof parseCommandLine>, { kind: 'demo' }>;
    assert.equal(demo.name, 'heartbleed');
    assert.equal(demo.options.memoryMiB, 64);
    assert.equal(demo.options.timeoutSeconds, 20);
    const plain = parseCommandLine(['demo', 'rogue-driver']) as typeof demo;
    assert.equal(plain.options.timeoutSeconds, 300);
    assert.deepEqual(parseCommandLine(['demo']), { kind: 'help', topic: 'demo' });
    assert.deepEqual(parseCommandLine(['demo', '--help']), { kind: 'help', topic: 'demo' });
  });

  test('unknown demos and the options a demo chooses itself are one-line usage errors', () => {
    usageError(['demo', 'meltdown'], /unknown demo 'meltdown' \(demos: heartbleed, rogue-driver\)/);
    usageError(['demo', 'heartbleed', '--kernel', 'x.elf'], /'--kernel' is not allowed/);
    usageError(['demo', 'heartbleed', '--append=test=all'], /'--append=test=all' is not allowed/);
    usageError(['demo', 'heartbleed', 'extra'], /'extra' is not allowed/);
  });
});
