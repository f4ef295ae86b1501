// PAE paging (SDM Vol. 3A §4.4): PDPTE registers loaded on MOV CR3/CR0/CR4, 64-bit entries, 2 MiB pages,
// reserved bits and the XD bit with IA32_EFER.NXE; the rights of §4.6 with CR0.WP, SMEP and SMAP (explicit
// and implicit supervisor accesses, EFLAGS.AC, STAC/CLAC); #PF error codes (§4.7); and TLB effects (§4.10).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CR0_PG, CR0_WP, CR4_PAE, CR4_SMAP, CR4_SMEP, EFER_NXE, FLAG_AC } from '../../../src/machine/cpu/eflags.js';
import { Vector } from '../../../src/machine/cpu/fault.js';
import { EAX, ECX, EDX } from '../../../src/machine/cpu/registers.js';
import {
  ACCESS_IMPLICIT, ACCESS_SUPERVISOR, ACCESS_USER, PF_I, PF_P, PF_RSVD, PF_U, PF_W, PTE_A, PTE_D, PTE_P, PTE_PS, PTE_RW, PTE_US,
} from '../../../src/machine/cpu/mmu/page-walk.js';
import { makeBench, loadCode, catchFault, CODE_BASE, hex, type Bench } from './harness.js';

const PDPT = 0x400000;
const PD_POOL = 0x401000;
const RW = PTE_P | PTE_RW;
const URW = PTE_P | PTE_RW | PTE_US;
const XD_HIGH = 1 << 31;
const LIN = 0x40800000; // PDPTE 1, outside the identity map
const PHYS = 0x00600000;

/** PAE tables in guest memory: one PDPT, directories and tables allocated from a pool. */
class PaeTables {
  private next = PD_POOL;
  constructor(readonly bench: Bench) {
    for (let k = 0; k < 8; k++) bench.mem.write32(PDPT + 4 * k, 0);
  }
  private table(): number {
    const t = this.next;
    this.next += 0x1000;
    for (let k = 0; k < 1024; k++) this.bench.mem.write32(t + 4 * k, 0);
    return t;
  }
  pdpteAddress(lin: number): number { return PDPT + 8 * (lin >>> 30); }
  directory(lin: number): number {
    const at = this.pdpteAddress(lin);
    let e = this.bench.mem.read32(at);
    if (!(e & PTE_P)) { e = this.table() | PTE_P; this.bench.mem.write32(at, e); }
    return e & ~0xfff;
  }
  pdeAddress(lin: number): number { return this.directory(lin) + 8 * ((lin >>> 21) & 0x1ff); }
  pteAddress(lin: number): number { return (this.bench.mem.read32(this.pdeAddress(lin)) & ~0xfff) + 8 * ((lin >>> 12) & 0x1ff); }
  map4k(lin: number, phys: number, flags: number, high = 0, pdeFlags = URW, pdeHigh = 0): void {
    const pdeAt = this.pdeAddress(lin);
    let pde = this.bench.mem.read32(pdeAt);
    if (!(pde & PTE_P) || (pde & PTE_PS)) pde = this.table();
    this.bench.mem.write32(pdeAt, (pde & ~0xfff) | pdeFlags);
    this.bench.mem.write32(pdeAt + 4, pdeHigh);
    const pteAt = this.pteAddress(lin);
    this.bench.mem.write32(pteAt, (phys & ~0xfff) | flags);
    this.bench.mem.write32(pteAt + 4, high);
  }
  map2m(lin: number, phys: number, flags: number, high = 0): void {
    const at = this.pdeAddress(lin);
    this.bench.mem.write32(at, (phys & 0xffe00000) | flags | PTE_PS);
    this.bench.mem.write32(at + 4, high);
  }
  pte(lin: number): number { return this.bench.mem.read32(this.pteAddress(lin)) >>> 0; }
  pde(lin: number): number { return this.bench.mem.read32(this.pdeAddress(lin)) >>> 0; }
}

