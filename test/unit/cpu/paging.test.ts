// 32-bit paging (SDM Vol. 3A §4.3) through the CPU: 4 KiB and 4 MiB pages, A/D bits (§4.8), #PF error codes and
// CR2 (§4.7), access rights with CR0.WP (§4.6), TLB invalidation by INVLPG, CR3, CR0 and CR4 (§4.10.4), and
// self-modifying code (Vol. 3A §11.6).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CR0_PG, CR0_WP, CR4_PGE, CR4_PSE } from '../../../src/machine/cpu/eflags.js';
import { Vector } from '../../../src/machine/cpu/fault.js';
import { EAX, EBX, ECX, EDX, ESI, EDI } from '../../../src/machine/cpu/registers.js';
import { PTE_A, PTE_D, PTE_G, PTE_P, PTE_PS, PTE_RW, PTE_US, PF_P, PF_RSVD, PF_U, PF_W, ACCESS_SUPERVISOR } from '../../../src/machine/cpu/mmu/page-walk.js';
import { makeBench, loadCode, catchFault, runToHalt, deliveredEvent, CODE_BASE, DATA_BASE, StopReason, type Bench } from './harness.js';

const PD_BASE = 0x400000;
const PT_POOL = 0x401000;
const RW = PTE_P | PTE_RW;
const URW = PTE_P | PTE_RW | PTE_US;

/** Page directory and tables built in guest memory; tables are allocated from a pool as directory slots need them. */
class PageTables {
  private nextTable = PT_POOL;
  constructor(readonly bench: Bench) {
    for (let k = 0; k < 1024; k++) bench.mem.write32(PD_BASE + 4 * k, 0);
  }

  pdeAddress(lin: number): number { return PD_BASE + 4 * (lin >>> 22); }
  pde(lin: number): number { return this.bench.mem.read32(this.pdeAddress(lin)) >>> 0; }

  /** Maps the 4 KiB page at `lin` to `phys`; the directory entry gets `pdeFlags` (default: all rights). */
  map4k(lin: number, phys: number, flags: number, pdeFlags = URW): void {
    let pde = this.pde(lin);
    if (!(pde & PTE_P) || (pde & PTE_PS)) {
      const table = this.nextTable;
      this.nextTable += 0x1000;
      for (let k = 0; k < 1024; k++) this.bench.mem.write32(table + 4 * k, 0);
      pde = table;
    }
    this.bench.mem.write32(this.pdeAddress(lin), (pde & ~0xfff) | pdeFlags);
    this.bench.mem.write32(this.pteAddress(lin), (phys & ~0xfff) | flags);
  }

  /** Maps the 4 MiB page containing `lin` to `phys` (CR4.PSE must be set for it to mean a large page). */
  map4m(lin: number, phys: number, flags: number): void {
    this.bench.mem.write32(this.pdeAddress(lin), (phys & 0xffc00000) | flags | PTE_PS);
  }

  pteAddress(lin: number): number { return (this.pde(lin) & ~0xfff) + 4 * ((lin >>> 12) & 0x3ff); }
  pte(lin: number): number { return this.bench.mem.read32(this.pteAddress(lin)) >>> 0; }
  setPte(lin: number, v: number): void { this.bench.mem.write32(this.pteAddress(lin), v); }
}

/** A bench with paging on: the low 4 MiB identity-mapped for supervisor use, page tables at 4 MiB. */
function pagedBench(options: { wp?: boolean; pse?: boolean; pge?: boolean } = {}): { bench: Bench; pt: PageTables } {
  const bench = makeBench(16 * 1024 * 1024);
  const pt = new PageTables(bench);
  for (let lin = 0; lin < 0x400000; lin += 0x1000) pt.map4k(lin, lin, RW);
  const { cpu } = bench;
  cpu.cr3 = PD_BASE;
  cpu.cr4 = (options.pse ? CR4_PSE : 0) | (options.pge ? CR4_PGE : 0);
  cpu.cr0 |= CR0_PG | (options.wp ? CR0_WP : 0);
  cpu.flushTlb();
  return { bench, pt };
}

