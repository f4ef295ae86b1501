; segpriv: segment-register loads and privileged instructions for ring_run; argument at [esp + 4].

section .text
%macro LOAD 2                       ; name, segment register: load the argument, then back to SS's selector
global %1
%1:
    mov eax, [esp + 4]
    mov %2, ax
    mov ax, ss
    mov %2, ax
    ret
%endmacro
LOAD s_load_ds, ds
LOAD s_load_es, es
LOAD s_load_fs, fs
LOAD s_load_gs, gs

global s_load_ss, s_pop_ds, s_pop_ss, s_read_ldt_ds
s_load_ss:
    mov eax, [esp + 4]
    mov dx, ss
    mov ss, ax
    mov ss, dx
    ret
s_pop_ds:
    push dword [esp + 4]
    pop ds
    mov ax, ss
    mov ds, ax
    ret
s_pop_ss:
    mov dx, ss
    push dword [esp + 4]
    pop ss
    mov ss, dx
    ret
s_read_ldt_ds:                      ; DS = argument, read [0x00800000] into seg_value
    mov eax, [esp + 4]
    mov ds, ax
    mov eax, [0x00800000]
    mov [ss:seg_value], eax
    mov ax, ss
    mov ds, ax
    ret

section .bss
global seg_value
seg_value: resd 1

section .text
%macro PRIV 2+
global %1
%1:
    %2
    ret
%endmacro
section .data
desc_buffer: dw 0xff
             dd 0
section .text
PRIV s_mov_from_cr0, mov eax, cr0
PRIV s_mov_from_cr3, mov eax, cr3
global s_mov_to_cr0
s_mov_to_cr0:
    mov eax, 0x80000011
    mov cr0, eax
    ret
PRIV s_mov_to_cr3, mov cr3, eax
PRIV s_mov_from_dr7, mov eax, dr7
PRIV s_mov_to_dr0, mov dr0, eax
PRIV s_lgdt, lgdt [ss:desc_buffer]
PRIV s_lidt, lidt [ss:desc_buffer]
global s_lldt, s_ltr, s_rdmsr, s_wrmsr
s_lldt:
    xor eax, eax
    lldt ax
    ret
s_ltr:
    mov ax, 0xd0
    ltr ax
    ret
s_rdmsr:
    mov ecx, 0x10
    rdmsr
    ret
s_wrmsr:
    mov ecx, 0x10
    xor eax, eax
    xor edx, edx
    wrmsr
    ret
PRIV s_lmsw, lmsw ax
PRIV s_clts, clts
PRIV s_hlt, hlt
PRIV s_invlpg, invlpg [ss:desc_buffer]
PRIV s_wbinvd, wbinvd
PRIV s_invd, invd

; unprivileged without UMIP: results in seg_value
global s_sldt, s_str, s_smsw, s_sgdt_limit
s_sldt:
    sldt eax
    mov [ss:seg_value], eax
    ret
s_str:
    str eax
    mov [ss:seg_value], eax
    ret
s_smsw:
    smsw eax
    mov [ss:seg_value], eax
    ret
s_sgdt_limit:
    sub esp, 8
    sgdt [ss:esp]
    movzx eax, word [ss:esp]
    mov [ss:seg_value], eax
    add esp, 8
    ret

; CPL 0: LTR and LLDT with a selector argument
global s_ltr_sel, s_lldt_sel
s_ltr_sel:
    mov eax, [esp + 4]
    ltr ax
    ret
s_lldt_sel:
    mov eax, [esp + 4]
    lldt ax
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
