/* The rogue driver's ioctl (SYS_rogue, kernel/drivers/rogue.c): a deliberately buggy driver for
 * demo=rogue-driver (docs/nested-kernel.md). rogue(cmd, a, b, c): */
#ifndef KERNELIST_UAPI_ROGUE_H
#define KERNELIST_UAPI_ROGUE_H

#define ROGUE_WRITE 1 /* (offset, value, size 1 or 4): buffer[offset] = value -- THE BUG: offset unchecked */
#define ROGUE_READ  2 /* (offset): the 32 bits at buffer[offset] (unchecked as well) */
#define ROGUE_CALL  3 /* (a, b): the driver's callback(a, b); the callback pointer is ordinary driver data */
#define ROGUE_SYM   4 /* (ROGUE_SYM_*): a kernel address, as an attacker reads it from the kernel image */
#define ROGUE_CR    5 /* (0 or 3): CR0 or CR3, to see what an attack changed */
#define ROGUE_PRIV  6 /* a privileged operation: 0 if rogue_caller_permitted(), else -EPERM (never, for users) */
#define ROGUE_VALUE 7 /* (v): sets the value rogue_get_value returns */

#define ROGUE_SYM_BUFFER        0 /* the driver's buffer: ROGUE_WRITE offsets are relative to it */
#define ROGUE_SYM_SYSCALL_TABLE 1
#define ROGUE_SYM_IDT           2
#define ROGUE_SYM_PERMITTED     3 /* rogue_caller_permitted (the permission check to patch) */
#define ROGUE_SYM_GET_VALUE     4 /* rogue_get_value (a syscall-shaped function returning the ROGUE_VALUE) */
#define ROGUE_SYM_CALLBACK      5 /* the driver's callback pointer */
#define ROGUE_SYM_LOAD_CR0      6 /* nk_load_cr0 */
#define ROGUE_SYM_CR3_INSN      7 /* nk_cr3_insn: the MOV CR3 inside the nested kernel */
#define ROGUE_SYM_CR3_VALUE     8 /* nk_cr3_value: the operand that MOV CR3 loads */
#define ROGUE_SYM_AUDIT_LOG     9
#define ROGUE_SYM_TEXT_PTE     10 /* the PTE mapping rogue_caller_permitted's page */
#define ROGUE_SYM_PTP_PTE      11 /* the direct-map PTE of the page table holding that PTE */
#define ROGUE_SYM_NK           12 /* 1 when the kernel is the NK=1 build */
#define ROGUE_SYM_GDT          13 /* the GDT (what SGDT shows) */
#define ROGUE_SYM_TSS          14 /* kernel_tss */
#define ROGUE_SYM_GATE_TARGET  15 /* rogue_gate_target: ring-0 code that returns CPL in EAX with a far return */

#endif
