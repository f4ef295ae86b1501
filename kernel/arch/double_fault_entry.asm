; The double-fault task's code. The CPU enters at double_fault_entry (the EIP of its TSS) with the #DF
; error code on this task's stack. IRET (with EFLAGS.NT set by the task switch) returns to the task that
; faulted; the TSS then holds the EIP after the IRET, so the loop makes every later #DF enter the same way.
bits 32
section .text
extern double_fault_handle
global double_fault_entry
double_fault_entry:
    call double_fault_handle            ; returns only when the fault was expected (a test)
    add esp, 4                          ; the error code
    iretd
    jmp double_fault_entry
