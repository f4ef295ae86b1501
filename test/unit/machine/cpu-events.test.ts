// The CPU event API (src/machine/cpu/events.ts) observed on real guest code: the `rings` and `pae` conformance
// programs make ring transitions of every cause, exceptions, CR writes, TLB flushes and table loads.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine, type CpuEvent } from '../../../src/machine/index.js';
import { elfPath, guestDir, moduleString, multibootCmdline, programs } from '../../guest/manifest.js';

async function runProgram(name: string, listen: boolean): Promise<{ machine: Machine; events: CpuEvent[] }> {
  const program = programs.find((p) => p.name === name)!;
  const machine = new Machine({ memoryMiB: 128, clock: 'instructions' });
  const events: CpuEvent[] = [];
  if (listen) machine.on('cpu', (e) => events.push(e));
  machine.loadMultiboot(new Uint8Array(readFileSync(elfPath(name))), {
    cmdline: multibootCmdline(program),
    modules: program.modules.map((m) => ({ data: m.data, string: moduleString(m) })),
  });
  const reason = await machine.run({ maxInstructions: program.maxInstructions });
  assert.equal(reason.kind, 'debug-exit');
  return { machine, events };
}

const ofKind = <K extends CpuEvent['kind']>(events: CpuEvent[], kind: K) => events.filter((e): e is Extract<CpuEvent, { kind: K }> => e.kind === kind);

describe('CPU events and counters', () => {
  before(() => { execFileSync('make', ['-s', '-C', guestDir, 'build/rings.elf', 'build/pae.elf'], { stdio: 'inherit' }); });

  test('rings: every transition of the privcall and the ring-2 interrupt is reported with its cause', async () => {
    const { machine, events } = await runProgram('rings', true);
    const rings = ofKind(events, 'ring');
    const has = (from: number, to: number, cause: string) => rings.some((e) => e.from === from && e.to === to && e.cause === cause);
    assert.ok(has(0, 3, 'iret'), 'IRET into ring 3');
    assert.ok(has(3, 2, 'call-gate'), 'privcall: ring 3 to ring 2 through the call gate');
    assert.ok(has(2, 3, 'retf'), 'RETF 12 back to ring 3');
    const irq = rings.find((e) => e.from === 2 && e.to === 0 && e.cause === 'interrupt');
    assert.ok(irq, 'PIT interrupt taken in ring 2');
    assert.ok(irq.vector >= 0x20, `vector ${irq.vector}`);
    assert.ok(rings.some((e) => e.to === 0 && e.cause === 'exception' && e.vector === 13), '#GP from an outer ring');
    const gp = ofKind(events, 'exception').find((e) => e.vector === 13 && e.cpl === 3);
    assert.ok(gp, 'a #GP raised at CPL 3');
    assert.ok(gp.errorCode >= 0);

    const counters = machine.counters();
    assert.equal(counters.ringTransitions, rings.length);
    assert.equal(counters.exceptions, ofKind(events, 'exception').length);
    assert.equal(counters.interrupts, ofKind(events, 'interrupt').length);
    assert.equal(counters.tableLoads, ofKind(events, 'table-load').length);
    assert.equal(counters.transitions[3]![2], rings.filter((e) => e.from === 3 && e.to === 2).length);
    assert.equal(counters.exceptionsByVector[13], ofKind(events, 'exception').filter((e) => e.vector === 13).length);
    assert.ok(counters.instructions > 10_000, `${counters.instructions} instructions`);
    const tables = ofKind(events, 'table-load').map((e) => e.table);
    for (const t of ['gdt', 'idt', 'ldt', 'tr'] as const) assert.ok(tables.includes(t), `a ${t} load`);
  });

  test('counting does not depend on listening: the same run without a listener gives the same counters', async () => {
    const heard = (await runProgram('rings', true)).machine.counters();
    const { machine, events } = await runProgram('rings', false);
    assert.equal(events.length, 0);
    assert.deepEqual(machine.counters(), heard);
  });

  test('pae: CR writes (with previous and new values), TLB flushes by scope, INVLPG addresses', async () => {
    const { machine, events } = await runProgram('pae', true);
    const crs = ofKind(events, 'cr-write');
    const smepOn = crs.find((e) => e.register === 4 && !(e.previous & (1 << 20)) && (e.value & (1 << 20)));
    assert.ok(smepOn, 'CR4.SMEP set');
    assert.ok(crs.some((e) => e.register === 0 && (e.value & 0x80000000) && !(e.previous & 0x80000000)), 'CR0.PG set');
    assert.ok(crs.some((e) => e.register === 3));
    const flushes = ofKind(events, 'tlb-flush');
    assert.ok(flushes.some((e) => e.scope === 'page' && e.address !== -1), 'INVLPG');
    assert.ok(flushes.some((e) => e.scope === 'all' && e.address === -1));
    assert.equal(machine.counters().crWrites, crs.length);
    assert.equal(machine.counters().tlbFlushes, flushes.length);
  });

  test('removing the last listener stops the events but not the counting', async () => {
    const machine = new Machine({ memoryMiB: 16 });
    const events: CpuEvent[] = [];
    const listener = (e: CpuEvent) => events.push(e);
    machine.on('cpu', listener).off('cpu', listener);
    assert.equal(machine.cpu.events.listener, null);
    const before = machine.counters().tlbFlushes;
    machine.cpu.flushTlb();
    assert.equal(events.length, 0);
    assert.equal(machine.counters().tlbFlushes, before + 1);
  });
});
