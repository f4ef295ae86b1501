; The double-fault task's code. The CPU enters at double_fault_entry (the EIP of its TSS) with the #DF
; error code on this task's stack. IRET (with EFLAGS.NT set by the task switch) returns to the task that
; faulted; the TSS then holds the EIP after the IRET, so the loop makes every later #DF enter the same way.
bits 32
section .text
extern double_fault_handle
%if NK
extern nk_assert_wp
%endif
global double_fault_entry
double_fault_entry:
%if NK
    mov eax, cr0                        ; the Nested Kernel: re-assert CR0.WP (arch/trap_entry.asm)
    test eax, 1 << 16
    jnz .wp_on
    call nk_assert_wp
.wp_on:
%endif
    call double_fault_handle            ; returns only when the fault was expected (a test)
    add esp, 4                          ; the error code
    iretd
    jmp double_fault_entry
