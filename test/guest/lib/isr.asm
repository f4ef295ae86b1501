; Interrupt entry stubs for all 256 vectors and try_call(), the fault-recovery helper.
; Every stub builds the same struct frame (lib/guest.h) and calls isr_dispatch (lib/idt.c).
; Vectors that push an error code (Intel SDM Vol. 3A, Table 6-1): 8, 10-14, 17, 21, 29, 30.

KERNEL_DS equ 0x10

section .text

%macro STUB 1
isr_stub_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
%else
    push dword 0                    ; no error code: keep one frame layout
%endif
    push dword %1
    jmp isr_common
%endmacro

%assign v 0
%rep 256
    STUB v
%assign v v + 1
%endrep

extern isr_dispatch
isr_common:
    pushad
    push ds
    push es
    push fs
    push gs
    mov ax, KERNEL_DS
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    cld
    push esp                        ; struct frame *
    call isr_dispatch
    add esp, 4
    pop gs
    pop fs
    pop es
    pop ds
    popad
    add esp, 8                      ; vector and error code
    iretd

section .rodata
align 4
global isr_stubs
isr_stubs:
%assign v 0
%rep 256
    dd isr_stub_ %+ v
%assign v v + 1
%endrep

section .data
align 4
global recovery_eip, recovery_esp
recovery_eip: dd 0                  ; where isr_dispatch resumes after an expected fault (0: none)
recovery_esp: dd 0

section .text
; int try_call(void (*fn)(void *), void *arg)
; Calls fn(arg). Returns -1 if it returns normally; if it faults, the fault is recorded in last_fault,
; the stack and callee-saved registers are restored as at the call, and the vector is returned.
global try_call
extern last_fault
try_call:
    push ebp
    push ebx
    push esi
    push edi
    pushfd
    mov [recovery_esp], esp
    mov dword [recovery_eip], .faulted
    mov eax, [esp + 24]             ; fn
    mov edx, [esp + 28]             ; arg
    push edx
    call eax
    add esp, 4
    mov dword [recovery_eip], 0
    mov eax, -1
    jmp .done
.faulted:                           ; isr_dispatch returned here with flat DS/ES/FS/GS and EFLAGS=2
    mov ax, KERNEL_DS
    mov ss, ax
    mov esp, [recovery_esp]
    mov eax, [last_fault]           ; last_fault.vector
.done:
    popfd
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
