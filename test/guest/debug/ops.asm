; debug: instructions for the breakpoint and single-step tests, each labelled where main.c expects the #DB
; (faults: the instruction; traps: the one after). bp_data is the dword the data breakpoints watch.

section .data
align 8
bp_guard: dd 0, 0                   ; the overlapping write at bp_data - 2 lands here
global bp_data
bp_data: dd 0, 0

section .text
%macro SNIPPET 1
global %1, %1_insn
%1:
%endmacro

SNIPPET d_exec                      ; an execute breakpoint on d_exec_insn
    mov eax, 1
d_exec_insn:
    add eax, 1
    mov [ss:d_exec_result], eax
    ret
SNIPPET d_exec2                     ; execute breakpoints on two instructions in a row
d_exec2_insn:
    nop
global d_exec2_second
d_exec2_second:
    nop
    ret

; data accesses: argument = address
SNIPPET d_write32
    mov ecx, [esp + 4]
d_write32_insn:
    mov dword [ecx], 0x11223344
global d_write32_after
d_write32_after:
    ret
SNIPPET d_write16
    mov ecx, [esp + 4]
d_write16_insn:
    mov word [ecx], 0x5566
global d_write16_after
d_write16_after:
    ret
SNIPPET d_write8
    mov ecx, [esp + 4]
d_write8_insn:
    mov byte [ecx], 0x77
global d_write8_after
d_write8_after:
    ret
SNIPPET d_read32
    mov ecx, [esp + 4]
d_read32_insn:
    mov eax, [ecx]
global d_read32_after
d_read32_after:
    ret

SNIPPET d_mov_dr0                   ; with DR7.GD=1: #DB (fault) before the MOV
    xor eax, eax
d_mov_dr0_insn:
    mov dr0, eax
    ret
SNIPPET d_icebp
d_icebp_insn:
    db 0xf1
global d_icebp_after
d_icebp_after:
    ret
SNIPPET d_int1_cd
d_int1_cd_insn:
    int 1
    ret
SNIPPET d_read_dr4
d_read_dr4_insn:
    mov eax, dr4
    mov [ss:d_exec_result], eax
    ret
SNIPPET d_read_dr7
d_read_dr7_insn:
    mov eax, dr7
    ret

SNIPPET d_step3                     ; TF set by POPF, then three instructions and POPF clearing it
    pushfd
    or dword [esp], 0x100
    popfd
d_step3_insn:
    mov eax, 1
global d_step3_1, d_step3_2, d_step3_3, d_step3_4, d_step3_5
d_step3_1:
    add eax, 2
d_step3_2:
    pushfd
d_step3_3:
    and dword [esp], ~0x100
d_step3_4:
    popfd                           ; TF was set when it began: one more trap, after it
d_step3_5:
    ret

SNIPPET d_popf_rf                   ; POPF with RF=1 in the image: RF reads back 0
    pushfd
    or dword [esp], 1 << 16
    popfd
d_popf_rf_insn:
    pushfd
    pop eax
    mov [ss:d_exec_result], eax
    ret

section .bss
global d_exec_result
d_exec_result: resd 1

section .note.GNU-stack noalloc noexec nowrite progbits
