; Accesses that may fault, for boot probes and kernel tests. Each faulting instruction has a label that
; arch/fixup.c arms before the call; the trap handler then resumes at the matching *_resume label.
bits 32
section .text

USER_DATA_SELECTOR equ 0x23
KERNEL_DATA_SELECTOR equ 0x10

global probe_asm_read32, probe_read_insn, probe_read_resume
; uint32_t probe_asm_read32(uint32_t addr)
probe_asm_read32:
    mov edx, [esp + 4]
    xor eax, eax
probe_read_insn:
    mov eax, [edx]
probe_read_resume:
    ret

global probe_asm_write32, probe_write_insn, probe_write_resume
; void probe_asm_write32(uint32_t addr, uint32_t value)
probe_asm_write32:
    mov edx, [esp + 4]
    mov eax, [esp + 8]
probe_write_insn:
    mov [edx], eax
probe_write_resume:
    ret

global probe_asm_exec, probe_exec_resume
; void probe_asm_exec(uint32_t addr): calls addr; a fetch fault there resumes at probe_exec_resume,
; which drops the return address the CALL pushed.
probe_asm_exec:
    mov edx, [esp + 4]
    call edx
    ret
probe_exec_resume:
    add esp, 4
    ret

global probe_asm_seglimit, probe_seglimit_insn, probe_seglimit_resume
; void probe_asm_seglimit(void): reads linear 0xC0000000 through the ring-3 data segment, whose limit
; is 0xBFFFFFFF: the SDM says #GP(0); QEMU TCG lets it through.
probe_asm_seglimit:
    push ebx
    mov ax, USER_DATA_SELECTOR
    mov es, ax
    mov ebx, 0xC0000000
probe_seglimit_insn:
    mov eax, [es:ebx]
probe_seglimit_resume:
    mov ax, KERNEL_DATA_SELECTOR
    mov es, ax
    pop ebx
    ret