/** A linear address outside the identity map, and the physical pages the tests map there. */
const LIN = 0x00800000;
const PHYS_A = 0x00600000;
const PHYS_B = 0x00700000;

function user(bench: Bench, fn: () => void): void {
  bench.cpu.setCpl(3);
  try { fn(); } finally { bench.cpu.setCpl(0); }
}

function pageFault(fn: () => void): { code: number } {
  const f = catchFault(fn);
  assert.equal(f.vector, Vector.PF, `vector ${f.vector}, want #PF`);
  assert.equal(f.hasErrorCode, true);
  return { code: f.errorCode };
}

describe('paging: translation and accessed/dirty bits', () => {
  test('4 KiB page: a read sets A in the PDE and PTE but not D; a write sets D', () => {
    const { bench, pt } = pagedBench();
    const { cpu, mem } = bench;
    pt.map4k(LIN, PHYS_A, URW);
    mem.write32(PHYS_A + 0x124, 0x1234_5678);
    assert.equal(cpu.read32(3, LIN + 0x124) >>> 0, 0x1234_5678);
    assert.equal(pt.pde(LIN) & PTE_A, PTE_A, 'PDE.A');
    assert.equal(pt.pte(LIN) & (PTE_A | PTE_D), PTE_A, 'PTE.A set, PTE.D clear');
    cpu.write32(3, LIN + 0x200, 0x0bad_cafe);
    assert.equal(pt.pte(LIN) & PTE_D, PTE_D, 'PTE.D');
    assert.equal(pt.pde(LIN) & PTE_D, 0, 'a PDE that points to a table has no D to set');
    assert.equal(mem.read32(PHYS_A + 0x200), 0x0bad_cafe);
  });

  test('4 MiB page (CR4.PSE): the frame comes from the PDE, lin bits 21:0 are the offset; A on read, D on write', () => {
    const { bench, pt } = pagedBench({ pse: true });
    const { cpu, mem } = bench;
    pt.map4m(LIN, 0x00c00000, URW);
    mem.write32(0x00c00000 + 0x123456, 0x5566_7788);
    assert.equal(cpu.translate(LIN + 0x123456, false, false, ACCESS_SUPERVISOR) >>> 0, 0x00c00000 + 0x123456);
    assert.equal(cpu.read32(3, LIN + 0x123456) >>> 0, 0x5566_7788);
    assert.equal(pt.pde(LIN) & (PTE_A | PTE_D), PTE_A);
    cpu.write8(3, LIN + 0x3ff000, 0x99);
    assert.equal(pt.pde(LIN) & PTE_D, PTE_D);
    assert.equal(mem.read8(0x00c00000 + 0x3ff000), 0x99);
  });

  test('without CR4.PSE the PS bit is ignored: the PDE points to a page table', () => {
    const { bench, pt } = pagedBench({ pse: false });
    const { cpu, mem } = bench;
    // A page table at 0x00500000 whose entry 0x23 maps PHYS_B.
    for (let k = 0; k < 1024; k++) mem.write32(0x00500000 + 4 * k, 0);
    mem.write32(0x00500000 + 4 * 0x23, PHYS_B | URW);
    bench.mem.write32(pt.pdeAddress(LIN), 0x00500000 | URW | PTE_PS);
    assert.equal(cpu.translate(LIN + 0x23000 + 0x10, false, false, ACCESS_SUPERVISOR) >>> 0, PHYS_B + 0x10);
  });

  test('a write to a page first filled into the TLB by a read sets D (the TLB must not allow writes without D)', () => {
    const { bench, pt } = pagedBench();
    const { cpu } = bench;
    pt.map4k(LIN, PHYS_A, URW);
    cpu.read32(3, LIN);
    assert.equal(pt.pte(LIN) & PTE_D, 0);
    cpu.write32(3, LIN + 4, 1);
    assert.equal(pt.pte(LIN) & PTE_D, PTE_D, 'supervisor write after a read fill');
    // The same for a user-mode write after a user-mode read fill, on another page.
    pt.map4k(LIN + 0x1000, PHYS_B, URW);
    user(bench, () => { cpu.read8(3, LIN + 0x1000); cpu.write8(3, LIN + 0x1001, 7); });
    assert.equal(pt.pte(LIN + 0x1000) & PTE_D, PTE_D, 'user write after a read fill');
  });

  test('after the OS clears D and invalidates the page, the next write sets D again', () => {
    const { bench, pt } = pagedBench();
    const { cpu } = bench;
    pt.map4k(LIN, PHYS_A, URW);
    cpu.write32(3, LIN, 1);
    pt.setPte(LIN, pt.pte(LIN) & ~PTE_D);
    cpu.r32[EAX] = LIN;
    loadCode(bench, [0x0f, 0x01, 0x38]); // invlpg [eax]
    cpu.stepOne();
    cpu.write32(3, LIN, 2);
    assert.equal(pt.pte(LIN) & PTE_D, PTE_D);
  });

  test('a write that faults sets no D bit and leaves no TLB entry that allows it', () => {
    const { bench, pt } = pagedBench();
    const { cpu } = bench;
    pt.map4k(LIN, PHYS_A, PTE_P | PTE_US);
    user(bench, () => { pageFault(() => cpu.write32(3, LIN, 1)); });
    assert.equal(pt.pte(LIN) & PTE_D, 0);
    user(bench, () => { pageFault(() => cpu.write32(3, LIN, 1)); });
  });
});

