; Ring 3's side of a privcall (user/lib/privuser.h): a far call through the LDT's DPL-3 call gate with
; the arguments in registers (EAX = id, ECX = a, EDX = b, EBX = c; the result in EAX). The gate copies
; no parameters (docs/lotrx86.md says why); the ring-2 stub keeps EBX, ESI, EDI, EBP and the selectors.
bits 32
section .text

PRIVCALL_GATE equ 0x17

global privcall
; int privcall(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
privcall:
    push ebx
    mov eax, [esp + 8]
    mov ecx, [esp + 12]
    mov edx, [esp + 16]
    mov ebx, [esp + 20]
    call PRIVCALL_GATE:0                ; the offset is ignored: the gate names the entry
    pop ebx
    ret

global privcall_via
; int privcall_via(uint16_t gate_selector, uint32_t id, uint32_t a, uint32_t b, uint32_t c)
privcall_via:
    push ebx
    push esi
    movzx eax, word [esp + 12]
    push eax                            ; a far pointer in memory: offset, then selector
    push dword 0
    mov esi, esp
    mov eax, [esp + 24]
    mov ecx, [esp + 28]
    mov edx, [esp + 32]
    mov ebx, [esp + 36]
    call far [esi]
    add esp, 8
    pop esi
    pop ebx
    ret
