; _start: the entry of every user program (uapi/layout.h).
; At entry ESP points at argc, then at argv (a pointer to argc pointers and a NULL).
; Calls main(argc, argv) with a 16-byte aligned stack, then exit(main's result).
bits 32
section .text.start progbits alloc exec nowrite align=16
global _start
extern main
extern exit

_start:
    xor ebp, ebp            ; the end of the frame chain, for debuggers
    mov eax, [esp]          ; argc
    mov ecx, [esp + 4]      ; argv
    and esp, -16
    sub esp, 8              ; after the two pushes ESP is 16-byte aligned at the call
    push ecx
    push eax
    call main
    mov [esp], eax          ; exit(status)
    call exit
.never:                     ; exit does not return; fault loudly if it ever did
    ud2
    jmp .never

section .note.GNU-stack noalloc noexec nowrite progbits ; the stack is not executable