/** Paging on with PAE: the low 4 MiB identity-mapped as supervisor pages, set up through MOV CR3/CR4/CR0 semantics. */
function paeBench(options: { wp?: boolean; nxe?: boolean; cr4?: number } = {}): { bench: Bench; pt: PaeTables } {
  const bench = makeBench(16 * 1024 * 1024);
  const pt = new PaeTables(bench);
  for (let lin = 0; lin < 0x400000; lin += 0x1000) pt.map4k(lin, lin, RW, 0, RW);
  // PDPTEs are read at MOV CR3 only: every directory exists before it (the last quarter is left unmapped).
  for (let slot = 1; slot < 3; slot++) pt.directory(slot * 0x40000000);
  const { cpu } = bench;
  cpu.efer = options.nxe ? EFER_NXE : 0;
  movCr(bench, 3, PDPT);
  movCr(bench, 4, CR4_PAE | (options.cr4 ?? 0));
  movCr(bench, 0, cpu.cr0 | CR0_PG | (options.wp ? CR0_WP : 0));
  return { bench, pt };
}

/** Runs MOV CRn, EAX at CODE_BASE. */
function movCr(bench: Bench, n: number, value: number): void {
  bench.cpu.r32[EAX] = value;
  loadCode(bench, [0x0f, 0x22, 0xc0 | (n << 3)]);
  bench.cpu.stepOne();
}

function pfCode(fn: () => void): number {
  const f = catchFault(fn);
  assert.equal(f.vector, Vector.PF, `vector ${f.vector}, want #PF`);
  return f.errorCode;
}

describe('PAE paging: translation', () => {
  test('4 KiB page through PDPTE, PDE and PTE; A on read, D on write, in the low dwords', () => {
    const { bench, pt } = paeBench();
    const { cpu, mem } = bench;
    pt.map4k(LIN, PHYS, URW);
    mem.write32(PHYS + 0x10, 0x11223344);
    assert.equal(cpu.read32(3, LIN + 0x10) >>> 0, 0x11223344);
    assert.equal(pt.pte(LIN) & (PTE_A | PTE_D), PTE_A);
    assert.equal(pt.pde(LIN) & PTE_A, PTE_A);
    cpu.write32(3, LIN + 0x20, 5);
    assert.equal(pt.pte(LIN) & PTE_D, PTE_D);
    assert.equal(mem.read32(PHYS + 0x20), 5);
  });

  test('2 MiB page: PS in the PDE is honoured without CR4.PSE; lin bits 20:0 are the offset', () => {
    const { bench, pt } = paeBench();
    const { cpu, mem } = bench;
    pt.map2m(LIN, 0x00c00000, URW);
    mem.write32(0x00c00000 + 0x1ff004, 0xabcdef01);
    assert.equal(cpu.read32(3, (LIN & ~0x1fffff) + 0x1ff004) >>> 0, 0xabcdef01);
    assert.equal(pt.pde(LIN) & (PTE_A | PTE_D), PTE_A);
  });

  test('a not-present PDPTE is #PF with P=0', () => {
    const { bench } = paeBench();
    assert.equal(hex(pfCode(() => bench.cpu.translate(0xc0000000, false, false, ACCESS_SUPERVISOR))), hex(0));
    assert.equal(bench.cpu.cr2 >>> 0, 0xc0000000);
  });

  test('PDPTEs are registers: a change to the PDPT in memory counts only after CR3 is loaded again', () => {
    const { bench, pt } = paeBench();
    const { cpu, mem } = bench;
    pt.map4k(LIN, PHYS, URW);
    mem.write32(pt.pdpteAddress(LIN), 0); // remove the PDPTE in memory only
    cpu.flushTlb();
    cpu.translate(LIN, false, false, ACCESS_SUPERVISOR); // the cached PDPTE still maps it
    movCr(bench, 3, PDPT);
    assert.equal(pfCode(() => cpu.translate(LIN, false, false, ACCESS_SUPERVISOR)), 0);
  });

  test('MOV CR3 with a present PDPTE that has reserved bits set is #GP(0) and changes nothing', () => {
    const { bench, pt } = paeBench();
    const { cpu, mem } = bench;
    pt.map4k(LIN, PHYS, URW);
    const other = 0x00500000;
    for (let k = 0; k < 8; k++) mem.write32(other + 4 * k, mem.read32(PDPT + 4 * k));
    for (const [low, high] of [[PTE_P | PTE_RW, 0], [PTE_P | (1 << 5), 0], [PTE_P, 1]] as const) {
      mem.write32(other + 8, (mem.read32(PDPT + 8) & ~0xfff) | low);
      mem.write32(other + 12, high);
      cpu.r32[EAX] = other;
      loadCode(bench, [0x0f, 0x22, 0xd8]);
      assert.deepEqual(catchFault(() => cpu.stepOne()), { vector: Vector.GP, errorCode: 0, hasErrorCode: true }, `PDPTE ${hex(high)}:${hex(low)}`);
      assert.equal(cpu.cr3, PDPT);
    }
    cpu.translate(LIN, false, false, ACCESS_SUPERVISOR);
  });

  test('enabling PAE paging with a bad PDPTE is #GP(0) and leaves CR0 unchanged', () => {
    const bench = makeBench(16 * 1024 * 1024);
    const { cpu, mem } = bench;
    mem.write32(PDPT, PTE_P | PTE_RW);
    movCr(bench, 3, PDPT);
    movCr(bench, 4, CR4_PAE);
    const cr0 = cpu.cr0;
    cpu.r32[EAX] = cr0 | CR0_PG;
    loadCode(bench, [0x0f, 0x22, 0xc0]);
    assert.equal(catchFault(() => cpu.stepOne()).vector, Vector.GP);
    assert.equal(cpu.cr0, cr0);
  });
});