describe('paging: #PF error codes (P, W/R, U/S) and CR2', () => {
  const cases: { name: string; setup: (pt: PageTables) => void; write: boolean; user: boolean; code: number; wp?: boolean }[] = [
    { name: 'not-present PDE, supervisor read', setup: () => {}, write: false, user: false, code: 0 },
    { name: 'not-present PDE, supervisor write', setup: () => {}, write: true, user: false, code: PF_W },
    { name: 'not-present PDE, user read', setup: () => {}, write: false, user: true, code: PF_U },
    { name: 'not-present PDE, user write', setup: () => {}, write: true, user: true, code: PF_U | PF_W },
    { name: 'not-present PTE, supervisor read', setup: (pt) => pt.map4k(LIN, PHYS_A, 0), write: false, user: false, code: 0 },
    { name: 'not-present PTE, user write', setup: (pt) => pt.map4k(LIN, PHYS_A, URW & ~PTE_P), write: true, user: true, code: PF_U | PF_W },
    { name: 'user read of a supervisor page (PTE U/S = 0)', setup: (pt) => pt.map4k(LIN, PHYS_A, RW), write: false, user: true, code: PF_P | PF_U },
    { name: 'user write to a supervisor page', setup: (pt) => pt.map4k(LIN, PHYS_A, RW), write: true, user: true, code: PF_P | PF_U | PF_W },
    { name: 'user read where only the PDE is supervisor', setup: (pt) => pt.map4k(LIN, PHYS_A, URW, RW), write: false, user: true, code: PF_P | PF_U },
    { name: 'user write to a read-only user page', setup: (pt) => pt.map4k(LIN, PHYS_A, PTE_P | PTE_US), write: true, user: true, code: PF_P | PF_U | PF_W },
    { name: 'user write where only the PDE is read-only', setup: (pt) => pt.map4k(LIN, PHYS_A, URW, PTE_P | PTE_US), write: true, user: true, code: PF_P | PF_U | PF_W },
    { name: 'supervisor write to a read-only page with CR0.WP = 1', setup: (pt) => pt.map4k(LIN, PHYS_A, PTE_P), write: true, user: false, code: PF_P | PF_W, wp: true },
    { name: 'supervisor write to a read-only user page with CR0.WP = 1', setup: (pt) => pt.map4k(LIN, PHYS_A, PTE_P | PTE_US), write: true, user: false, code: PF_P | PF_W, wp: true },
  ];
  for (const c of cases) {
    test(`${c.name}: error code ${c.code}, CR2 = the faulting linear address`, () => {
      const { bench, pt } = pagedBench({ wp: c.wp ?? false });
      const { cpu } = bench;
      c.setup(pt);
      const lin = LIN + 0x345;
      cpu.cr2 = 0;
      let code = -1;
      const attempt = () => { code = pageFault(() => (c.write ? cpu.write32(3, lin, 1) : void cpu.read32(3, lin))).code; };
      if (c.user) user(bench, attempt); else attempt();
      assert.equal(code, c.code);
      assert.equal(cpu.cr2 >>> 0, lin);
      assert.equal(cpu.tlb.entries[lin >>> 12]! & 1, 0, 'no TLB entry left by a fault');
    });
  }

  test('a 4 MiB PDE with a reserved bit (21:13, no PSE-36) set faults with P and RSVD (SDM §4.3 Table 4-5, §4.7)', () => {
    const { bench, pt } = pagedBench({ pse: true });
    const { cpu } = bench;
    pt.map4m(LIN, 0x00c00000, URW | (1 << 13));
    assert.equal(pageFault(() => cpu.read32(3, LIN)).code, PF_P | PF_RSVD);
    assert.equal(cpu.cr2 >>> 0, LIN);
  });

  test('supervisor write to a read-only page with CR0.WP = 0 is allowed (and sets D)', () => {
    const { bench, pt } = pagedBench({ wp: false });
    const { cpu, mem } = bench;
    pt.map4k(LIN, PHYS_A, PTE_P);
    pt.map4k(LIN + 0x1000, PHYS_B, PTE_P | PTE_US);
    cpu.write32(3, LIN + 8, 0x4242);
    cpu.write32(3, LIN + 0x1008, 0x4343);
    assert.equal(mem.read32(PHYS_A + 8), 0x4242);
    assert.equal(mem.read32(PHYS_B + 8), 0x4343);
    assert.equal(pt.pte(LIN) & PTE_D, PTE_D);
    // The supervisor's write permission does not leak to user mode through the TLB.
    user(bench, () => assert.equal(pageFault(() => cpu.write32(3, LIN + 0x1008, 1)).code, PF_P | PF_U | PF_W));
  });

  test('setting CR0.WP with MOV CR0 takes effect at once, even for a page already written under WP = 0', () => {
    const { bench, pt } = pagedBench({ wp: false });
    const { cpu } = bench;
    pt.map4k(LIN, PHYS_A, PTE_P);
    cpu.write32(3, LIN, 1);
    cpu.r32[EAX] = cpu.cr0 | CR0_WP;
    loadCode(bench, [0x0f, 0x22, 0xc0]); // mov cr0, eax
    cpu.stepOne();
    assert.equal(pageFault(() => cpu.write32(3, LIN, 2)).code, PF_P | PF_W);
  });

  test('an instruction fetch from a not-present page faults with EIP and CR2 at the target', () => {
    const { bench } = pagedBench();
    const { cpu } = bench;
    loadCode(bench, [0xe9, ...le32(LIN - (CODE_BASE + 5))]); // jmp LIN
    runToHalt(bench, 10);
    assert.equal(cpu.cr2 >>> 0, LIN);
    const ev = deliveredEvent(bench);
    assert.equal(ev.vector, Vector.PF);
    assert.equal(ev.errorCode, 0, 'not present, read, supervisor');
    assert.equal(ev.eip, LIN, 'pushed EIP is the fetch target');
  });
});

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

