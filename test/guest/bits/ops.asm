; bits: the instructions under test, each an INSN function (lib/insn.inc) run from main.c with a chosen register
; state. Memory operands are addressed through ESI (and EDI) so that C picks the buffer.

%include "insn.inc"

section .text

; bit tests: register offset in ECX (CX), immediate offsets, register and memory (ESI) bases
INSN x_bt_r32,   bt eax, ecx
INSN x_bts_r32,  bts eax, ecx
INSN x_btr_r32,  btr eax, ecx
INSN x_btc_r32,  btc eax, ecx
INSN x_bt_r16,   bt ax, cx
INSN x_btc_r16,  btc ax, cx
INSN x_bt_m32,   bt dword [esi], ecx
INSN x_bts_m32,  bts dword [esi], ecx
INSN x_btr_m32,  btr dword [esi], ecx
INSN x_btc_m32,  btc dword [esi], ecx
INSN x_bt_m16,   bt word [esi], cx
INSN x_bts_m16,  bts word [esi], cx
INSN x_bt_i32,   bt eax, 35
INSN x_bts_i32,  bts eax, 31
INSN x_btr_i16,  btr ax, 17
INSN x_btc_mi32, btc dword [esi], 35
INSN x_bt_mi16,  bt word [esi], 20
INSN x_lock_bts_m32, lock bts dword [esi], ecx

; scans: destination ECX (CX) starts with a marker; it is undefined when the source is zero
INSN x_bsf32,   bsf ecx, eax
INSN x_bsr32,   bsr ecx, eax
INSN x_bsf16,   bsf cx, ax
INSN x_bsr16,   bsr cx, ax
INSN x_bsf_m32, bsf ecx, [esi]
INSN x_bsr_m32, bsr ecx, [esi]

INSN x_bswap_eax, bswap eax
INSN x_bswap_edi, bswap edi

INSN x_lahf, lahf
INSN x_sahf, sahf

INSN x_cbw,  cbw
INSN x_cwde, cwde
INSN x_cwd,  cwd
INSN x_cdq,  cdq

INSN x_movzx_r32_r8,  movzx ecx, al
INSN x_movzx_r32_ah,  movzx ecx, ah
INSN x_movzx_r32_r16, movzx ecx, ax
INSN x_movzx_r16_r8,  movzx cx, al
INSN x_movzx_r32_m8,  movzx ecx, byte [esi]
INSN x_movzx_r32_m16, movzx ecx, word [esi]
INSN x_movsx_r32_r8,  movsx ecx, al
INSN x_movsx_r32_bh,  movsx ecx, bh
INSN x_movsx_r32_r16, movsx ecx, ax
INSN x_movsx_r16_r8,  movsx cx, al
INSN x_movsx_r32_m8,  movsx ecx, byte [esi]
INSN x_movsx_r32_m16, movsx ecx, word [esi]

INSN x_xchg_eax_ecx, xchg eax, ecx            ; 91
INSN x_xchg_ax_cx,   xchg ax, cx              ; 66 91
INSN x_xchg_ebx_edx, db 0x87, 0xd3            ; 87 /r: xchg ebx, edx
INSN x_xchg_al_ah,   xchg al, ah
INSN x_xchg_m32,     xchg [esi], ecx
INSN x_xchg_m8,      xchg [esi], dl
INSN x_nop90,        nop                      ; 90: xchg eax, eax

INSN x_xadd_r32, xadd eax, ecx
INSN x_xadd_r16, xadd ax, cx
INSN x_xadd_r8,  xadd al, cl
INSN x_xadd_m32, lock xadd [esi], ecx

INSN x_cmpxchg_r32, cmpxchg ecx, edx
INSN x_cmpxchg_r16, cmpxchg cx, dx
INSN x_cmpxchg_r8,  cmpxchg cl, dl
INSN x_cmpxchg_m32, lock cmpxchg [esi], edx
INSN x_cmpxchg8b,   lock cmpxchg8b [esi]

; SETcc AL and CMOVcc EAX, ECX for each condition code 0..15
%assign cc 0
%rep 16
INSN x_setcc_ %+ cc, db 0x0f, 0x90 + cc, 0xc0
INSN x_setcc_m_ %+ cc, db 0x0f, 0x90 + cc, 0x06          ; setcc byte [esi]
INSN x_cmovcc_ %+ cc, db 0x0f, 0x40 + cc, 0xc1           ; cmovcc eax, ecx
INSN x_cmovcc_m_ %+ cc, db 0x66, 0x0f, 0x40 + cc, 0x06   ; cmovcc ax, [esi]
%assign cc cc + 1
%endrep