describe('PAE paging: reserved bits and XD', () => {
  test('bits 62:32 are reserved (MAXPHYADDR 32): #PF with P and RSVD, in the PDE and in the PTE', () => {
    const { bench, pt } = paeBench();
    pt.map4k(LIN, PHYS, URW, 1 << 8);
    assert.equal(hex(pfCode(() => bench.cpu.translate(LIN, false, false, ACCESS_SUPERVISOR))), hex(PF_P | PF_RSVD));
    pt.map4k(LIN, PHYS, URW, 0, URW, 1 << 30);
    bench.cpu.flushTlb();
    assert.equal(hex(pfCode(() => bench.cpu.translate(LIN, true, false, ACCESS_USER))), hex(PF_P | PF_RSVD | PF_W | PF_U));
  });

  test('bits 20:13 of a 2 MiB PDE are reserved', () => {
    const { bench, pt } = paeBench();
    pt.map2m(LIN, 0x00c00000, URW | (1 << 13));
    assert.equal(hex(pfCode(() => bench.cpu.translate(LIN, false, false, ACCESS_SUPERVISOR))), hex(PF_P | PF_RSVD));
  });

  test('XD is reserved while EFER.NXE is clear, and no I/D bit is reported', () => {
    const { bench, pt } = paeBench();
    pt.map4k(LIN, PHYS, URW, XD_HIGH);
    assert.equal(hex(pfCode(() => bench.cpu.translate(LIN, false, true, ACCESS_SUPERVISOR))), hex(PF_P | PF_RSVD));
  });

  test('with NXE an XD page reads fine but a fetch is #PF P|I, from ring 0 and ring 3, XD in the PDE or the PTE', () => {
    const { bench, pt } = paeBench({ nxe: true });
    const { cpu } = bench;
    pt.map4k(LIN, PHYS, URW, XD_HIGH);
    cpu.translate(LIN, false, false, ACCESS_USER);
    assert.equal(hex(pfCode(() => cpu.translate(LIN, false, true, ACCESS_SUPERVISOR))), hex(PF_P | PF_I));
    assert.equal(hex(pfCode(() => cpu.translate(LIN, false, true, ACCESS_USER))), hex(PF_P | PF_I | PF_U));
    pt.map4k(LIN, PHYS, URW, 0, URW, XD_HIGH);
    cpu.flushTlb();
    assert.equal(hex(pfCode(() => cpu.translate(LIN, false, true, ACCESS_SUPERVISOR))), hex(PF_P | PF_I));
    pt.map4k(LIN, PHYS, URW);
    cpu.flushTlb();
    cpu.translate(LIN, false, true, ACCESS_USER);
  });

  test('a not-present fetch under NXE reports I/D with P=0', () => {
    const { bench } = paeBench({ nxe: true });
    assert.equal(hex(pfCode(() => bench.cpu.translate(LIN, false, true, ACCESS_SUPERVISOR))), hex(PF_I));
  });

  test('clearing EFER.NXE with WRMSR takes effect at once: a cached XD page now faults RSVD', () => {
    const { bench, pt } = paeBench({ nxe: true });
    const { cpu } = bench;
    pt.map4k(LIN, PHYS, URW, XD_HIGH);
    cpu.translate(LIN, false, false, ACCESS_SUPERVISOR);
    cpu.r32[ECX] = 0xc0000080; cpu.r32[EAX] = 0; cpu.r32[EDX] = 0;
    loadCode(bench, [0x0f, 0x30]);
    cpu.stepOne();
    assert.equal(cpu.efer, 0);
    assert.equal(hex(pfCode(() => cpu.read32(3, LIN))), hex(PF_P | PF_RSVD));
  });
});

