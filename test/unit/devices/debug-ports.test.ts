import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IoBus } from '../../../src/machine/bus/io-bus.js';
import { DebugPorts } from '../../../src/machine/devices/debug-ports.js';

function setup(withConsole = true): { io: IoBus; exits: number[]; shutdowns: { count: number }; console: number[]; ports: DebugPorts } {
  const io = new IoBus();
  const exits: number[] = [];
  const shutdowns = { count: 0 };
  const console: number[] = [];
  const ports = new DebugPorts({
    onExit: (status) => exits.push(status),
    onShutdown: () => { shutdowns.count++; },
    ...(withConsole ? { onConsoleByte: (byte: number) => console.push(byte) } : {}),
  });
  ports.attach(io);
  return { io, exits, shutdowns, console, ports };
}

describe('DebugPorts', () => {
  describe('isa-debug-exit (0xF4, iosize 4)', () => {
    test('a byte write of v exits with (v << 1) | 1', () => {
      const { io, exits } = setup();
      io.write8(0xf4, 0x10);
      io.write8(0xf4, 0x00);
      assert.deepEqual(exits, [0x21, 0x01]);
    });

    test('16- and 32-bit writes use the whole value, as QEMU does', () => {
      const { io, exits } = setup();
      io.write16(0xf4, 0x1234);
      io.write32(0xf4, 0x7fffffff);
      io.write32(0xf4, 0x80000000);
      assert.deepEqual(exits, [0x2469, 0xffffffff, 0x00000001]);
    });

    test('writes anywhere in 0xF4-0xF7 exit, each once', () => {
      const { io, exits } = setup();
      io.write8(0xf5, 1);
      io.write8(0xf7, 2);
      assert.deepEqual(exits, [3, 5]);
    });

    test('reads return 0 at every width', () => {
      const { io, exits } = setup();
      assert.equal(io.read8(0xf4), 0);
      assert.equal(io.read16(0xf4), 0);
      assert.equal(io.read32(0xf4), 0);
      assert.equal(io.read8(0xf6), 0);
      assert.deepEqual(exits, [], 'reading does not exit');
    });
  });

  describe('POST port 0x80', () => {
    test('writes are ignored and reads return all ones', () => {
      const { io, exits, console } = setup();
      io.write8(0x80, 0x55);
      io.write16(0x80, 0x1234);
      assert.equal(io.read8(0x80), 0xff);
      assert.equal(io.read16(0x80), 0xffff);
      assert.deepEqual(exits, []);
      assert.deepEqual(console, []);
    });
  });

  describe('debug console 0xE9', () => {
    test('bytes written go to onConsoleByte; reads return 0xE9', () => {
      const { io, console } = setup();
      for (const ch of 'ok\n') io.write8(0xe9, ch.charCodeAt(0));
      assert.deepEqual(console, [0x6f, 0x6b, 0x0a]);
      assert.equal(io.read8(0xe9), 0xe9);
    });

    test('a 16-bit write prints both bytes, low first', () => {
      const { io, console } = setup();
      io.write16(0xe9, 0x4241);
      assert.deepEqual(console, [0x41, 0x42]);
    });

    test('without a console handler, writes are dropped', () => {
      const { io } = setup(false);
      assert.doesNotThrow(() => io.write8(0xe9, 0x41));
    });
  });

  describe('Bochs shutdown port 0x8900', () => {
    const send = (io: IoBus, text: string): void => { for (const ch of text) io.write8(0x8900, ch.charCodeAt(0)); };

    test('"Shutdown" written byte by byte calls onShutdown', () => {
      const { io, shutdowns } = setup();
      send(io, 'Shutdown');
      assert.equal(shutdowns.count, 1);
    });

    test('a broken sequence does not, and a restart with S is recognised', () => {
      const { io, shutdowns } = setup();
      send(io, 'ShutXdown');
      assert.equal(shutdowns.count, 0);
      send(io, 'ShutSShutdown');
      assert.equal(shutdowns.count, 1);
    });

    test('reset forgets a partial sequence', () => {
      const { io, shutdowns, ports } = setup();
      send(io, 'Shut');
      ports.reset();
      send(io, 'down');
      assert.equal(shutdowns.count, 0);
    });
  });
});
