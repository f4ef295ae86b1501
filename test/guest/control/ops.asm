; control: Jcc (short and near, forward and backward), LOOP/LOOPE/LOOPNE/JECXZ, CALL/RET (near, far, indirect,
; RET imm16, 16-bit operand size), ENTER/LEAVE, PUSHA/POPA, PUSHF/POPF and 16-bit pushes and pops.
; Stack tests run on a stack at a fixed address (TEST_STACK_TOP) so that main.c can print ESP and EBP values;
; each stores what it observed in ctl_out[].

%include "insn.inc"

KERNEL_CS equ 0x08
TEST_STACK_TOP equ 0x00851000      ; SCRATCH_BASE + 0x51000, see main.c
BLOB_BASE equ 0x7000               ; where main.c copies the 16-bit call blob (below 64 KiB)

section .bss
global ctl_out
ctl_out: resd 64
saved_esp: resd 1

section .text

; ---- conditional jumps: EAX = 1 when taken ----
%macro JSHORT_FWD 1
    mov eax, 1
    db 0x70 + %1, %%taken - %%next
%%next:
    mov eax, 0
%%taken:
%endmacro
%macro JSHORT_BACK 1
    mov eax, 0
    jmp short %%test
%%back:
    mov eax, 1
    jmp short %%done
%%test:
    db 0x70 + %1, %%back - %%after
%%after:
%%done:
%endmacro
%macro JNEAR_FWD 1
    mov eax, 1
    db 0x0f, 0x80 + %1
    dd %%taken - %%next
%%next:
    mov eax, 0
    times 200 nop                   ; so that only a rel32 reaches
%%taken:
%endmacro
%macro JNEAR_BACK 1
    mov eax, 0
    jmp near %%test
%%back:
    mov eax, 1
    jmp near %%done
    times 200 nop
%%test:
    db 0x0f, 0x80 + %1
    dd %%back - %%after
%%after:
%%done:
%endmacro

%assign cc 0
%rep 16
INSN jcc_sf_ %+ cc, JSHORT_FWD cc
INSN jcc_sb_ %+ cc, JSHORT_BACK cc
INSN jcc_nf_ %+ cc, JNEAR_FWD cc
INSN jcc_nb_ %+ cc, JNEAR_BACK cc
%assign cc cc + 1
%endrep

section .rodata
align 4
global jcc_table
jcc_table:                          ; [cc][form]: short forward, short backward, near forward, near backward
%assign cc 0
%rep 16
    dd jcc_sf_ %+ cc, jcc_sb_ %+ cc, jcc_nf_ %+ cc, jcc_nb_ %+ cc
%assign cc cc + 1
%endrep

section .text

; ---- loops: EDX counts the iterations ----
; (LEA and MOV leave the flags alone: LOOP must not change them either)
%macro LOOP_BODY 0
    mov edx, 0
%%top:
    lea edx, [edx + 1]
    loop %%top
%endmacro
INSN x_loop, LOOP_BODY

%macro A16_LOOP_BODY 0
    mov edx, 0
%%top:
    add edx, 1
    db 0x67, 0xe2, %%top - %%after   ; loop using CX
%%after:
%endmacro
INSN x_a16_loop, A16_LOOP_BODY

; LOOPE/LOOPNE over the bytes at ESI compared with AL: EDX counts iterations
%macro LOOPE_BODY 0
    mov edx, 0
%%top:
    add edx, 1
    cmp al, [esi + edx - 1]
    loope %%top
%endmacro
INSN x_loope, LOOPE_BODY
%macro LOOPNE_BODY 0
    mov edx, 0
%%top:
    add edx, 1
    cmp al, [esi + edx - 1]
    loopne %%top
%endmacro
INSN x_loopne, LOOPNE_BODY

%macro JECXZ_BODY 0
    mov eax, 1
    jecxz %%taken
    mov eax, 0
%%taken:
%endmacro
INSN x_jecxz, JECXZ_BODY
%macro JCXZ_BODY 0
    mov eax, 1
    db 0x67, 0xe3, %%taken - %%next   ; jcxz
%%next:
    mov eax, 0
%%taken:
%endmacro
INSN x_jcxz, JCXZ_BODY

; ---- stack tests ----
%macro STACK_BEGIN 0
    push ebp
    push ebx
    push esi
    push edi
    mov [saved_esp], esp
    mov esp, TEST_STACK_TOP
%endmacro
%macro STACK_END 0
    mov esp, [saved_esp]
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret
%endmacro

; near CALL/RET, RET imm16, indirect CALL/JMP through a register, memory and a jump table
global t_near_calls
t_near_calls:
    STACK_BEGIN
    call .pushed_eip
.after_call:
    push 0x11
    push 0x22
    push 0x33
    call .ret_imm
    mov [ctl_out + 8], esp          ; back to TEST_STACK_TOP: RET 12 released the three arguments
    mov eax, .target_reg
    call eax
    call [target_ptr]
    mov ecx, 2
    jmp [jump_table + ecx * 4]
