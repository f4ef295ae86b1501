// Tests for the Ctrl-A escape parser of the serial console (QEMU's keys: Ctrl-A X, Ctrl-A H, Ctrl-A Ctrl-A).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialEscape, type EscapeAction } from '../../src/host/serial-escape.js';

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const simple = (actions: EscapeAction[]): (string | { kind: string })[] =>
  actions.map((a) => (a.kind === 'send' ? String.fromCharCode(...a.bytes) : { kind: a.kind }));

describe('SerialEscape', () => {
  test('passes ordinary bytes through in one send', () => {
    assert.deepEqual(simple(new SerialEscape().feed(bytes('ls -l\r'))), ['ls -l\r']);
  });

  test('Ctrl-A x and Ctrl-A X quit, and the bytes before them are sent first', () => {
    assert.deepEqual(simple(new SerialEscape().feed(bytes('ab\x01xcd'))), ['ab', { kind: 'quit' }, 'cd']);
    assert.deepEqual(simple(new SerialEscape().feed(bytes('\x01X'))), [{ kind: 'quit' }]);
  });

  test('Ctrl-A h, H and ? ask for help', () => {
    for (const key of ['h', 'H', '?']) assert.deepEqual(simple(new SerialEscape().feed(bytes(`\x01${key}`))), [{ kind: 'help' }]);
  });

  test('Ctrl-A Ctrl-A sends one Ctrl-A', () => {
    assert.deepEqual(simple(new SerialEscape().feed(bytes('a\x01\x01b'))), ['a\x01b']);
  });

  test('any other key after Ctrl-A is swallowed together with the Ctrl-A', () => {
    assert.deepEqual(simple(new SerialEscape().feed(bytes('a\x01qb'))), ['ab']);
    assert.deepEqual(simple(new SerialEscape().feed(bytes('\x01\r'))), []);
  });

  test('the escape state carries over between chunks', () => {
    const escape = new SerialEscape();
    assert.deepEqual(simple(escape.feed(bytes('hi\x01'))), ['hi']);
    assert.equal(escape.waitingForCommand, true);
    assert.deepEqual(simple(escape.feed(bytes('x'))), [{ kind: 'quit' }]);
    assert.equal(escape.waitingForCommand, false);
    assert.deepEqual(simple(escape.feed(bytes('\x01'))), []);
    assert.deepEqual(simple(escape.feed(bytes('\x01'))), ['\x01']);
  });

  test('a plain x is just a byte', () => {
    assert.deepEqual(simple(new SerialEscape().feed(bytes('x'))), ['x']);
  });
});
