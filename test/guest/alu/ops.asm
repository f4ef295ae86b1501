; alu: the instructions under test, one small function per (operation, size, encoding form), and the case table
; alu_cases[] that main.c walks. Written in assembly so that each encoding is exactly the one named in the table
; (checked with objdump when the golden was made). Intel SDM Vol. 2: ADD ADC SUB SBB AND OR XOR CMP TEST INC DEC NEG NOT.

%include "cases.inc"

%define ARITH 0x8d5                  ; OF SF ZF AF PF CF all defined
%define LOGIC 0x8c5                  ; AF undefined after AND OR XOR TEST

section .data
align 4
global asm_mem
asm_mem: dd 0, 0

section .rodata.cases
align 4
global alu_cases
alu_cases:

section .text

; register names by size
%define R8A  al
%define R8B  bl
%define R16A ax
%define R16B bx
%define R32A eax
%define R32B ebx
%define M8   byte [asm_mem]
%define M16  word [asm_mem]
%define M32  dword [asm_mem]

%macro DEFINED_FOR 1
%ifidn %1, and
  %define DEF LOGIC
%elifidn %1, or
  %define DEF LOGIC
%elifidn %1, xor
  %define DEF LOGIC
%elifidn %1, test
  %define DEF LOGIC
%else
  %define DEF ARITH
%endif
%ifidn %1, adc
  %define CFM CF_BOTH
%elifidn %1, sbb
  %define CFM CF_BOTH
%else
  %define CFM CF_NONE
%endif
%endmacro

; BIN op, size: register-register form, op rA, rB
%macro BIN_RR 2
f_%1_%2_rr:
    PROLOGUE
    %1 R%2A, R%2B
    EPILOGUE eax
    DEFINED_FOR %1
    %defstr %%name %1
    CASE %%name, 'rr', %2, KIND_BIN, 0, DEF, CFM, 0, f_%1_%2_rr
%endmacro

; high-byte registers: op ah, bh (operands shifted left by 8)
%macro BIN_HI 1
f_%1_8_hi:
    PROLOGUE
    %1 ah, bh
    EPILOGUE eax
    DEFINED_FOR %1
    %defstr %%name %1
    CASE %%name, 'ah,bh', 8, KIND_BIN, 0, DEF, CFM, 8, f_%1_8_hi
%endmacro

; memory destination: op [mem], rB
%macro BIN_MR 2
f_%1_%2_mr:
    PROLOGUE
    mov [asm_mem], eax
    %1 M%2, R%2B
    EPILOGUE [asm_mem]
    DEFINED_FOR %1
    %defstr %%name %1
    CASE %%name, 'm,r', %2, KIND_BIN, 0, DEF, CFM, 0, f_%1_%2_mr
%endmacro

; memory source: op rA, [mem]
%macro BIN_RM 2
f_%1_%2_rm:
    PROLOGUE
    mov [asm_mem], ebx
    %1 R%2A, M%2
    EPILOGUE eax
    DEFINED_FOR %1
    %defstr %%name %1
    CASE %%name, 'r,m', %2, KIND_BIN, 0, DEF, CFM, 0, f_%1_%2_rm
%endmacro

; LOCK op dword [mem], ebx
%macro BIN_LOCK 1
f_%1_32_lock:
    PROLOGUE
    mov [asm_mem], eax
    lock %1 dword [asm_mem], ebx
    EPILOGUE [asm_mem]
    DEFINED_FOR %1
    %defstr %%name %1
    CASE %%name, 'lock m,r', 32, KIND_BIN, 0, DEF, CFM, 0, f_%1_32_lock
%endmacro

; IMM op, size, form-name, result, value, instruction...: immediate forms
%macro IMM 6+
f_%1_%2_%3:
    PROLOGUE
    mov [asm_mem], eax
    %6
    EPILOGUE %4
    DEFINED_FOR %1
    %defstr %%name %1
    %defstr %%form %3
    CASE %%name, %%form, %2, KIND_IMM, %5, DEF, CFM, 0, f_%1_%2_%3
%endmacro

; group-1 /digit of each operation, for the 0x82 alias encoding
%define EXT_add 0
%define EXT_or  1
%define EXT_adc 2
%define EXT_sbb 3
%define EXT_and 4
%define EXT_sub 5
%define EXT_xor 6
%define EXT_cmp 7

%macro IMM_FORMS 1
    IMM %1, 8,  al_i8,    eax,         0x80,       %1 al, 0x80
    IMM %1, 8,  cl_i8,    ecx,         0x01,       %1 cl, 0x01
    IMM %1, 8,  m8_i8,    [asm_mem],   0xff,       %1 byte [asm_mem], 0xff
    IMM %1, 8,  al_i8_82, eax,         0x7f,       db 0x82, 0xc0 | (EXT_%1 << 3), 0x7f
    IMM %1, 16, ax_i16,   eax,         0x8000,     %1 ax, word 0x8000
    IMM %1, 16, cx_i8s,   ecx,         0xffff,     %1 cx, byte -1
    IMM %1, 16, cx_i16,   ecx,         0x1234,     %1 cx, strict word 0x1234
    IMM %1, 16, m16_i16,  [asm_mem],   0x7fff,     %1 word [asm_mem], strict word 0x7fff
    IMM %1, 32, eax_i32,  eax,         0x80000000, %1 eax, dword 0x80000000
    IMM %1, 32, ecx_i8s,  ecx,         0xffffff80, %1 ecx, byte -128
    IMM %1, 32, ecx_i32,  ecx,         0x7fffffff, %1 ecx, strict dword 0x7fffffff
    IMM %1, 32, m32_i8s,  [asm_mem],   0x00000001, %1 dword [asm_mem], byte 1
