; exceptions: one small function per exception test, called through try_call (lib/isr.asm). Each labels the
; instruction under test <name>_insn, so main.c can print the saved EIP relative to it (faults: +0; traps: the
; instruction length). Functions take one argument, at [esp + 4], when they need a value from C.

section .text

%macro SNIPPET 1
global %1, %1_insn
%1:
%endmacro

SNIPPET e_div_zero
    xor edx, edx
    mov eax, 1
    xor ecx, ecx
e_div_zero_insn:
    div ecx
    ret

SNIPPET e_int3
e_int3_insn:
    int3                            ; CC: trap, EIP after it
    ret

SNIPPET e_int_3
e_int_3_insn:
    int 3                           ; CD 03
    ret

SNIPPET e_into_of1
    push dword 0x802                ; OF=1
    popfd
e_into_of1_insn:
    into
    ret

SNIPPET e_into_of0
    push dword 0x002
    popfd
e_into_of0_insn:
    into
    ret

; BOUND EAX, [bounds]: the argument is the index
section .data
align 4
bounds32: dd 10, 20
bounds16: dw -5, 5
section .text
SNIPPET e_bound32
    mov eax, [esp + 4]
e_bound32_insn:
    bound eax, [bounds32]
    ret
SNIPPET e_bound16
    mov eax, [esp + 4]
e_bound16_insn:
    bound ax, [bounds16]
    ret

SNIPPET e_ud2
e_ud2_insn:
    ud2
    ret
SNIPPET e_ud0
e_ud0_insn:
    db 0x0f, 0xff, 0xc0             ; UD0 eax, eax
    ret
SNIPPET e_lock_nop
e_lock_nop_insn:
    db 0xf0, 0x90                   ; lock nop
    ret
SNIPPET e_lock_reg
e_lock_reg_insn:
    db 0xf0, 0x01, 0xd8             ; lock add eax, ebx: LOCK needs a memory destination
    ret
SNIPPET e_lock_mov
e_lock_mov_insn:
    db 0xf0, 0x89, 0x05             ; lock mov [scratch], eax: MOV cannot be locked
    dd scratch
    ret
SNIPPET e_mov_cs
e_mov_cs_insn:
    db 0x8e, 0xc8                   ; mov cs, ax
    ret
SNIPPET e_lea_reg
e_lea_reg_insn:
    db 0x8d, 0xc0                   ; lea eax, eax
    ret
SNIPPET e_jmp_far_reg
e_jmp_far_reg_insn:
    db 0xff, 0xe8                   ; jmp far eax: needs a memory operand
    ret
SNIPPET e_cmpxchg8b_reg
e_cmpxchg8b_reg_insn:
    db 0x0f, 0xc7, 0xc8             ; cmpxchg8b eax
    ret

SNIPPET e_fld1
e_fld1_insn:
    db 0xd9, 0xe8                   ; fld1
    ret
SNIPPET e_fwait
e_fwait_insn:
    fwait
    ret

; segment register loads: the argument is the selector
SNIPPET e_load_ds
    mov eax, [esp + 4]
e_load_ds_insn:
    mov ds, ax
    mov ax, 0x10
    mov ds, ax
    ret
SNIPPET e_load_fs
    mov eax, [esp + 4]
e_load_fs_insn:
    mov fs, ax
    mov ax, 0x10
    mov fs, ax
    ret
SNIPPET e_load_ss
    mov eax, [esp + 4]
e_load_ss_insn:
    mov ss, ax
    mov ax, 0x10
    mov ss, ax
    ret
SNIPPET e_jmp_far_data
e_jmp_far_data_insn:
    jmp 0x10:.never                 ; a data segment in CS
.never:
    ret

; control registers: the argument is the value to write
SNIPPET e_write_cr0
    mov eax, [esp + 4]
    mov ecx, cr0
e_write_cr0_insn:
    mov cr0, eax
    mov cr0, ecx
    ret

SNIPPET e_int40
e_int40_insn:
    int 0x40
    ret
SNIPPET e_int41
e_int41_insn:
    int 0x41
    ret

; memory accesses: the argument is the address
SNIPPET e_read
    mov ecx, [esp + 4]
e_read_insn:
    mov eax, [ecx]
    ret
SNIPPET e_write
    mov ecx, [esp + 4]
e_write_insn:
    mov dword [ecx], 0x12345678
    ret
SNIPPET e_call_addr
    mov ecx, [esp + 4]
e_call_addr_insn:
    call ecx
    ret

; INT n through an interrupt gate (0x30) and a trap gate (0x31), with IF=1: the handler records EFLAGS
SNIPPET e_int30
    pushfd
    sti
e_int30_insn:
    int 0x30
    popfd
    ret
SNIPPET e_int31
    pushfd
    sti
e_int31_insn:
    int 0x31
    popfd
    ret

; single-step over a few instructions (TF from POPF), including MOV SS, which holds the trap back for one more
SNIPPET e_single_step
    pushfd
    or dword [esp], 0x100
    popfd
.p0: nop
.p1: mov eax, 1
.p2: add eax, 2
.p3: mov cx, ss
.p4: mov ss, cx
.p5: nop
.p6: pushfd
.p7: and dword [esp], ~0x100
.p8: popfd
.p9: nop
e_single_step_insn:
    ret
section .rodata
align 4
global step_points
step_points: dd e_single_step.p0, e_single_step.p1, e_single_step.p2, e_single_step.p3, e_single_step.p4
             dd e_single_step.p5, e_single_step.p6, e_single_step.p7, e_single_step.p8, e_single_step.p9
             dd e_single_step_insn

section .bss
scratch: resd 1

section .note.GNU-stack noalloc noexec nowrite progbits
