// Descriptors against exact bytes (SDM Vol. 3A Figures 3-8, 5-8, 6-2, 7-3): the encoder in descriptor-encode.ts
// builds them, and the CPU's own decoding (Descriptor, descriptorBase, descriptorLimit, attrFromDescriptorHigh)
// reads every field back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Descriptor } from '../../../src/machine/cpu/protection/descriptors.js';
import { isCallGate } from '../../../src/machine/cpu/protection/call-gate.js';
import {
  descriptorBytes, encodeGate, encodeLdt, encodeSegment, encodeTss, SYSTEM_CALL_GATE16, SYSTEM_CALL_GATE32,
  SYSTEM_INTERRUPT_GATE32, SYSTEM_LDT, SYSTEM_TASK_GATE, SYSTEM_TRAP_GATE32, SYSTEM_TSS32_AVAILABLE, SYSTEM_TSS32_BUSY,
  SYSTEM_TSS16_AVAILABLE, SYSTEM_INTERRUPT_GATE16,
} from '../../../src/machine/cpu/protection/descriptor-encode.js';
import { ATTR_DB, ATTR_G, attrFromDescriptorHigh, descriptorBase, descriptorLimit } from '../../../src/machine/cpu/segments.js';

const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');

function decode([low, high]: [number, number]): Descriptor {
  const d = new Descriptor();
  d.low = low | 0;
  d.high = high | 0;
  return d;
}

describe('segment descriptors', () => {
  test('flat ring-0 code: 0x00CF9A000000FFFF', () => {
    const e = encodeSegment({ base: 0, limit: 0xfffff, type: 0xa, s: true, dpl: 0, present: true, db: true, g: true });
    assert.equal(hex(descriptorBytes(e)), 'ff ff 00 00 00 9a cf 00');
    const d = decode(e);
    assert.ok(d.present && d.isSegment && d.isCode && d.isReadable && !d.isConforming);
    assert.equal(d.dpl, 0);
    assert.equal(descriptorBase(d.low, d.high), 0);
    assert.equal(descriptorLimit(d.low, d.high), 0xffffffff);
    const attr = attrFromDescriptorHigh(d.high);
    assert.ok(attr & ATTR_DB && attr & ATTR_G);
  });

  test('flat ring-3 data: 0x00CFF2000000FFFF', () => {
    const e = encodeSegment({ base: 0, limit: 0xfffff, type: 0x2, s: true, dpl: 3, present: true, db: true, g: true });
    assert.equal(hex(descriptorBytes(e)), 'ff ff 00 00 00 f2 cf 00');
    const d = decode(e);
    assert.ok(d.isSegment && !d.isCode && d.isWritable);
    assert.equal(d.dpl, 3);
  });

  test('every base and limit byte lands in its place', () => {
    const e = encodeSegment({ base: 0x12345678, limit: 0xabcde, type: 0x3, s: true, dpl: 2, present: true, avl: true });
    // limit 15:0, base 15:0, base 23:16, P DPL S type, G D/B L AVL limit 19:16, base 31:24
    assert.equal(hex(descriptorBytes(e)), 'de bc 78 56 34 d3 1a 12');
    const d = decode(e);
    assert.equal(descriptorBase(d.low, d.high) >>> 0, 0x12345678);
    assert.equal(descriptorLimit(d.low, d.high), 0xabcde, 'byte granular');
    assert.equal(d.dpl, 2);
    assert.equal(d.type, 3, 'read/write, accessed');
  });

  test('G=1 scales the limit to 4 KiB units with the low 12 bits set', () => {
    const e = encodeSegment({ base: 0x10000, limit: 0x1, type: 0x2, s: true, dpl: 0, present: true, g: true });
    assert.equal(hex(descriptorBytes(e)), '01 00 00 00 01 92 80 00');
    const d = decode(e);
    assert.equal(descriptorLimit(d.low, d.high), 0x1fff);
  });

  test('expand-down, B=0, not present; conforming readable code', () => {
    const down = encodeSegment({ base: 0x10000, limit: 0xfff, type: 0x6, s: true, dpl: 0, present: false });
    assert.equal(hex(descriptorBytes(down)), 'ff 0f 00 00 01 16 00 00');
    assert.equal(decode(down).present, false);
    const conforming = encodeSegment({ base: 0, limit: 0xfffff, type: 0xe, s: true, dpl: 0, present: true, db: true, g: true });
    assert.equal(hex(descriptorBytes(conforming)), 'ff ff 00 00 00 9e cf 00');
    const d = decode(conforming);
    assert.ok(d.isCode && d.isConforming && d.isReadable);
  });

  test('bad fields are rejected with a clear error', () => {
    assert.throws(() => encodeSegment({ base: 0, limit: 0x100000, type: 2, s: true, dpl: 0, present: true }), /limit/);
    assert.throws(() => encodeSegment({ base: 0, limit: 0, type: 2, s: true, dpl: 4, present: true }), /dpl/);
  });
});