%endmacro

%macro BIN_ALL 1
    BIN_RR %1, 8
    BIN_RR %1, 16
    BIN_RR %1, 32
%endmacro

%macro BIN_FORMS 1
    BIN_HI %1
    BIN_MR %1, 8
    BIN_MR %1, 16
    BIN_MR %1, 32
    BIN_RM %1, 8
    BIN_RM %1, 16
    BIN_RM %1, 32
%endmacro

; the full value matrix in the register form
BIN_ALL add
BIN_ALL adc
BIN_ALL sub
BIN_ALL sbb
BIN_ALL and
BIN_ALL or
BIN_ALL xor
BIN_ALL cmp
BIN_ALL test

; other operand encodings, on fewer value pairs
BIN_FORMS add
BIN_FORMS sbb
BIN_FORMS and
BIN_FORMS cmp
BIN_FORMS test
BIN_LOCK add
BIN_LOCK sbb
BIN_LOCK xor

IMM_FORMS add
IMM_FORMS or
IMM_FORMS adc
IMM_FORMS sbb
IMM_FORMS and
IMM_FORMS sub
IMM_FORMS xor
IMM_FORMS cmp

; TEST has no sign-extended immediate: A8/A9 (accumulator), F6/F7 /0 (r/m)
IMM test, 8,  al_i8,   eax,       0x81,       test al, 0x81
IMM test, 8,  cl_i8,   ecx,       0x80,       test cl, 0x80
IMM test, 16, ax_i16,  eax,       0x8001,     test ax, 0x8001
IMM test, 32, eax_i32, eax,       0x80000001, test eax, 0x80000001
IMM test, 32, ecx_i32, ecx,       0xffffffff, test ecx, 0xffffffff
IMM test, 32, m32_i32, [asm_mem], 0x00008000, test dword [asm_mem], 0x8000

; UN op, size, form, result, defined, instruction...: one-operand forms, run with all flags clear and all set
%macro UN 6+
f_%1_%2_%3:
    PROLOGUE
    mov [asm_mem], eax
    %6
    EPILOGUE %4
    %defstr %%name %1
    %defstr %%form %3
    CASE %%name, %%form, %2, KIND_UNARY, 0, %5, CF_FLAGS, 0, f_%1_%2_%3
%endmacro
%macro UN_HI 3+
f_%1_8_hi:
    PROLOGUE
    %3
    EPILOGUE eax
    %defstr %%name %1
    CASE %%name, 'ah', 8, KIND_UNARY, 0, %2, CF_FLAGS, 8, f_%1_8_hi
%endmacro

; INC and DEC leave CF as it was; NOT changes no flag: all six are checked against the input
UN inc, 8,  r,     eax,       ARITH, inc al
UN inc, 16, r,     eax,       ARITH, db 0x66, 0xff, 0xc0
UN inc, 32, r,     eax,       ARITH, db 0xff, 0xc0
UN inc, 16, short, eax,       ARITH, db 0x66, 0x40
UN inc, 32, short, eax,       ARITH, db 0x40
UN inc, 8,  m,     [asm_mem], ARITH, inc byte [asm_mem]
UN inc, 16, m,     [asm_mem], ARITH, inc word [asm_mem]
UN inc, 32, m,     [asm_mem], ARITH, inc dword [asm_mem]
UN dec, 8,  r,     eax,       ARITH, dec al
UN dec, 16, r,     eax,       ARITH, db 0x66, 0xff, 0xc8
UN dec, 32, r,     eax,       ARITH, db 0xff, 0xc8
UN dec, 16, short, eax,       ARITH, db 0x66, 0x48
UN dec, 32, short, eax,       ARITH, db 0x48
UN dec, 8,  m,     [asm_mem], ARITH, dec byte [asm_mem]
UN dec, 16, m,     [asm_mem], ARITH, dec word [asm_mem]
UN dec, 32, m,     [asm_mem], ARITH, dec dword [asm_mem]
UN neg, 8,  r,     eax,       ARITH, neg al
UN neg, 16, r,     eax,       ARITH, neg ax
UN neg, 32, r,     eax,       ARITH, neg eax
UN neg, 8,  m,     [asm_mem], ARITH, neg byte [asm_mem]
UN neg, 32, m,     [asm_mem], ARITH, neg dword [asm_mem]
UN not, 8,  r,     eax,       ARITH, not al
UN not, 16, r,     eax,       ARITH, not ax
UN not, 32, r,     eax,       ARITH, not eax
UN not, 16, m,     [asm_mem], ARITH, not word [asm_mem]
UN_HI inc, ARITH, inc ah
UN_HI dec, ARITH, dec ah
UN_HI neg, ARITH, neg ah
UN_HI not, ARITH, not ah

section .rodata.cases
global alu_cases_end
alu_cases_end:

section .note.GNU-stack noalloc noexec nowrite progbits
