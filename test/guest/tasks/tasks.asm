; tasks: the assembly side of the hardware task-switch tests (Intel SDM Vol. 3A chapter 7). Far JMP/CALL to a
; selector given at run time, the entry points of the tasks (a task entered through an exception gate finds the
; error code on top of its stack), the IRET with NT=1 probe, and the double-fault trigger.

section .text

; void task_jmp(u32 selector): far JMP to selector:0 (a TSS or a task gate: the offset is ignored).
; The task that jumped resumes at task_jmp_resume when some other task switches back to it.
global task_jmp, task_jmp_resume
task_jmp:
    push dword [esp + 4]            ; selector
    push dword 0                    ; offset
    jmp far [esp]
task_jmp_resume:
    add esp, 8
    ret

; void task_call(u32 selector): far CALL to selector:0; the called task comes back with IRET.
global task_call, task_call_resume
task_call:
    push dword [esp + 4]
    push dword 0
    call far [esp]
task_call_resume:
    add esp, 8
    ret

; void task_int40(void): INT 0x40, a task gate in the IDT while the test runs.
global task_int40
task_int40:
    int 0x40
    ret

; The called task: records what it sees (callee_body in main.c), then IRET (NT=1) to the task that called it.
; A later CALL resumes it after its IRET, at callee_after_iret.
global callee_entry, callee_after_iret
extern callee_body
callee_entry:
    call callee_body
    iretd
callee_after_iret:
    jmp callee_entry

; The jumped-to task: saves the EAX its TSS gave it, records, and jumps back to the main task.
global jumper_entry, jumper_eax
extern jumper_body
jumper_entry:
    mov [jumper_eax], eax
    jmp jumper_body                 ; never returns: it loops over task_jmp(main)

; A task that never runs an instruction: its DS selector is bad, so switching to it faults (#TS) first.
global bad_entry
bad_entry:
    hlt
    jmp bad_entry

; The #TS task (IDT vector 10 is a task gate to it): takes the error code and records (ts_body never returns).
global ts_entry, ts_error
extern ts_body
ts_entry:
    pop eax
    mov [ts_error], eax
    jmp ts_body

; The #DF task (IDT vector 8): takes the error code, lets df_body record and repair the main task, then IRET
; (NT=1) back to it.
global df_entry, df_error
extern df_body
df_entry:
    pop eax
    mov [df_error], eax
    call df_body
    iretd
    jmp df_entry

; void iret_nt(void *): IRET with EFLAGS.NT=1, a task return through the current TSS's back link.
global iret_nt
iret_nt:
    pushfd
    or dword [esp], 0x4000
    popfd
    iretd
    ret

; void df_trigger(u32 bad_esp): runs PUSH with ESP on an unmapped page. The #PF cannot be delivered on that
; stack (a second #PF), which makes a #DF; the #DF task sets this task's saved EIP to df_resume and its ESP
; back to df_saved_esp, and returns with IRET.
global df_trigger, df_push, df_resume, df_saved_esp
df_trigger:
    mov eax, [esp + 4]
    mov [df_saved_esp], esp
    mov esp, eax
df_push:
    push eax
df_resume:
    ret

section .bss
align 4
jumper_eax: resd 1
ts_error: resd 1
df_error: resd 1
df_saved_esp: resd 1

section .note.GNU-stack noalloc noexec nowrite progbits