describe('paging: TLB invalidation', () => {
  test('INVLPG drops the entry of one page and keeps the others', () => {
    const { bench, pt } = pagedBench();
    const { cpu, mem } = bench;
    pt.map4k(LIN, PHYS_A, URW);
    pt.map4k(LIN + 0x1000, PHYS_A + 0x1000, URW);
    cpu.read32(3, LIN);
    cpu.read32(3, LIN + 0x1000);
    pt.map4k(LIN, PHYS_B, URW);
    mem.write32(PHYS_B, 0xb0b0);
    cpu.r32[EAX] = LIN + 0x10;
    loadCode(bench, [0x0f, 0x01, 0x38]); // invlpg [eax]
    cpu.stepOne();
    assert.equal(cpu.tlb.entries[LIN >>> 12], 0);
    assert.notEqual(cpu.tlb.entries[(LIN + 0x1000) >>> 12], 0);
    assert.equal(cpu.read32(3, LIN) >>> 0, 0xb0b0, 'the new mapping is used');
  });

  test('INVLPG of any address in a 4 MiB page invalidates the whole large page (SDM §4.10.2.3)', () => {
    const { bench, pt } = pagedBench({ pse: true });
    const { cpu, mem } = bench;
    pt.map4m(LIN, 0x00c00000, URW);
    cpu.read32(3, LIN);
    cpu.read32(3, LIN + 0x5000);
    // Remap the large page and invalidate it through its first address.
    pt.map4m(LIN, 0x00800000, URW);
    mem.write32(0x00805000, 0x600d);
    mem.write32(0x00c05000, 0xdead);
    cpu.r32[EAX] = LIN;
    loadCode(bench, [0x0f, 0x01, 0x38]);
    cpu.stepOne();
    assert.equal(cpu.read32(3, LIN + 0x5000) >>> 0, 0x600d, 'a stale 4 KiB piece of the old large page is still in use');
  });

  for (const pge of [true, false]) {
    test(`MOV CR3 ${pge ? 'keeps global entries with CR4.PGE = 1' : 'drops global entries too with CR4.PGE = 0'} and drops the rest`, () => {
      const { bench, pt } = pagedBench({ pge, pse: true });
      const { cpu } = bench;
      pt.map4k(LIN, PHYS_A, URW | PTE_G);
      pt.map4k(LIN + 0x1000, PHYS_B, URW);
      pt.map4m(0x01000000, 0x00c00000, URW | PTE_G);
      for (const lin of [LIN, LIN + 0x1000, 0x01000000]) cpu.read8(3, lin);
      cpu.r32[EAX] = PD_BASE;
      loadCode(bench, [0x0f, 0x22, 0xd8]); // mov cr3, eax
      cpu.stepOne();
      const kept = (lin: number) => cpu.tlb.entries[lin >>> 12] !== 0;
      assert.equal(kept(LIN), pge, 'global 4 KiB page');
      assert.equal(kept(0x01000000), pge, 'global 4 MiB page');
      assert.equal(kept(LIN + 0x1000), false, 'non-global page');
      // The identity-mapped code page is not global either.
      assert.equal(kept(CODE_BASE), false);
    });
  }

  test('clearing CR4.PGE, or a MOV CR0 that changes PG, flushes global entries too', () => {
    const { bench, pt } = pagedBench({ pge: true });
    const { cpu } = bench;
    pt.map4k(LIN, PHYS_A, URW | PTE_G);
    cpu.read8(3, LIN);
    cpu.r32[EAX] = 0;
    loadCode(bench, [0x0f, 0x22, 0xe0]); // mov cr4, eax
    cpu.stepOne();
    assert.equal(cpu.tlb.entries[LIN >>> 12], 0, 'after clearing PGE');
    cpu.r32[EAX] = CR4_PGE;
    loadCode(bench, [0x0f, 0x22, 0xe0]);
    cpu.stepOne();
    cpu.read8(3, LIN);
    assert.notEqual(cpu.tlb.entries[LIN >>> 12], 0);
    cpu.r32[EAX] = cpu.cr0 & ~CR0_PG;
    loadCode(bench, [0x0f, 0x22, 0xc0]); // mov cr0, eax (paging off)
    cpu.stepOne();
    assert.equal(cpu.tlb.entries[LIN >>> 12], 0, 'after clearing PG');
  });
});