describe('gates', () => {
  test('32-bit call gate, DPL 3, 3 parameters, in the LDT layout of the privcall test', () => {
    const e = encodeGate({ selector: 0x000e, offset: 0x00102345, type: SYSTEM_CALL_GATE32, dpl: 3, present: true, params: 3 });
    // offset 15:0, selector, param count, P DPL 0 type, offset 31:16
    assert.equal(hex(descriptorBytes(e)), '45 23 0e 00 03 ec 10 00');
    const d = decode(e);
    assert.ok(isCallGate(d) && d.present && !d.isSegment);
    assert.equal(d.type, SYSTEM_CALL_GATE32);
    assert.equal(d.dpl, 3);
    assert.equal(d.gateSelector, 0x000e);
    assert.equal(d.gateOffset >>> 0, 0x00102345);
    assert.equal(d.gateParamCount, 3);
  });

  test('16-bit call gate with 31 parameters', () => {
    const e = encodeGate({ selector: 0x92, offset: 0x1234, type: SYSTEM_CALL_GATE16, dpl: 2, present: true, params: 31 });
    assert.equal(hex(descriptorBytes(e)), '34 12 92 00 1f c4 00 00');
    const d = decode(e);
    assert.ok(isCallGate(d));
    assert.equal(d.gateParamCount, 31);
  });

  test('32-bit interrupt gate, DPL 0: 0x8E00', () => {
    const e = encodeGate({ selector: 0x08, offset: 0x00101f00, type: SYSTEM_INTERRUPT_GATE32, dpl: 0, present: true });
    assert.equal(hex(descriptorBytes(e)), '00 1f 08 00 00 8e 10 00');
    const d = decode(e);
    assert.equal(d.type, SYSTEM_INTERRUPT_GATE32);
    assert.equal(isCallGate(d), false);
  });

  test('32-bit trap gate, DPL 3, and a 16-bit interrupt gate', () => {
    assert.equal(hex(descriptorBytes(encodeGate({ selector: 0x08, offset: 0xfedcba98, type: SYSTEM_TRAP_GATE32, dpl: 3, present: true }))),
      '98 ba 08 00 00 ef dc fe');
    assert.equal(hex(descriptorBytes(encodeGate({ selector: 0x10, offset: 0x4321, type: SYSTEM_INTERRUPT_GATE16, dpl: 0, present: false }))),
      '21 43 10 00 00 06 00 00');
  });

  test('task gate: TSS selector, no offset', () => {
    const e = encodeGate({ selector: 0x28, offset: 0, type: SYSTEM_TASK_GATE, dpl: 0, present: true });
    assert.equal(hex(descriptorBytes(e)), '00 00 28 00 00 85 00 00');
    const d = decode(e);
    assert.equal(d.type, SYSTEM_TASK_GATE);
    assert.equal(d.gateSelector, 0x28);
  });

  test('a parameter count outside call gates, or a non-gate type, is rejected', () => {
    assert.throws(() => encodeGate({ selector: 8, offset: 0, type: SYSTEM_TRAP_GATE32, dpl: 0, present: true, params: 1 }), /parameter/);
    assert.throws(() => encodeGate({ selector: 8, offset: 0, type: SYSTEM_LDT, dpl: 0, present: true }), /not a gate/);
    assert.throws(() => encodeGate({ selector: 8, offset: 0, type: SYSTEM_CALL_GATE32, dpl: 0, present: true, params: 32 }), /params/);
  });
});

describe('TSS and LDT descriptors', () => {
  test('32-bit TSS at 0xa40000 with a full I/O bitmap (limit 0x2068), available then busy', () => {
    const available = encodeTss(0x00a40000, 104 + 8192, true, false);
    assert.equal(hex(descriptorBytes(available)), '68 20 00 00 a4 89 00 00');
    const busy = encodeTss(0x00a40000, 104 + 8192, true, true);
    assert.equal(hex(descriptorBytes(busy)), '68 20 00 00 a4 8b 00 00');
    const d = decode(busy);
    assert.equal(d.isSegment, false);
    assert.equal(d.type, SYSTEM_TSS32_BUSY);
    assert.equal(decode(available).type, SYSTEM_TSS32_AVAILABLE);
    assert.equal(descriptorBase(d.low, d.high), 0x00a40000);
    assert.equal(descriptorLimit(d.low, d.high), 0x2068);
    // the busy bit is bit 1 of the type: bit 41 of the descriptor
    assert.equal((available[1] ^ busy[1]) >>> 0, 1 << 9);
  });

  test('16-bit TSS, available', () => {
    assert.equal(hex(descriptorBytes(encodeTss(0x1000, 0x2b, false, false))), '2b 00 00 10 00 81 00 00');
    assert.equal(decode(encodeTss(0x1000, 0x2b, false, false)).type, SYSTEM_TSS16_AVAILABLE);
  });

  test('LDT descriptor of 16 entries at 0xa44000', () => {
    const e = encodeLdt(0x00a44000, 16 * 8 - 1);
    assert.equal(hex(descriptorBytes(e)), '7f 00 00 40 a4 82 00 00');
    const d = decode(e);
    assert.equal(d.type, SYSTEM_LDT);
    assert.equal(d.isSegment, false);
    assert.equal(descriptorBase(d.low, d.high), 0x00a44000);
    assert.equal(descriptorLimit(d.low, d.high), 0x7f);
  });

  test('decode(encode(x)) keeps every field over many values', () => {
    for (let i = 0; i < 500; i++) {
      const base = (Math.imul(i, 0x9e3779b1) >>> 0);
      const limit = (i * 0x2f1b) & 0xfffff;
      const type = i & 0xf, dpl = (i >> 4) & 3, present = (i & 64) !== 0, g = (i & 128) !== 0, db = (i & 256) !== 0;
      const e = encodeSegment({ base, limit, type, s: true, dpl, present, g, db });
      const d = decode(e);
      assert.equal(descriptorBase(d.low, d.high) >>> 0, base);
      assert.equal(descriptorLimit(d.low, d.high), g ? ((limit << 12) | 0xfff) >>> 0 : limit);
      assert.equal(d.type, type);
      assert.equal(d.dpl, dpl);
      assert.equal(d.present, present);
      const attr = attrFromDescriptorHigh(d.high);
      assert.equal((attr & ATTR_G) !== 0, g);
      assert.equal((attr & ATTR_DB) !== 0, db);
    }
  });
});
