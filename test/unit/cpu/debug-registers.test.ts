// Debug registers on the fast paths (SDM Vol. 3B §17.2-17.3): data breakpoints hit from interpreted and
// compiled blocks, in the middle of REP strings and on page-crossing accesses; I/O breakpoints; execute
// breakpoints with RF; pushed RF for faults. The `debug` guest program checks the same rules against QEMU.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Vector } from '../../../src/machine/cpu/fault.js';
import { CR4_DE, FLAG_RF } from '../../../src/machine/cpu/eflags.js';
import { EBX, ECX, EDI } from '../../../src/machine/cpu/registers.js';
import { makeBench, loadCode, runToHalt, deliveredEvent, haltedInVector, CODE_BASE, DATA_BASE, hex, type Bench } from './harness.js';

/** Arms breakpoint n at `address` with R/W and LEN fields (DR7 L bit set). */
function arm(bench: Bench, n: number, address: number, rw: number, len: number): void {
  const { cpu } = bench;
  cpu.dr[n] = address;
  cpu.dr[7] = cpu.dr[7]! | (1 << (n * 2)) | (rw << (16 + n * 4)) | (len << (18 + n * 4));
  cpu.debug.arm(cpu.dr, (cpu.cr4 & CR4_DE) !== 0);
  cpu.flushTlb();
  cpu.eventCheck = true;
}

const WRITE = 1, IO = 2, READ_WRITE = 3;
const LEN1 = 0, LEN2 = 1, LEN4 = 3;

/** mov [DATA_BASE+0x10], eax (a1-form store); inc ebx; inc ebx; hlt — repeated `loops` times by a loop around it. */
function storeLoop(): number[] {
  // mov ecx, 40; L: mov [0x20010], eax; inc ebx; dec ecx; jnz L; hlt
  return [0xb9, 40, 0, 0, 0, 0xa3, 0x10, 0x00, 0x02, 0x00, 0x43, 0x49, 0x75, 0xf8, 0xf4];
}

describe('data breakpoints', () => {
  for (const jit of ['interpreted', 'compiled'] as const) {
    test(`a write breakpoint traps after the store, in a ${jit} block, with B0 in DR6`, () => {
      const bench = makeBench();
      const { cpu } = bench;
      cpu.compileBlocks = jit === 'compiled';
      cpu.compileThreshold = 1;
      loadCode(bench, storeLoop());
      arm(bench, 0, DATA_BASE + 0x10, WRITE, LEN4);
      runToHalt(bench, 1000);
      assert.equal(haltedInVector(bench), Vector.DB);
      const ev = deliveredEvent(bench);
      assert.equal(hex(ev.eip), hex(CODE_BASE + 10), 'EIP after the store (the inc ebx)');
      assert.equal(cpu.r32[EBX], 0, 'the instruction after the store has not run');
      assert.equal(cpu.dr[6]! & 0xf, 1);
      assert.equal(ev.eflags & FLAG_RF, 0, 'a trap pushes RF = 0');
    });
  }

  test('a write breakpoint ignores reads; a read/write breakpoint of 2 bytes is hit by a dword read that overlaps it', () => {
    const bench = makeBench();
    const { cpu } = bench;
    // mov eax, [0x2000e]; hlt   (bytes 0x2000e-0x20011 overlap 0x20010-0x20011)
    loadCode(bench, [0xa1, 0x0e, 0x00, 0x02, 0x00, 0xf4]);
    arm(bench, 1, DATA_BASE + 0x10, WRITE, LEN2);
    runToHalt(bench, 100);
    assert.equal(haltedInVector(bench), -1);
    cpu.dr[7] = 0;
    loadCode(bench, [0xa1, 0x0e, 0x00, 0x02, 0x00, 0xf4]);
    arm(bench, 1, DATA_BASE + 0x11, READ_WRITE, LEN2); // aligned down to 0x20010
    runToHalt(bench, 100);
    assert.equal(haltedInVector(bench), Vector.DB);
    assert.equal(cpu.dr[6]! & 0xf, 2);
  });

  test('a hit in the middle of REP STOSB stops between iterations, EIP on the instruction, ECX counting what is left', () => {
    const bench = makeBench();
    const { cpu } = bench;
    // mov edi, DATA_BASE; mov ecx, 100; rep stosb; hlt
    loadCode(bench, [0xbf, 0x00, 0x00, 0x02, 0x00, 0xb9, 100, 0, 0, 0, 0xf3, 0xaa, 0xf4]);
    arm(bench, 2, DATA_BASE + 30, WRITE, LEN1);
    runToHalt(bench, 1000);
    assert.equal(haltedInVector(bench), Vector.DB);
    assert.equal(hex(deliveredEvent(bench).eip), hex(CODE_BASE + 10));
    assert.equal(cpu.r32[ECX], 100 - 31);
    assert.equal(hex(cpu.r32[EDI]!), hex(DATA_BASE + 31));
  });

  test('a store that faults reports no breakpoint hit', () => {
    const bench = makeBench();
    const { cpu } = bench;
    // mov [0x20010], eax with DS limited below it → #GP; the hit must not become a #DB afterwards
    cpu.setSegmentCache(3, 0x10, 0, 0x1000, cpu.segAttr[3]!);
    loadCode(bench, [0xa3, 0x10, 0x00, 0x02, 0x00, 0xf4]);
    arm(bench, 0, DATA_BASE + 0x10, WRITE, LEN4);
    runToHalt(bench, 100);
    assert.equal(haltedInVector(bench), Vector.GP);
    assert.equal(cpu.dr[6]! & 0xf, 0);
  });
});

