; Kernel-stack switching between processes (core/sched.c).
bits 32
section .text

global context_switch
; void context_switch(uint32_t *save_esp, uint32_t new_esp): saves the callee-saved registers on this
; stack, stores ESP in *save_esp, loads new_esp and restores the registers saved there.
context_switch:
    mov eax, [esp + 4]
    mov edx, [esp + 8]
    push ebp
    push ebx
    push esi
    push edi
    mov [eax], esp
    mov esp, edx
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

global kthread_entry
extern proc_exit_current
; The first return of a new kernel thread: EBX = function, ESI = argument (from its initial context).
kthread_entry:
    sti
    push esi
    call ebx
    push eax
    call proc_exit_current              ; does not return

extern trap_return
global user_entry
; The first return of a new user process: a struct trap_frame for ring 3 sits right above.
user_entry:
    jmp trap_return
