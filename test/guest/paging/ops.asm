; paging: memory accesses through try_call (lib/isr.asm), each taking its address at [esp + 4]; the value read is
; left in paging_value.

section .bss
global paging_value
paging_value: resd 1

section .text

%macro SNIPPET 1
global %1, %1_insn
%1:
%endmacro

SNIPPET p_read
    mov ecx, [esp + 4]
p_read_insn:
    mov eax, [ecx]
    mov [paging_value], eax
    ret

SNIPPET p_write
    mov ecx, [esp + 4]
p_write_insn:
    mov dword [ecx], 0x5a5a5a5a
    ret

SNIPPET p_write_byte
    mov ecx, [esp + 4]
p_write_byte_insn:
    mov byte [ecx], 0x77
    ret

SNIPPET p_call
    mov ecx, [esp + 4]
p_call_insn:
    call ecx
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
