import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IoBus } from '../../../src/machine/bus/io-bus.js';
import { SystemControlPortA } from '../../../src/machine/devices/system-control-port.js';

function setup(): { io: IoBus; port: SystemControlPortA; resets: { count: number }; a20: boolean[] } {
  const io = new IoBus();
  const resets = { count: 0 };
  const a20: boolean[] = [];
  const port = new SystemControlPortA(() => { resets.count++; }, (enabled) => a20.push(enabled));
  port.attach(io);
  return { io, port, resets, a20 };
}

describe('SystemControlPortA', () => {
  test('starts with A20 enabled, as a BIOS leaves it', () => {
    const { io, port } = setup();
    assert.equal(io.read8(0x92), 0x02);
    assert.equal(port.a20Enabled, true);
  });

  test('bit 1 drives the A20 gate and reads back; unchanged writes do not call onA20', () => {
    const { io, port, a20 } = setup();
    io.write8(0x92, 0x00);
    assert.equal(io.read8(0x92), 0x00);
    assert.equal(port.a20Enabled, false);
    io.write8(0x92, 0x00);
    io.write8(0x92, 0x02);
    assert.deepEqual(a20, [false, true]);
  });

  test('bit 0 resets the machine on its rising edge only', () => {
    const { io, resets } = setup();
    io.write8(0x92, 0x03);
    assert.equal(resets.count, 1);
    io.write8(0x92, 0x03);
    assert.equal(resets.count, 1, 'holding bit 0 does not reset again');
    io.write8(0x92, 0x02);
    io.write8(0x92, 0x03);
    assert.equal(resets.count, 2);
  });

  test('reset restores the post-BIOS value', () => {
    const { io, port } = setup();
    io.write8(0x92, 0x01);
    port.reset();
    assert.equal(io.read8(0x92), 0x02);
  });
});
