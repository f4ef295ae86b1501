// The software TLB (src/machine/cpu/mmu/tlb.ts): one entry per 4 KiB linear page holding the physical base and
// the permitted accesses. Invalidation follows SDM Vol. 3A §4.10.4 (flush all, non-global flush on a CR3 load).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tlb, TLB_VALID, TLB_SUP_READ, TLB_USER_READ, TLB_SUP_WRITE, TLB_USER_WRITE, TLB_SUP_EXEC, TLB_USER_EXEC, TLB_GLOBAL,
  READ_MASK, WRITE_MASK, EXEC_MASK,
} from '../../../src/machine/cpu/mmu/tlb.js';

const ALL_RIGHTS = TLB_SUP_READ | TLB_USER_READ | TLB_SUP_WRITE | TLB_USER_WRITE | TLB_SUP_EXEC | TLB_USER_EXEC;
/** More entries than the TLB's list of live entries holds, to force its overflow path. */
const MANY = (1 << 14) + 1000;

function allowed(entry: number, mask: number): boolean {
  return (entry & mask) === mask;
}

describe('Tlb', () => {
  test('set stores the physical page base, the rights and the valid bit', () => {
    const tlb = new Tlb();
    tlb.set(0x12345, 0x00abc123, TLB_SUP_READ | TLB_SUP_EXEC);
    const e = tlb.entries[0x12345]!;
    assert.equal(e & ~0xfff, 0x00abc000);
    assert.equal(e & 0xfff, TLB_VALID | TLB_SUP_READ | TLB_SUP_EXEC);
    assert.equal(tlb.size, 1);
    tlb.set(0x12345, 0x00abd000, ALL_RIGHTS);
    assert.equal(tlb.size, 1, 'refilling an entry does not add a second one');
    assert.equal(tlb.entries[0x12345]! & ~0xfff, 0x00abd000);
  });

  test('the access masks: an empty entry allows nothing; user and supervisor rights are separate', () => {
    const tlb = new Tlb();
    for (const mask of [...READ_MASK, ...WRITE_MASK, ...EXEC_MASK]) assert.equal(allowed(tlb.entries[7]!, mask), false);
    tlb.set(7, 0x7000, TLB_SUP_READ | TLB_SUP_WRITE | TLB_SUP_EXEC);
    const e = tlb.entries[7]!;
    assert.deepEqual([allowed(e, READ_MASK[0]), allowed(e, WRITE_MASK[0]), allowed(e, EXEC_MASK[0])], [true, true, true]);
    assert.deepEqual([allowed(e, READ_MASK[1]), allowed(e, WRITE_MASK[1]), allowed(e, EXEC_MASK[1])], [false, false, false]);
    tlb.set(8, 0x8000, TLB_SUP_READ | TLB_USER_READ);
    assert.equal(allowed(tlb.entries[8]!, WRITE_MASK[0]), false);
    assert.equal(allowed(tlb.entries[8]!, READ_MASK[1]), true);
  });

  test('invalidatePage drops exactly one entry', () => {
    const tlb = new Tlb();
    tlb.set(1, 0x1000, ALL_RIGHTS);
    tlb.set(2, 0x2000, ALL_RIGHTS);
    tlb.invalidatePage(1);
    assert.equal(tlb.entries[1], 0);
    assert.notEqual(tlb.entries[2], 0);
  });

  test('flushAll drops every entry, global ones too', () => {
    const tlb = new Tlb();
    tlb.set(1, 0x1000, ALL_RIGHTS);
    tlb.set(0xfffff, 0x2000, ALL_RIGHTS | TLB_GLOBAL);
    tlb.flushAll();
    assert.equal(tlb.entries[1], 0);
    assert.equal(tlb.entries[0xfffff], 0);
    assert.equal(tlb.size, 0);
  });

  test('flushNonGlobal keeps exactly the global entries', () => {
    const tlb = new Tlb();
    tlb.set(1, 0x1000, ALL_RIGHTS);
    tlb.set(2, 0x2000, ALL_RIGHTS | TLB_GLOBAL);
    tlb.set(3, 0x3000, TLB_SUP_READ);
    tlb.flushNonGlobal();
    assert.deepEqual([tlb.entries[1], tlb.entries[3]], [0, 0]);
    assert.equal(tlb.entries[2]! & ~0xfff, 0x2000);
    assert.equal(tlb.size, 1);
    tlb.flushNonGlobal();
    assert.notEqual(tlb.entries[2], 0, 'a second non-global flush keeps it too');
  });

  test('revokeWritesTo removes write rights from every alias of a physical page and nothing else', () => {
    const tlb = new Tlb();
    tlb.set(0x100, 0x5000, ALL_RIGHTS);
    tlb.set(0x200, 0x5000, ALL_RIGHTS | TLB_GLOBAL);
    tlb.set(0x300, 0x6000, ALL_RIGHTS);
    tlb.revokeWritesTo(0x5123);
    for (const vpn of [0x100, 0x200]) {
      const e = tlb.entries[vpn]!;
      assert.equal(e & (TLB_SUP_WRITE | TLB_USER_WRITE), 0, `vpn ${vpn.toString(16)} still writable`);
      assert.equal(e & (TLB_SUP_READ | TLB_USER_READ | TLB_SUP_EXEC | TLB_USER_EXEC | TLB_VALID), TLB_SUP_READ | TLB_USER_READ | TLB_SUP_EXEC | TLB_USER_EXEC | TLB_VALID);
    }
    assert.notEqual(tlb.entries[0x200]! & TLB_GLOBAL, 0);
    assert.equal(tlb.entries[0x300]! & (TLB_SUP_WRITE | TLB_USER_WRITE), TLB_SUP_WRITE | TLB_USER_WRITE);
  });

  test('an entry refilled after invalidatePage is still flushed', () => {
    const tlb = new Tlb();
    tlb.set(9, 0x9000, ALL_RIGHTS);
    tlb.invalidatePage(9);
    tlb.set(9, 0xa000, ALL_RIGHTS);
    tlb.flushAll();
    assert.equal(tlb.entries[9], 0);
  });

  describe('with more live entries than its list holds', () => {
    function fill(tlb: Tlb, isGlobal: (vpn: number) => boolean): void {
      for (let vpn = 0; vpn < MANY; vpn++) tlb.set(vpn * 3, (vpn & 0xfff) << 12, ALL_RIGHTS | (isGlobal(vpn) ? TLB_GLOBAL : 0));
    }

    test('flushAll still drops every entry', () => {
      const tlb = new Tlb();
      fill(tlb, () => false);
      tlb.flushAll();
      assert.equal(tlb.entries.findIndex((e) => e !== 0), -1);
    });

    // A TLB may evict any entry at any time (SDM §4.10.2.2), so only "no non-global entry survives" is required here.
    test('flushNonGlobal still drops every non-global entry', () => {
      const tlb = new Tlb();
      fill(tlb, (vpn) => vpn % 1000 === 0);
      tlb.flushNonGlobal();
      const survivors = [...tlb.entries.keys()].filter((vpn) => tlb.entries[vpn] !== 0);
      assert.ok(survivors.every((vpn) => (tlb.entries[vpn]! & TLB_GLOBAL) !== 0), 'a non-global entry survived');
      assert.ok(survivors.length > 0, 'every global entry was dropped');
      // The list is usable again: a later full flush clears the survivors.
      tlb.flushAll();
      assert.equal(tlb.entries.findIndex((e) => e !== 0), -1);
    });

    test('revokeWritesTo still reaches every alias', () => {
      const tlb = new Tlb();
      fill(tlb, () => false);
      tlb.revokeWritesTo(0x7000);
      const writableAlias = [...tlb.entries.keys()].find((vpn) => {
        const e = tlb.entries[vpn]!;
        return e !== 0 && (e & ~0xfff) === 0x7000 && (e & (TLB_SUP_WRITE | TLB_USER_WRITE)) !== 0;
      });
      assert.equal(writableAlias, undefined);
    });
  });
});