// ---------------------------------------------------------------- self-modifying code

/** Assembles the patch loop. EDI holds the store address: a data word, or the immediate of `P` once ECX reaches `patchAt`. */
function patchLoop(base: number, patchAlias: number, patchAt: number): { code: number[]; immAddr: number } {
  // L:  mov [edi], ebx        89 1F
  // P:  mov eax, 0            B8 00 00 00 00
  //     add esi, eax          01 C6
  //     inc ebx               43
  //     mov edi, edx          89 D7
  //     cmp ecx, patchAt      81 F9 imm32
  //     jne skip              75 05
  //     mov edi, alias(P+1)   BF imm32
  // skip: dec ecx             49
  //     jnz L                 75 rel8
  //     hlt                   F4
  const code = [0x89, 0x1f, 0xb8, 0, 0, 0, 0, 0x01, 0xc6, 0x43, 0x89, 0xd7, 0x81, 0xf9, ...le32(patchAt), 0x75, 0x05, 0xbf, ...le32(patchAlias)];
  code.push(0x49);
  code.push(0x75, (-(code.length + 2)) & 0xff);
  code.push(0xf4);
  return { code, immAddr: base + 3 };
}

/** What the loop computes when every store into P's immediate is seen by the next execution of P. */
function patchLoopModel(iterations: number, patchAt: number): number {
  let imm = 0, ebx = 1, esi = 0, patchNext = false;
  for (let ecx = iterations; ecx > 0; ecx--) {
    if (patchNext) imm = ebx;
    esi = (esi + imm) >>> 0;
    ebx++;
    patchNext = ecx === patchAt;
  }
  return esi;
}

