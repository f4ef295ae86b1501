// Kernelist's machine: the public API. Host-neutral: runs in Node and in browsers.

export { Machine, type MachineOptions, type ExitReason, type RunOptions, MULTIBOOT_GDT_ADDRESS, MULTIBOOT_INITIAL_ESP } from './machine.js';
export { BootError } from './boot/boot-error.js';
export { Cpu } from './cpu/cpu.js';
export { OPCODE_ROWS, type OpcodeRow } from './cpu/decode/opcode-table.js';
export type { CpuEvent, CpuEventKind, CpuCounters, TransferCauseName, TlbFlushScope, DescriptorTable } from './cpu/events.js';
