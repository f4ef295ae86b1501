; string: MOVS STOS LODS CMPS SCAS in byte, word and dword sizes, with and without REP/REPE/REPNE, as INSN
; functions (lib/insn.inc); DF comes from the EFLAGS that main.c passes in. ES is flat unless a body loads it.

%include "insn.inc"

section .data
global string_es, string_fs
string_es: dw 0
string_fs: dw 0

section .text

INSN s_movsb, movsb
INSN s_movsw, movsw
INSN s_movsd, movsd
INSN s_rep_movsb, rep movsb
INSN s_rep_movsw, rep movsw
INSN s_rep_movsd, rep movsd
INSN s_stosb, stosb
INSN s_stosw, stosw
INSN s_stosd, stosd
INSN s_rep_stosb, rep stosb
INSN s_rep_stosw, rep stosw
INSN s_rep_stosd, rep stosd
INSN s_lodsb, lodsb
INSN s_lodsw, lodsw
INSN s_lodsd, lodsd
INSN s_rep_lodsd, rep lodsd
INSN s_cmpsb, cmpsb
INSN s_cmpsd, cmpsd
INSN s_repe_cmpsb, repe cmpsb
INSN s_repe_cmpsw, repe cmpsw
INSN s_repne_cmpsb, repne cmpsb
INSN s_repe_cmpsd, repe cmpsd
INSN s_scasb, scasb
INSN s_scasw, scasw
INSN s_repne_scasb, repne scasb
INSN s_repe_scasd, repe scasd
INSN s_repne_scasw, repne scasw

; 16-bit addressing (0x67): SI, DI and CX, wrapping at 64 KiB; the upper halves stay
INSN s_a16_rep_movsb, db 0xf3, 0x67, 0xa4
INSN s_a16_rep_stosw, db 0xf3, 0x67, 0x66, 0xab

; the destination is always ES:EDI; a segment override applies to the source only
%macro BODY_ES 0
    mov es, [string_es]
    rep movsb
    push ds
    pop es
%endmacro
INSN s_rep_movsb_es, BODY_ES

%macro BODY_FS 0
    mov fs, [string_fs]
    db 0xf3, 0x64, 0xa4             ; rep fs movsb
    push ds
    pop fs
%endmacro
INSN s_rep_movsb_fs, BODY_FS

%macro BODY_FS_LODS 0
    mov fs, [string_fs]
    db 0x64, 0xad                   ; fs lodsd
    push ds
    pop fs
%endmacro
INSN s_lodsd_fs, BODY_FS_LODS

section .note.GNU-stack noalloc noexec nowrite progbits
