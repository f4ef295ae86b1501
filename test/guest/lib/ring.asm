; ring_enter (called by try_call through lib/ring.c): IRET into ring n with the struct ring_entry's EFLAGS and
; data segments; ring_trampoline runs fn(arg) there and comes back through the DPL-3 exit gate to ring_exit,
; which returns from ring_enter on the ring-0 stack it left. A fault on the way is try_call's business.

KERNEL_CS equ 0x08
KERNEL_DS equ 0x10
SEL_EXIT_GATE equ 0xd8

section .bss
ring_saved_esp: resd 1
global ring_seen
ring_seen: resd 4

section .text
; void ring_enter(struct ring_entry *e): { u32 ring, eflags; u16 ds, es, fs, gs; }
global ring_enter
ring_enter:
    push ebp
    push ebx
    push esi
    push edi
    mov [ring_saved_esp], esp
    mov edx, [esp + 20]
    mov ecx, [edx + 0]              ; ring
    ; SS: the ring's data selector (0x98 + 16 * ring: GDT 21 + 2 * (ring - 1), RPL ring); ESP: its stack top - 12
    lea eax, [ecx * 8 + 0x98]
    lea eax, [eax + ecx * 8]
    or eax, ecx
    push eax
    mov eax, ecx
    shl eax, 16
    add eax, 0x00a10000 - 12
    push eax
    push dword [edx + 4]            ; EFLAGS
    lea eax, [ecx * 8 + 0x90]      ; CS: GDT 20 + 2 * (ring - 1)
    lea eax, [eax + ecx * 8]
    or eax, ecx
    push eax
    push ring_trampoline
    movzx eax, word [edx + 14]
    mov gs, ax
    movzx eax, word [edx + 12]
    mov fs, ax
    movzx eax, word [edx + 10]
    mov es, ax
    movzx eax, word [edx + 8]
    mov ds, ax
    iretd

; at CPL n: [esp] data selector, [esp+4] fn, [esp+8] arg
ring_trampoline:
    mov [ss:ring_seen + 0], ds
    mov [ss:ring_seen + 4], es
    mov [ss:ring_seen + 8], fs
    mov [ss:ring_seen + 12], gs
    pop eax
    mov ds, ax
    mov es, ax
    pop eax
    call eax
    call SEL_EXIT_GATE:0

; ring 0, on the SS0:ESP0 stack: back to ring_enter's caller
global ring_exit
ring_exit:
    cli
    mov ax, KERNEL_DS
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [ring_saved_esp]
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
