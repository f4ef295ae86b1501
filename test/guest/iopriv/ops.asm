; iopriv: I/O and flag instructions for ring_run (lib/ring.c): each takes its argument at [esp + 4] and leaves
; EFLAGS (after the instruction) in io_flags and any value read in io_value, through SS (flat at every ring).

section .bss
global io_flags, io_value, io_buffer
io_flags: resd 1
io_value: resd 1
io_buffer: resd 1

section .text
%macro FLAGS_OUT 0
    pushfd
    pop dword [ss:io_flags]
%endmacro

global io_in8, io_in8_imm, io_in16, io_in32, io_out8, io_out8_imm, io_out16, io_out32, io_ins8, io_outs8
io_in8:                             ; argument: port
    mov edx, [esp + 4]
    in al, dx
    mov [ss:io_value], eax
    ret
io_in8_imm:                         ; in al, 0x21
    in al, 0x21
    mov [ss:io_value], eax
    ret
io_in16:
    mov edx, [esp + 4]
    in ax, dx
    ret
io_in32:
    mov edx, [esp + 4]
    in eax, dx
    ret
io_out8:
    mov edx, [esp + 4]
    xor eax, eax
    out dx, al
    ret
io_out8_imm:                        ; out 0x80, al
    xor eax, eax
    out 0x80, al
    ret
io_out16:
    mov edx, [esp + 4]
    xor eax, eax
    out dx, ax
    ret
io_out32:
    mov edx, [esp + 4]
    xor eax, eax
    out dx, eax
    ret
io_ins8:                            ; insb to io_buffer
    mov edx, [esp + 4]
    push edi
    mov edi, io_buffer
    cld
    insb
    pop edi
    ret
io_outs8:                           ; outsb from io_buffer
    mov edx, [esp + 4]
    push esi
    mov esi, io_buffer
    cld
    outsb
    pop esi
    ret

global io_cli, io_sti, io_popf, io_iret, io_pushf
io_cli:
    cli
    FLAGS_OUT
    ret
io_sti:
    sti
    FLAGS_OUT
    ret
io_popf:                            ; argument: the EFLAGS image
    push dword [esp + 4]
    popfd
    FLAGS_OUT
    ret
io_iret:                            ; IRET to the same ring with the argument as the EFLAGS image
    mov eax, [esp + 4]
    push eax
    mov eax, cs
    push eax
    push dword .next
    iretd
.next:
    FLAGS_OUT
    ret
io_pushf:
    FLAGS_OUT
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
