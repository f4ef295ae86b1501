// The golden-transcript helpers: comments, SDM overrides and the first-difference report.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applySdmOverrides,
  exitLine,
  firstDifference,
  goldenLines,
  parseSdmOverrides,
  serialLines,
  stripComment,
} from './transcript.js';

describe('golden transcripts', () => {
  test('a trailing "  # " comment is ignored, a "#GP" in the output is not', () => {
    assert.equal(stripComment('read -> #GP(0x0000)  # SDM: reason'), 'read -> #GP(0x0000)');
    assert.equal(stripComment('#UD with its gate -> #NP(0x0033)'), '#UD with its gate -> #NP(0x0033)');
    assert.deepEqual(goldenLines('a  # note\nb\nexit=0\n'), ['a', 'b', 'exit=0']);
  });

  test('serial output splits on newlines and keeps an unterminated last line', () => {
    assert.deepEqual(serialLines('one\ntwo\n'), ['one', 'two']);
    assert.deepEqual(serialLines('one\ntwo'), ['one', 'two']);
    assert.deepEqual(serialLines(''), []);
  });

  test('the exit line shows the value written to port 0xF4, or how the run ended', () => {
    assert.equal(exitLine({ kind: 'debug-exit', value: 0 }), 'exit=0');
    assert.equal(exitLine({ kind: 'debug-exit', value: 0x7e }), 'exit=126');
    assert.equal(exitLine({ kind: 'triple-fault' }), 'exit=triple-fault');
  });

  test('an SDM override replaces the one line with the same description', () => {
    const overrides = parseSdmOverrides(
      '# notes\n\nread fs:0x1000 -> #GP(0x0000)  # SDM: limit\n#UD gate -> #NP(0x0033)  # SDM: EXT\n',
    );
    assert.deepEqual(
      overrides.map((o) => o.key),
      ['read fs:0x1000 -> ', '#UD gate -> '],
    );
    const result = applySdmOverrides(['begin', 'read fs:0x1000 -> ok', '#UD gate -> #NP(0x0033)'], overrides);
    assert.deepEqual(result.lines, [
      'begin',
      'read fs:0x1000 -> #GP(0x0000)  # SDM: limit',
      '#UD gate -> #NP(0x0033)  # SDM: EXT',
    ]);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.unneeded, ['#UD gate -> #NP(0x0033)  # SDM: EXT']);
  });

  test('an override that matches no line, or two, is a problem', () => {
    const overrides = parseSdmOverrides('x -> y  # SDM: r\n');
    assert.equal(applySdmOverrides(['z -> y'], overrides).problems.length, 1);
    assert.equal(applySdmOverrides(['x -> a', 'x -> b'], overrides).problems.length, 1);
  });

  test('an override without an outcome or a reason is refused', () => {
    assert.throws(() => parseSdmOverrides('x -> y\n'));
    assert.throws(() => parseSdmOverrides('no arrow  # SDM: r\n'));
    assert.throws(() => parseSdmOverrides('x -> y  # SDM: \u00a7 not ascii\n'));
  });

  test('the first difference names the line and shows context', () => {
    assert.equal(firstDifference(['a', 'b'], ['a', 'b']), null);
    const diff = firstDifference(['a', 'b', 'c'], ['a', 'x', 'c']);
    assert.match(diff!, /^line 2 differs/);
    assert.match(diff!, /expected: b/);
    assert.match(diff!, /actual: {3}x/);
    assert.match(firstDifference(['a', 'b'], ['a'])!, /^output ends after line 1/);
    assert.match(firstDifference(['a'], ['a', 'b'])!, /^output goes on past the golden's 1 lines/);
  });
});