function runPatchLoop(bench: Bench, storeBase: number, compile: boolean): void {
  const { cpu } = bench;
  const { code, immAddr } = patchLoop(CODE_BASE, storeBase + 3, 60);
  loadCode(bench, code);
  cpu.compileBlocks = compile;
  cpu.r32[EBX] = 1; cpu.r32[ESI] = 0; cpu.r32[ECX] = 300; cpu.r32[EDX] = DATA_BASE; cpu.r32[EDI] = DATA_BASE;
  assert.equal(runToHalt(bench, 100_000), StopReason.Halted);
  assert.equal(cpu.eip, CODE_BASE + code.length, 'ran to the final HLT');
  assert.equal(bench.mem.read32(immAddr) >>> 0, 241 + 1, 'the immediate was patched with EBX of that iteration');
  assert.equal(cpu.r32[ESI]! >>> 0, patchLoopModel(300, 60), 'sum of the values P loaded');
}

describe('self-modifying code', () => {
  // 240 iterations before the patch: the loop block is hot (compiled when compileBlocks is on) when it is patched.
  for (const compile of [true, false]) {
    test(`a store into the immediate of the next instruction in the same hot block is seen (${compile ? 'compiled blocks' : 'interpreter only'})`, () => {
      const bench = makeBench();
      runPatchLoop(bench, CODE_BASE, compile);
    });
  }

  test('with paging, a store through another linear alias of the code page is seen', () => {
    const { bench, pt } = pagedBench();
    const alias = 0x00900000;
    pt.map4k(alias, CODE_BASE, RW);
    runPatchLoop(bench, alias, true);
  });

  test('a loop that patches itself on every iteration (mov dword [P+1], ecx) always sees the new value', () => {
    const bench = makeBench();
    const { cpu } = bench;
    // L: mov [P+1], ecx (89 0D abs32); P: mov eax, 0 (B8 imm32); add esi, eax; dec ecx; jnz L; hlt
    const pImm = CODE_BASE + 6 + 1;
    const code = [0x89, 0x0d, ...le32(pImm), 0xb8, 0, 0, 0, 0, 0x01, 0xc6, 0x49];
    code.push(0x75, (-(code.length + 2)) & 0xff, 0xf4);
    loadCode(bench, code);
    cpu.r32[ECX] = 100; cpu.r32[ESI] = 0;
    assert.equal(runToHalt(bench, 100_000), StopReason.Halted);
    assert.equal(cpu.r32[ESI], (100 * 101) / 2);
  });
});