section .rodata
align 4
global setcc_table, setcc_m_table, cmovcc_table, cmovcc_m_table
%macro TABLE 1
%assign cc 0
%rep 16
    dd %1 %+ cc
%assign cc cc + 1
%endrep
%endmacro
setcc_table:    TABLE x_setcc_
setcc_m_table:  TABLE x_setcc_m_
cmovcc_table:   TABLE x_cmovcc_
cmovcc_m_table: TABLE x_cmovcc_m_

; LEA in every addressing form: the registers hold fixed values (main.c), and each result is stored in lea_results.
section .bss
global lea_results
lea_results: resd 96

section .rodata
global lea_names
lea_names:
section .data
global lea_count, lea_esp
lea_count: dd 0
lea_esp: dd 0

%assign lea_n 0
%macro L 1+
    %1
    mov [lea_results + lea_n * 4], eax
    %defstr %%text %1
[section .rodata]
    dd %%name
[section .rodata.strings]
%%name: db %%text, 0
__SECT__
%assign lea_n lea_n + 1
%endmacro

section .text
global x_lea_all
; void x_lea_all(void): EBX ECX EDX ESI EDI EBP set inside, ESP relative results printed by main.c
x_lea_all:
    push ebp
    push ebx
    push esi
    push edi
    mov ecx, 0x00002000
    mov edx, 0x00031234
    mov ebx, 0x0040fff0
    mov ebp, 0x05008000
    mov esi, 0x60000010
    mov edi, 0x7000fffe
    mov [lea_esp], esp
    ; 32-bit addressing: mod 00
    L lea eax, [ecx]
    L lea eax, [edx]
    L lea eax, [ebx]
    L lea eax, [esi]
    L lea eax, [edi]
    L lea eax, [0x12345678]
    ; mod 01: disp8, sign-extended
    L lea eax, [ecx + 0x7f]
    L lea eax, [edx - 0x80]
    L lea eax, [ebp + 0]
    L lea eax, [ebp - 1]
    L lea eax, [esi + 1]
    ; mod 10: disp32
    L lea eax, [ebx + 0x12345678]
    L lea eax, [ebp + 0x80000000]
    L lea eax, [edi - 0x7000fffe]
    ; SIB: scale, index, base; no index (100); base 101 with mod 00 means disp32
    L lea eax, [ebx + ecx]
    L lea eax, [ebx + ecx * 2]
    L lea eax, [ebx + ecx * 4 + 0x10]
    L lea eax, [ebx + ecx * 8 - 0x1000]
    L lea eax, [ecx * 8 + 0x100]
    L lea eax, [edx * 2]
    L lea eax, [nosplit edx * 2]
    L lea eax, [esp]
    L lea eax, [esp + 8]
    L lea eax, [esp + ecx * 4 - 4]
    L lea eax, [ebp + esi * 4]
    L lea eax, [esi + edi]
    L lea eax, [edi + edi * 8]
    L lea eax, [dword ebx + 0xffffffff]
    L lea eax, [edi + esi * 2 + 0x40000000]
    L db 0x8d, 0x04, 0x25, 0x00, 0x00, 0x00, 0x01   ; lea eax, [0x01000000] via SIB, no base, no index
    ; operand size 16: the address truncated
    L lea ax, [ebx + edx + 0x1234]
    L lea ax, [esi + edi * 4]
    ; address size 16 (0x67): the 8 r/m forms, disp8 and disp16, wrapping at 64 KiB; zero-extended into EAX
    L lea eax, [bx + si]
    L lea eax, [bx + di]
    L lea eax, [bp + si]
    L lea eax, [bp + di]
    L lea eax, [si]
    L lea eax, [di]
    L lea eax, [word 0x8765]
    L lea eax, [bx]
    L lea eax, [bx + si + 0x7f]
    L lea eax, [bx + di - 0x80]
    L lea eax, [bp + 0x10]
    L lea eax, [di + 0x7fff]
    L lea eax, [bp + si + 0x8000]
    L lea eax, [word bx + 0xffff]
    L lea ax, [bx + di + 0x1234]
    mov dword [lea_count], lea_n
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