describe('IA32_EFER and IA32_PAT', () => {
  for (const [name, low, high] of [['LME (bit 8)', 1 << 8, 0], ['SCE (bit 0)', 1, 0], ['a high bit', 0, 1]] as const) {
    test(`WRMSR EFER with ${name} is #GP(0)`, () => {
      const bench = makeBench();
      const { cpu } = bench;
      cpu.r32[ECX] = 0xc0000080; cpu.r32[EAX] = low; cpu.r32[EDX] = high;
      loadCode(bench, [0x0f, 0x30]);
      assert.deepEqual(catchFault(() => cpu.stepOne()), { vector: Vector.GP, errorCode: 0, hasErrorCode: true });
    });
  }

  test('RDMSR EFER reads back NXE; PAT resets to 0007040600070406h and rejects reserved memory types', () => {
    const bench = makeBench();
    const { cpu } = bench;
    cpu.r32[ECX] = 0xc0000080; cpu.r32[EAX] = EFER_NXE; cpu.r32[EDX] = 0;
    loadCode(bench, [0x0f, 0x30, 0x31, 0xc0, 0x0f, 0x32]); // wrmsr; xor eax, eax; rdmsr
    cpu.stepOne(); cpu.stepOne(); cpu.stepOne();
    assert.equal(cpu.r32[EAX], EFER_NXE);
    cpu.r32[ECX] = 0x277;
    loadCode(bench, [0x0f, 0x32]);
    cpu.stepOne();
    assert.deepEqual([hex(cpu.r32[EDX]!), hex(cpu.r32[EAX]!)], [hex(0x00070406), hex(0x00070406)]);
    cpu.r32[ECX] = 0x277; cpu.r32[EAX] = 0x02; cpu.r32[EDX] = 0;
    loadCode(bench, [0x0f, 0x30]);
    assert.equal(catchFault(() => cpu.stepOne()).vector, Vector.GP);
  });
});