describe('I/O and execute breakpoints, RF', () => {
  test('an I/O breakpoint needs CR4.DE and traps after OUT', () => {
    const bench = makeBench();
    const { cpu } = bench;
    const code = [0xb0, 0x41, 0xe6, 0x80, 0x43, 0xf4]; // mov al, 41h; out 80h, al; inc ebx; hlt
    loadCode(bench, code);
    arm(bench, 3, 0x80, IO, LEN1);
    runToHalt(bench, 100);
    assert.equal(haltedInVector(bench), -1, 'without CR4.DE, R/W = 10b is no breakpoint');
    cpu.cr4 |= CR4_DE;
    cpu.r32[EBX] = 0;
    loadCode(bench, code);
    arm(bench, 3, 0x80, IO, LEN1);
    runToHalt(bench, 100);
    assert.equal(haltedInVector(bench), Vector.DB);
    assert.equal(hex(deliveredEvent(bench).eip), hex(CODE_BASE + 4));
    assert.equal(cpu.dr[6]! & 0xf, 8);
    assert.equal(cpu.r32[EBX], 0);
  });

  test('an execute breakpoint faults before the instruction; RF=1 lets it run once, then it hits again', () => {
    const bench = makeBench();
    const { cpu } = bench;
    // L: inc ebx; jmp L  — breakpoint on inc ebx
    loadCode(bench, [0x43, 0xeb, 0xfd]);
    arm(bench, 0, CODE_BASE, 0, 0);
    runToHalt(bench, 100);
    assert.equal(haltedInVector(bench), Vector.DB);
    const ev = deliveredEvent(bench);
    assert.equal(hex(ev.eip), hex(CODE_BASE));
    assert.equal(ev.eflags & FLAG_RF, 0, 'the #DB of an execute breakpoint pushes RF = 0');
    assert.equal(cpu.r32[EBX], 0);
    // Resume at the breakpoint with RF set, as a handler's IRET would.
    cpu.eip = CODE_BASE;
    cpu.r32[4] = cpu.r32[4]! + 12;
    cpu.halted = false;
    cpu.setEflags(FLAG_RF | 2, 0xffffffff);
    runToHalt(bench, 100);
    assert.equal(haltedInVector(bench), Vector.DB);
    assert.equal(cpu.r32[EBX], 1, 'one inc ran under RF, then the breakpoint hit again');
  });

  test('a fault-class exception pushes RF = 1 (SDM §17.3.1.1); INT n pushes RF = 0', () => {
    const bench = makeBench();
    loadCode(bench, [0x0f, 0x0b]); // ud2
    runToHalt(bench, 10);
    assert.equal(haltedInVector(bench), Vector.UD);
    assert.equal(deliveredEvent(bench).eflags & FLAG_RF, FLAG_RF);
    loadCode(bench, [0xcd, 0x40]); // int 40h
    runToHalt(bench, 10);
    assert.equal(haltedInVector(bench), 0x40);
    assert.equal(deliveredEvent(bench).eflags & FLAG_RF, 0);
  });
});
