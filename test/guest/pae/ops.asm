; pae: accesses through try_call or ring_run, each taking its address at [esp + 4]; the instruction under test
; is at <name>_insn. x_* with a struct regs are for the flag instructions.

section .text
%macro SNIPPET 1
global %1, %1_insn
%1:
%endmacro

SNIPPET p_read
    mov ecx, [esp + 4]
p_read_insn:
    mov eax, [ecx]
    ret
SNIPPET p_write
    mov ecx, [esp + 4]
p_write_insn:
    mov dword [ecx], 0x5a5a5a5a
    ret
SNIPPET p_call                      ; the target holds a RET
    mov ecx, [esp + 4]
p_call_insn:
    call ecx
    ret
SNIPPET p_read_ac                   ; the read with EFLAGS.AC=1 (POPF: allowed at any CPL), AC cleared after
    mov ecx, [esp + 4]
    pushfd
    or dword [esp], 1 << 18
    popfd
p_read_ac_insn:
    mov eax, [ecx]
    pushfd
    and dword [esp], ~(1 << 18)
    popfd
    ret
SNIPPET p_read_stac                 ; STAC, read, CLAC
    mov ecx, [esp + 4]
    stac
p_read_stac_insn:
    mov eax, [ecx]
    clac
    ret
SNIPPET p_read_clac                 ; STAC then CLAC, then the read
    mov ecx, [esp + 4]
    stac
    clac
p_read_clac_insn:
    mov eax, [ecx]
    ret
SNIPPET p_stac
p_stac_insn:
    stac
    clac
    ret
SNIPPET p_load_cr3                  ; argument: a CR3 value; the old one is loaded back at once
    mov ecx, [esp + 4]
    mov edx, cr3
p_load_cr3_insn:
    mov cr3, ecx
    mov cr3, edx
    ret
SNIPPET p_load_ds                   ; DS = argument (a descriptor read from the GDT), then back to SS's selector
    mov eax, [esp + 4]
p_load_ds_insn:
    mov ds, ax
    mov ax, ss
    mov ds, ax
    ret
SNIPPET p_ud2
p_ud2_insn:
    ud2
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