.jt0:
    mov dword [ctl_out + 24], 100
    jmp .after_table
.jt1:
    mov dword [ctl_out + 24], 101
    jmp .after_table
.jt2:
    mov dword [ctl_out + 24], 102
.after_table:
    mov eax, .jmp_reg_target
    jmp eax
    mov dword [ctl_out + 28], 0xbad
.jmp_reg_target:
    mov dword [ctl_out + 28], 1
    jmp [jmp_ptr]
    mov dword [ctl_out + 32], 0xbad
.jmp_mem_target:
    mov dword [ctl_out + 32], 1
    mov [ctl_out + 36], esp
    STACK_END
.pushed_eip:
    mov eax, [esp]
    sub eax, .after_call
    mov [ctl_out + 0], eax          ; 0: CALL pushed the address of the next instruction
    mov [ctl_out + 4], esp
    ret
.ret_imm:
    mov eax, [esp + 4]
    mov [ctl_out + 12], eax         ; the last argument pushed
    ret 12
.target_reg:
    mov dword [ctl_out + 16], 1
    ret
.target_mem:
    mov dword [ctl_out + 20], 1
    ret

section .data
align 4
target_ptr: dd t_near_calls.target_mem
jump_table: dd t_near_calls.jt0, t_near_calls.jt1, t_near_calls.jt2
jmp_ptr: dd t_near_calls.jmp_mem_target
far_ptr: dd t_far_calls.far_target_mem
         dw KERNEL_CS
far_jmp_ptr: dd t_far_calls.after_far_jmp_mem
         dw KERNEL_CS
section .text

; far CALL/RET/JMP to the same privilege level: direct (9A, EA), through memory (FF /3, FF /5), RETF imm16
global t_far_calls
t_far_calls:
    STACK_BEGIN
    call KERNEL_CS:.far_target
.after_far_call:
    call far [far_ptr]
.after_far_mem:
    push 0x44
    push 0x55
    call KERNEL_CS:.far_target_imm
    mov [ctl_out + 24], esp         ; TEST_STACK_TOP again
    jmp KERNEL_CS:.after_far_jmp
    mov dword [ctl_out + 28], 0xbad
.after_far_jmp:
    mov dword [ctl_out + 28], 1
    jmp far [far_jmp_ptr]
    mov dword [ctl_out + 32], 0xbad
.after_far_jmp_mem:
    mov dword [ctl_out + 32], 1
    STACK_END
.far_target:
    mov eax, [esp]
    sub eax, .after_far_call
    mov [ctl_out + 0], eax          ; 0
    movzx eax, word [esp + 4]
    mov [ctl_out + 4], eax          ; the CS pushed (low 16 bits of its slot)
    mov [ctl_out + 8], esp
    retf
.far_target_mem:
    mov eax, [esp]
    sub eax, .after_far_mem
    mov [ctl_out + 12], eax
    movzx eax, word [esp + 4]
    mov [ctl_out + 16], eax
    retf
.far_target_imm:
    mov eax, [esp + 8]
    mov [ctl_out + 20], eax         ; the last argument (0x55)
    retf 8

; 16-bit operand size CALL and RET, run from a copy below 64 KiB (BLOB_BASE): CALL rel16 pushes IP (2 bytes),
; RET (66 C3) pops 2 bytes into IP and clears the upper half of EIP.
section .rodata
global blob16_start, blob16_end
blob16_start:
    mov [ctl_out + 0], esp
    db 0x66, 0xe8                   ; call rel16
    dw .sub16 - .after_call16
.after_call16:
    mov [ctl_out + 12], esp
    call .here                      ; EIP now: the return address shows where we run
.here:
    pop eax
    mov [ctl_out + 16], eax
    ret
.sub16:
    mov [ctl_out + 4], esp
    movzx eax, word [esp]
    mov [ctl_out + 8], eax          ; IP pushed: BLOB_BASE + offset of .after_call16
    db 0x66, 0xc3                   ; ret (16-bit)
blob16_end:
global blob16_after_call, blob16_here
blob16_after_call: dd blob16_start.after_call16 - blob16_start
blob16_here: dd blob16_start.here - blob16_start

section .text
global t_blob16
t_blob16:
    STACK_BEGIN
    mov eax, BLOB_BASE
    call eax
    STACK_END

; ENTER size, level with EBP pointing at an old frame that main.c prepared; ESP and EBP after ENTER
; (ctl_out 0, 1) and after LEAVE (2, 3)
%macro ENTER_TEST 2
global t_enter_%1_%2
t_enter_%1_%2:
    STACK_BEGIN
    mov ebp, TEST_STACK_TOP - 0x80
    sub esp, 0x10
    enter %1, %2
    mov [ctl_out + 0], esp
    mov [ctl_out + 4], ebp
    leave
    mov [ctl_out + 8], esp
    mov [ctl_out + 12], ebp
    STACK_END
