; Fuzz harness guest, interrupts: an IDT whose 32 exception gates and the INT 30h gate that ends a case all lead
; to trap_entry (harness.asm) with the vector and an error code (0 for vectors that push none, SDM Vol. 3A
; Table 6-1) on top of the CPU's frame. INT 30h has DPL 3, so that ring-3 code may raise it.

%include "layout.inc"

IDT_ENTRIES equ RETURN_VECTOR + 1

section .bss nobits alloc noexec write align=8
idt:
    resq IDT_ENTRIES

section .data
align 4
    dw 0
idt_desc:
    dw IDT_ENTRIES * 8 - 1
    dd idt

section .text
global idt_install
extern trap_entry

%macro STUB 1
isr_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
    push dword 0
%endif
    push dword %1
    jmp trap_entry
%endmacro

%assign v 0
%rep 32
STUB v
%assign v v + 1
%endrep
STUB RETURN_VECTOR

section .data
align 4
isr_table:
%assign v 0
%rep 32
    dd isr_ %+ v
%assign v v + 1
%endrep

section .text
; Interrupt gates (type 0xE, present) in CS 0x08: DPL 0 for the exceptions, DPL 3 for INT 30h.
idt_install:
    xor ecx, ecx
.gate:
    mov eax, [isr_table + ecx * 4]
    mov dx, 0x8E00
    call set_gate
    inc ecx
    cmp ecx, 32
    jb .gate
    mov ecx, RETURN_VECTOR
    mov eax, isr_ %+ RETURN_VECTOR
    mov dx, 0xEE00
    call set_gate
    lidt [idt_desc]
    ret

; ecx = vector, eax = handler, dx = type and attributes
set_gate:
    mov [idt + ecx * 8], ax
    mov word [idt + ecx * 8 + 2], KERNEL_CS
    mov [idt + ecx * 8 + 4], dx
    shr eax, 16
    mov [idt + ecx * 8 + 6], ax
    ret
