; interrupts: the instruction sequences whose exact order matters (STI's one-instruction interrupt shadow,
; STI; HLT with an interrupt already pending).

section .bss
global shadow_marker, hlt_resume_eip
shadow_marker: resd 1
hlt_resume_eip: resd 1

section .text
; An interrupt is pending and IF=0. After STI the CPU takes it only after the next instruction, so the
; handler (main.c) sees shadow_marker = 1.
global sti_shadow
sti_shadow:
    mov dword [shadow_marker], 0
    sti
    mov dword [shadow_marker], 1
    mov dword [shadow_marker], 2
    cli
    ret

; STI; HLT with an interrupt pending: the HLT is in the shadow, the interrupt wakes it, and the saved EIP is
; the instruction after the HLT.
global sti_hlt, sti_hlt_after
sti_hlt:
    sti
    hlt
sti_hlt_after:
    cli
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