%endmacro
ENTER_TEST 16, 0
ENTER_TEST 8, 1
ENTER_TEST 12, 3
ENTER_TEST 4, 33

global t_enter16
t_enter16:                          ; ENTER with operand size 16: pushes BP (2 bytes), SP = BP - size
    STACK_BEGIN
    mov ebp, TEST_STACK_TOP - 0x80   ; EBP and ESP share their upper halves: no 16-bit wrap question
    db 0x66, 0xc8, 0x06, 0x00, 0x00 ; enter 6, 0
    mov [ctl_out + 0], esp
    mov [ctl_out + 4], ebp
    db 0x66, 0xc9                   ; leave (16-bit)
    mov [ctl_out + 8], esp
    mov [ctl_out + 12], ebp
    STACK_END

; PUSHA/POPA (32 and 16 bits): registers 0xa0000000+n before PUSHA, cleared, then POPA
%macro SET_REGS 0
    mov eax, 0xa0000000
    mov ecx, 0xa0000001
    mov edx, 0xa0000002
    mov ebx, 0xa0000003
    mov ebp, 0xa0000005
    mov esi, 0xa0000006
    mov edi, 0xa0000007
%endmacro
%macro SAVE_REGS 0
    mov [ctl_out + 0], eax
    mov [ctl_out + 4], ecx
    mov [ctl_out + 8], edx
    mov [ctl_out + 12], ebx
    mov [ctl_out + 16], esp
    mov [ctl_out + 20], ebp
    mov [ctl_out + 24], esi
    mov [ctl_out + 28], edi
%endmacro
%macro CLEAR_REGS 0
    xor eax, eax
    xor ecx, ecx
    xor edx, edx
    xor ebx, ebx
    mov ebp, 0x5555
    xor esi, esi
    xor edi, edi
%endmacro

global t_pusha
t_pusha:
    STACK_BEGIN
    SET_REGS
    pushad
    CLEAR_REGS
    add dword [esp + 12], 0x100     ; the ESP slot: POPA skips it
    popad
    SAVE_REGS
    STACK_END

global t_pusha16
t_pusha16:
    STACK_BEGIN
    SET_REGS
    pushaw
    mov [ctl_out + 32], esp
    CLEAR_REGS
    popaw
    SAVE_REGS
    STACK_END

; pushes and pops of each operand size; ctl_out[2n] = ESP after step n, ctl_out[2n+1] = the value it pushed
%macro STEP 1
    mov [ctl_out + %1 * 8], esp
    mov eax, [esp]
    mov [ctl_out + %1 * 8 + 4], eax
%endmacro

global t_push_pop
t_push_pop:
    STACK_BEGIN
    push byte -1                    ; 6A FF: sign-extended to 32 bits
    STEP 0
    push word 0x1234                ; 66 68
    STEP 1
    push word -2                    ; 66 6A FE
    STEP 2
    mov ax, 0xbeef
    push ax                         ; 66 50
    STEP 3
    pop cx                          ; 66 59
    STEP 4
    mov [ctl_out + 80], ecx
    add esp, 8
    push esp                        ; the value of ESP before the push
    STEP 5
    mov dword [esp], TEST_STACK_TOP - 0x20
    pop esp                         ; ESP = popped value
    STEP 6
    mov esp, TEST_STACK_TOP - 8
    mov dword [esp], 0xaaaa0001
    mov dword [esp + 4], 0xbbbb0002
    pop dword [esp]                 ; the address is computed after ESP is incremented
    STEP 7
    push dword [esp]                ; the address is computed before ESP is decremented
    STEP 8
    mov esp, TEST_STACK_TOP - 0x40
    push ds                         ; 32-bit push of a segment register (only the low 16 bits are defined)
    mov [ctl_out + 72], esp
    movzx eax, word [esp]
    mov [ctl_out + 76], eax
    add esp, 4
    db 0x66
    push ds                         ; 66 1E: 2 bytes
    mov [ctl_out + 84], esp
    movzx eax, word [esp]
    mov [ctl_out + 88], eax
    db 0x66
    pop es                          ; 66 07
    mov [ctl_out + 92], esp
    pushfw                          ; 66 9C
    mov [ctl_out + 96], esp
    popfw
    mov [ctl_out + 100], esp
    push fs
    pop gs
    mov [ctl_out + 104], esp
    mov ax, gs
    movzx eax, ax
    mov [ctl_out + 108], eax
    STACK_END

; POPF at CPL 0: which bits a 32- and 16-bit POPF can change (TF left clear: it would trap)
global t_popf
t_popf:
    pushfd
    push dword 0xfffffeff
    popfd
    pushfd
    pop dword [ctl_out + 0]
    push dword 0
    popfd
    pushfd
    pop dword [ctl_out + 4]
    push dword 0x00000002
    popfd
    push word 0xfeff
    popfw                           ; 16 bits: the upper half stays
    pushfd
    pop dword [ctl_out + 8]
    popfd
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
