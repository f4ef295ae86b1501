; shift: SHL SHR SAR ROL ROR RCL RCR by 1 (D0/D1), by CL (D2/D3) and by imm8 (C0/C1), and SHLD/SHRD, as case
; table rows (lib/cases.inc) that main.c walks. fn(a, count, flags_in, &flags_out) returns the destination.
; Intel SDM Vol. 2: "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD".

%include "cases.inc"

%define DOUBLE_SRC32 0x13579bdf      ; the second operand of SHLD/SHRD (EDX, DX)

section .data
align 4
global asm_mem
asm_mem: dd 0, 0

section .rodata.cases
align 4
global shift_cases
shift_cases:

section .text

%define R8  al
%define R16 ax
%define R32 eax
%define M8  byte [asm_mem]
%define M16 word [asm_mem]
%define M32 dword [asm_mem]
%define D16 dx
%define D32 edx

; BY_CL op, size, form, dest, result: op dest, cl
%macro BY_CL 5
f_%1_%2_%3:
    PROLOGUE
    mov [asm_mem], eax
    mov ecx, ebx
    %1 %4, cl
    EPILOGUE %5
    %defstr %%name %1
    %defstr %%form %3
    CASE %%name, %%form, %2, KIND_BIN, 0, 0, CF_FLAGS, 0, f_%1_%2_%3
%endmacro

; BY_ONE op, size: op reg, 1 (the D0/D1 encoding)
%macro BY_ONE 2
f_%1_%2_one:
    PROLOGUE
    %1 R%2, 1
    EPILOGUE eax
    %defstr %%name %1
    CASE %%name, '1', %2, KIND_UNARY, 1, 0, CF_FLAGS, 0, f_%1_%2_one
%endmacro

; BY_IMM op, size, count: op reg, imm8 (the C0/C1 encoding, also for a count of 1)
%macro BY_IMM 3
f_%1_%2_imm%3:
    PROLOGUE
    %1 R%2, strict byte %3
    EPILOGUE eax
    %defstr %%name %1
    CASE %%name, 'imm', %2, KIND_IMM, %3, 0, CF_FLAGS, 0, f_%1_%2_imm%3
%endmacro

; DOUBLE op, size, form, dest, result, count operand: shld/shrd dest, dx/edx, count
%macro DOUBLE 6
f_%1_%2_%3:
    PROLOGUE
    mov [asm_mem], eax
    mov ecx, ebx
    mov edx, DOUBLE_SRC32
    %1 %4, D%2, %6
    EPILOGUE %5
    %defstr %%name %1
    %defstr %%form %3
  %ifidn %6, cl
    CASE %%name, %%form, %2, KIND_BIN, 0, 0, CF_FLAGS, 0, f_%1_%2_%3
  %else
    CASE %%name, %%form, %2, KIND_IMM, %6, 0, CF_FLAGS, 0, f_%1_%2_%3
  %endif
%endmacro

%macro SIZES_BY_CL 1
    BY_CL %1, 8, cl, al, eax
    BY_CL %1, 16, cl, ax, eax
    BY_CL %1, 32, cl, eax, eax
%endmacro
%macro SIZES_BY_ONE 1
    BY_ONE %1, 8
    BY_ONE %1, 16
    BY_ONE %1, 32
%endmacro
%macro SIZES_BY_IMM 1
    BY_IMM %1, 8, 1
    BY_IMM %1, 8, 5
    BY_IMM %1, 8, 9
    BY_IMM %1, 16, 1
    BY_IMM %1, 16, 5
    BY_IMM %1, 16, 17
    BY_IMM %1, 32, 1
    BY_IMM %1, 32, 5
    BY_IMM %1, 32, 31
%endmacro
%macro ALL_FORMS 1
    SIZES_BY_CL %1
    SIZES_BY_ONE %1
    SIZES_BY_IMM %1
%endmacro

ALL_FORMS shl
ALL_FORMS shr
ALL_FORMS sar
ALL_FORMS rol
ALL_FORMS ror
ALL_FORMS rcl
ALL_FORMS rcr

; SAL is SHL (/4); /6 is an undocumented alias that we do not test
BY_CL shl, 32, m_cl, M32, [asm_mem]
BY_CL sar, 8, m_cl, M8, [asm_mem]
BY_CL rcr, 16, m_cl, M16, [asm_mem]
BY_CL rol, 32, m_cl, M32, [asm_mem]

DOUBLE shld, 16, cl, ax, eax, cl
DOUBLE shld, 32, cl, eax, eax, cl
DOUBLE shrd, 16, cl, ax, eax, cl
DOUBLE shrd, 32, cl, eax, eax, cl
DOUBLE shld, 32, m_cl, M32, [asm_mem], cl
DOUBLE shrd, 16, m_cl, M16, [asm_mem], cl
DOUBLE shld, 16, imm, ax, eax, 3
DOUBLE shld, 32, imm, eax, eax, 1
DOUBLE shrd, 16, imm, ax, eax, 1
DOUBLE shrd, 32, imm, eax, eax, 20

section .rodata.cases
global shift_cases_end
shift_cases_end:

section .note.GNU-stack noalloc noexec nowrite progbits
