; segments: accesses through FS with a chosen selector (seg_op), through CS, and through a limited SS, each a
; function for try_call (lib/isr.asm) with the instruction under test at <name>_insn.

%include "insn.inc"

KERNEL_CS equ 0x08
KERNEL_DS equ 0x10
SEL_CS_EXEC_ONLY equ 0x50
SEL_SS_LIMITED equ 0x58            ; expand-up, limit 0x853fff (G=1)
SEL_SS_DOWN equ 0x60               ; expand-down, offsets above 0x852fff (G=1)
STACK_IN_LIMITS equ 0x00853f00

section .text

; struct seg_op { u32 selector, offset, value; }: FS = selector, then one access at FS:offset
%macro FS_OP 2+
global %1, %1_insn
%1:
    mov edx, [esp + 4]
    push fs
    mov eax, [edx + 0]
    mov fs, ax
    mov ecx, [edx + 4]
    mov eax, [edx + 8]
%1_insn:
    %2
    mov [edx + 8], eax
    pop fs
    ret
%endmacro
FS_OP s_read8, movzx eax, byte [fs:ecx]
FS_OP s_read16, movzx eax, word [fs:ecx]
FS_OP s_read32, mov eax, [fs:ecx]
FS_OP s_write8, mov [fs:ecx], al
FS_OP s_write16, mov [fs:ecx], ax
FS_OP s_write32, mov [fs:ecx], eax

section .rodata
global cs_cell
cs_cell: dd 0xc0dec0de

section .text
%macro SNIPPET 1
global %1, %1_insn
%1:
%endmacro

SNIPPET s_cs_read
s_cs_read_insn:
    mov eax, [cs:cs_cell]
    ret
SNIPPET s_cs_write
s_cs_write_insn:
    mov [cs:cs_cell], eax
    ret
SNIPPET s_xo_read                   ; CS = an execute-only code segment, then a read through CS
    jmp SEL_CS_EXEC_ONLY:.in
.in:
s_xo_read_insn:
    mov eax, [cs:cs_cell]
    jmp KERNEL_CS:.out
.out:
    ret
SNIPPET s_xo_run                    ; the same segment, only executing
    jmp SEL_CS_EXEC_ONLY:.in
.in:
s_xo_run_insn:
    mov eax, 1
    jmp KERNEL_CS:.out
.out:
    ret

section .bss
saved_esp: resd 1
section .text

; SS tests: switch to a limited stack segment, access, switch back
%macro SS_BEGIN 1
    mov [saved_esp], esp
    mov ebp, [esp + 4]
    mov ax, %1
    mov ss, ax
    mov esp, STACK_IN_LIMITS
%endmacro
%macro SS_END 0
    mov ax, KERNEL_DS
    mov ss, ax
    mov esp, [saved_esp]
    ret
%endmacro

SNIPPET s_ss_pop                    ; argument: ESP for the POP
    SS_BEGIN SEL_SS_LIMITED
    mov esp, ebp
s_ss_pop_insn:
    pop eax
    SS_END
SNIPPET s_ss_ebp                    ; argument: EBP; [EBP] is an SS access
    SS_BEGIN SEL_SS_LIMITED
s_ss_ebp_insn:
    mov eax, [ebp]
    SS_END
SNIPPET s_ss_esp_disp               ; [ESP + 0x200] with ESP = 0x853f00
    SS_BEGIN SEL_SS_LIMITED
s_ss_esp_disp_insn:
    mov eax, [esp + 0x200]
    SS_END
SNIPPET s_ss_push                   ; PUSH within the limits
    SS_BEGIN SEL_SS_LIMITED
s_ss_push_insn:
    push eax
    pop eax
    SS_END
SNIPPET s_ssdown_ebp                ; expand-down SS: argument EBP
    SS_BEGIN SEL_SS_DOWN
s_ssdown_ebp_insn:
    mov eax, [ebp]
    SS_END

; the default segment follows the base register: EBP (and ESP) mean SS, others DS; an override wins.
; SS gets base 0x10000 (SEL_SS_BASED) for a moment, with no stack access meanwhile.
SEL_SS_BASED equ 0x78
section .bss
global default_results
default_results: resd 3
section .text
global s_default_segments
s_default_segments:
    push ebp
    mov ax, SEL_SS_BASED
    mov ss, ax
    mov ebp, 0x10
    mov ecx, 0x10
    db 0x8b, 0x44, 0x0d, 0x00       ; mov eax, [ebp + ecx*1 + 0]: base EBP, so SS
    mov [default_results + 0], eax
    db 0x8b, 0x04, 0x29             ; mov eax, [ecx + ebp*1]: base ECX, so DS
    mov [default_results + 4], eax
    db 0x3e, 0x8b, 0x44, 0x0d, 0x00 ; mov eax, [ds:ebp + ecx*1 + 0]
    mov [default_results + 8], eax
    mov ax, KERNEL_DS
    mov ss, ax
    pop ebp
    ret

; descriptor inspection: ECX = selector
INSN x_lsl, lsl eax, ecx
INSN x_lar, lar eax, ecx
INSN x_verr, verr cx
INSN x_verw, verw cx

section .note.GNU-stack noalloc noexec nowrite progbits
