// Serial transcripts of the guest programs: golden file format, SDM overrides and line-by-line comparison.
// A golden is the COM1 output, one line per '\n', then "exit=<byte written to port 0xF4>". Any line may end in a
// comment, two spaces and "# " (the programs never print that), which the comparison ignores.

/** The trailing comment of a golden line. */
const COMMENT = /  # .*$/;

export function stripComment(line: string): string {
  return line.replace(COMMENT, '');
}

/** Splits serial output (bytes as Latin-1) into lines; a last line without '\n' still counts. */
export function serialLines(output: string): string[] {
  const lines = output.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The lines of a golden file as compared: comments stripped. */
export function goldenLines(text: string): string[] {
  return serialLines(text).map(stripComment);
}

export function exitLine(exit: { kind: string; value?: number; message?: string }): string {
  return exit.kind === 'debug-exit' ? `exit=${exit.value}` : `exit=${exit.kind}`;
}

/** The golden file text for a transcript. */
export function goldenText(lines: string[]): string {
  return lines.map((line) => line + '\n').join('');
}

/** null when equal, else a message naming the first differing line with a few lines of context. */
export function firstDifference(expected: string[], actual: string[], context = 3): string | null {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] === actual[i]) continue;
    const from = Math.max(0, i - context);
    const show = (lines: string[]): string =>
      lines
        .slice(from, i + context + 1)
        .map((line, k) => `${String(from + k + 1).padStart(5)}${from + k === i ? '>' : ' '} ${line}`)
        .join('\n');
    const what =
      i >= actual.length
        ? `output ends after line ${actual.length}`
        : i >= expected.length
          ? `output goes on past the golden's ${expected.length} lines`
          : `line ${i + 1} differs`;
    return `${what}\n  expected: ${expected[i] ?? '(nothing)'}\n  actual:   ${actual[i] ?? '(nothing)'}\n` +
      `--- golden\n${show(expected)}\n--- actual\n${show(actual)}`;
  }
  return null;
}

export interface SdmOverride {
  /** The text up to and including " -> ": it picks the transcript line to replace. */
  key: string;
  /** The golden line, with its "  # SDM: reason" comment. */
  line: string;
}

/**
 * An override file (golden/<name>.sdm): one golden line per entry, "<description> -> <outcome>  # SDM: <reason>".
 * Lines starting with "# " (hash, space) and blank lines are notes; an entry may start with '#', as in "#UD".
 */
export function parseSdmOverrides(text: string): SdmOverride[] {
  const overrides: SdmOverride[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '' || raw.startsWith('# ') || raw === '#') continue;
    if (/[^\x20-\x7e]/.test(raw)) throw new Error(`SDM override must be printable ASCII: ${raw}`);
    const arrow = raw.indexOf(' -> ');
    if (arrow < 0 || !COMMENT.test(raw)) {
      throw new Error(`SDM override needs "<description> -> <outcome>  # <reason>": ${raw}`);
    }
    overrides.push({ key: raw.slice(0, arrow + 4), line: raw });
  }
  return overrides;
}

export interface OverrideResult {
  lines: string[];
  /** Overrides whose key matched no line, or more than one. */
  problems: string[];
  /** Overrides where QEMU already printed what the SDM says. */
  unneeded: string[];
}

/** Replaces QEMU's line for each override by the SDM line. */
export function applySdmOverrides(lines: string[], overrides: SdmOverride[]): OverrideResult {
  const out = [...lines];
  const problems: string[] = [];
  const unneeded: string[] = [];
  for (const o of overrides) {
    const hits = out.flatMap((line, i) => (line.startsWith(o.key) ? [i] : []));
    if (hits.length !== 1) {
      problems.push(`${hits.length} lines start with "${o.key}"`);
      continue;
    }
    const at = hits[0]!;
    if (out[at] === stripComment(o.line)) unneeded.push(o.line);
    out[at] = o.line;
  }
  return { lines: out, problems, unneeded };
}
