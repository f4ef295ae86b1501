; muldiv: MUL, IMUL (one, two and three operands) and DIV, IDIV, each as a function md_<name>(struct md_regs *)
; that loads EAX, EDX, ECX and the source (EBX, or memory at md_regs.src), runs the instruction and stores them back.
; md_<name>_insn labels the instruction itself, for the EIP that #DE reports (a fault: EIP of the DIV).

section .text

; struct md_regs { u32 eax, edx, src, ecx, flags_in, flags_out; }
%macro MD 2+
global md_%1, md_%1_insn
md_%1:
    push ebx
    push esi
    mov esi, [esp + 12]
    mov eax, [esi + 0]
    mov edx, [esi + 4]
    mov ebx, [esi + 8]
    mov ecx, [esi + 12]
    push dword [esi + 16]
    popfd
md_%1_insn:
    %2
    pushfd
    pop dword [esi + 20]
    mov [esi + 0], eax
    mov [esi + 4], edx
    mov [esi + 12], ecx
    pop esi
    pop ebx
    ret
%endmacro

MD mul8_r,    mul bl
MD mul16_r,   mul bx
MD mul32_r,   mul ebx
MD mul8_m,    mul byte [esi + 8]
MD mul32_m,   mul dword [esi + 8]
MD imul8_r,   imul bl
MD imul16_r,  imul bx
MD imul32_r,  imul ebx
MD imul16_m,  imul word [esi + 8]
MD imul32_m,  imul dword [esi + 8]
; two operands: ECX = ECX * src, truncated
MD imul16_rr, imul cx, bx
MD imul32_rr, imul ecx, ebx
MD imul32_rm, imul ecx, [esi + 8]
; three operands: ECX = src * imm
MD imul32_ri8,  imul ecx, ebx, byte -2
MD imul32_ri32, imul ecx, ebx, strict dword 0x40000001
MD imul32_mi8,  imul ecx, [esi + 8], byte 0x7f
MD imul16_ri8,  imul cx, bx, byte -128
MD imul16_ri16, imul cx, bx, strict word 0x1234
MD div8_r,    div bl
MD div16_r,   div bx
MD div32_r,   div ebx
MD div8_m,    div byte [esi + 8]
MD div32_m,   div dword [esi + 8]
MD idiv8_r,   idiv bl
MD idiv16_r,  idiv bx
MD idiv32_r,  idiv ebx
MD idiv32_m,  idiv dword [esi + 8]

section .note.GNU-stack noalloc noexec nowrite progbits