describe('access rights: WP, SMEP, SMAP and rings 1-2', () => {
  test('CPL 1 and 2 are supervisor: they read supervisor pages, and are not user accesses in the error code', () => {
    const { bench, pt } = paeBench({ wp: true });
    const { cpu } = bench;
    pt.map4k(LIN, PHYS, PTE_P, 0, RW);
    for (const cpl of [1, 2]) {
      cpu.setCpl(cpl);
      try {
        cpu.read32(3, LIN);
        assert.equal(hex(pfCode(() => cpu.write32(3, LIN, 1))), hex(PF_P | PF_W), `CPL ${cpl} write to a read-only page with WP=1`);
      } finally { cpu.setCpl(0); }
    }
    cpu.setCpl(3);
    try { assert.equal(hex(pfCode(() => cpu.read32(3, LIN))), hex(PF_P | PF_U)); } finally { cpu.setCpl(0); }
  });

  test('setting CR0.WP takes effect at once, even for a write permission already in the TLB', () => {
    const { bench, pt } = paeBench();
    const { cpu } = bench;
    pt.map4k(LIN, PHYS, PTE_P | PTE_US | PTE_D);
    cpu.write32(3, LIN, 1); // WP=0: a supervisor write ignores R/W
    movCr(bench, 0, cpu.cr0 | CR0_WP);
    assert.equal(hex(pfCode(() => cpu.write32(3, LIN, 2))), hex(PF_P | PF_W));
  });

  test('toggling CR0.WP keeps the TLB: only the write rights WP=0 granted are revoked, also past the grant list', () => {
    const { bench, pt } = paeBench({ wp: true });
    const { cpu } = bench;
    const pages = 300; // more than the TLB remembers one by one: the revocation then covers every entry
    for (let k = 0; k < pages; k++) pt.map4k(LIN + k * 0x1000, PHYS + (k % 8) * 0x1000, PTE_P | PTE_US | PTE_D);
    pt.map4k(LIN + pages * 0x1000, PHYS, URW | PTE_D);
    let walks = 0;
    const translate = cpu.translate.bind(cpu);
    cpu.translate = (lin, write, exec, mode) => { walks++; return translate(lin, write, exec, mode); };
    for (const n of [1, pages]) {
      cpu.read32(3, LIN + pages * 0x1000);
      movCr(bench, 0, cpu.cr0 & ~CR0_WP);
      for (let k = 0; k < n; k++) cpu.write32(3, LIN + k * 0x1000, k); // read-only pages, writable with WP=0
      const before = walks;
      cpu.read32(3, LIN + pages * 0x1000);
      assert.equal(walks, before, 'clearing WP kept the cached translation');
      movCr(bench, 0, cpu.cr0 | CR0_WP);
      for (let k = 0; k < n; k++) assert.equal(hex(pfCode(() => cpu.write32(3, LIN + k * 0x1000, 1))), hex(PF_P | PF_W), `page ${k} after setting WP (${n} granted)`);
      cpu.write32(3, LIN + pages * 0x1000, 5); // a writable page stays writable
    }
  });

  test('SMEP: a supervisor fetch from a user page is #PF P|I; a supervisor page still runs; CR4 takes effect at once', () => {
    const { bench, pt } = paeBench();
    const { cpu } = bench;
    pt.map4k(LIN, PHYS, URW);
    cpu.translate(LIN, false, true, ACCESS_SUPERVISOR);
    movCr(bench, 4, cpu.cr4 | CR4_SMEP);
    assert.equal(hex(pfCode(() => cpu.translate(LIN, false, true, ACCESS_SUPERVISOR))), hex(PF_P | PF_I));
    cpu.translate(LIN, false, true, ACCESS_USER);
    cpu.translate(CODE_BASE, false, true, ACCESS_SUPERVISOR);
  });

  test('SMEP works with 32-bit paging too, and there reports I/D', () => {
    const bench = makeBench(16 * 1024 * 1024);
    const { cpu, mem } = bench;
    const pd = 0x400000, ptab = 0x401000;
    for (let k = 0; k < 1024; k++) { mem.write32(pd + 4 * k, 0); mem.write32(ptab + 4 * k, 0); }
    mem.write32(pd, ptab | URW);
    mem.write32(ptab + 4 * 0x10, CODE_BASE | URW);
    movCr(bench, 3, pd);
    cpu.cr4 = CR4_SMEP;
    cpu.cr0 |= CR0_PG;
    cpu.flushTlb();
    assert.equal(hex(pfCode(() => cpu.translate(CODE_BASE, false, true, ACCESS_SUPERVISOR))), hex(PF_P | PF_I));
  });

  test('SMAP: explicit supervisor reads and writes of user pages need EFLAGS.AC; implicit ones never pass', () => {
    const { bench, pt } = paeBench({ cr4: CR4_SMAP });
    const { cpu } = bench;
    pt.map4k(LIN, PHYS, URW);
    cpu.flags &= ~FLAG_AC;
    assert.equal(hex(pfCode(() => cpu.read32(3, LIN))), hex(PF_P));
    assert.equal(hex(pfCode(() => cpu.write32(3, LIN, 1))), hex(PF_P | PF_W));
    cpu.flags |= FLAG_AC;
    cpu.write32(3, LIN, 7);
    assert.equal(cpu.read32(3, LIN), 7);
    // The CPU's own accesses (a descriptor table on a user page) fault whatever AC says.
    assert.equal(hex(pfCode(() => cpu.readSup32(LIN))), hex(PF_P));
    cpu.flags &= ~FLAG_AC;
    // AC is consulted on every access: the TLB must not remember the permission granted with AC=1.
    assert.equal(hex(pfCode(() => cpu.read32(3, LIN))), hex(PF_P));
    // User-mode accesses are not affected, and supervisor pages are not either.
    cpu.setCpl(3);
    try { assert.equal(cpu.read32(3, LIN), 7); } finally { cpu.setCpl(0); }
    cpu.read32(3, 0x1000);
    assert.equal(ACCESS_IMPLICIT, 2);
  });

  test('SMAP with AC=1: explicit accesses to user pages stay on the TLB fast path; implicit ones and AC=0 never do', () => {
    const { bench, pt } = paeBench({ cr4: CR4_SMAP });
    const { cpu } = bench;
    pt.map4k(LIN, PHYS, URW | PTE_D);
    let walks = 0;
    const translate = cpu.translate.bind(cpu);
    cpu.translate = (lin, write, exec, mode) => { walks++; return translate(lin, write, exec, mode); };
    loadCode(bench, [0x0f, 0x01, 0xcb]); // stac: the masks follow AC
    cpu.stepOne();
    cpu.write32(3, LIN, 1);
    const first = walks;
    for (let k = 0; k < 10; k++) { cpu.write32(3, LIN + 4 * k, k); cpu.read32(3, LIN + 4 * k); }
    assert.equal(walks, first, 'no page walk once the translation is cached with the AC rights');
    assert.equal(hex(pfCode(() => cpu.readSup32(LIN))), hex(PF_P), 'an implicit access still faults');
    loadCode(bench, [0x0f, 0x01, 0xca]); // clac
    cpu.stepOne();
    assert.equal(hex(pfCode(() => cpu.read32(3, LIN))), hex(PF_P), 'AC=0: the cached entry does not let it through');
    cpu.setEflags(FLAG_AC, FLAG_AC); // POPF-style change of AC
    assert.equal(cpu.read32(3, LIN + 8), 2);
  });

  test('STAC and CLAC set and clear AC at CPL 0 and are #UD at CPL 3', () => {
    const bench = makeBench();
    const { cpu } = bench;
    loadCode(bench, [0x0f, 0x01, 0xcb, 0x0f, 0x01, 0xca]);
    cpu.stepOne();
    assert.equal(cpu.getEflags() & FLAG_AC, FLAG_AC);
    cpu.stepOne();
    assert.equal(cpu.getEflags() & FLAG_AC, 0);
    cpu.setCpl(3);
    try {
      loadCode(bench, [0x0f, 0x01, 0xcb]);
      assert.equal(catchFault(() => cpu.stepOne()).vector, Vector.UD);
    } finally { cpu.setCpl(0); }
  });

  test('INVLPG of any address in a 2 MiB page drops every 4 KiB piece of it', () => {
    const { bench, pt } = paeBench();
    const { cpu } = bench;
    const base = LIN & ~0x1fffff;
    pt.map2m(base, 0x00c00000, URW);
    cpu.read32(3, base + 0x1000);
    cpu.read32(3, base + 0x1ff000);
    pt.map2m(base, 0x00e00000, URW);
    bench.mem.write32(0x00e00000 + 0x1ff000, 0x77);
    cpu.r32[EAX] = base + 0x1000;
    loadCode(bench, [0x0f, 0x01, 0x38]); // invlpg [eax]
    cpu.stepOne();
    assert.equal(cpu.read32(3, base + 0x1ff000), 0x77);
  });
});
