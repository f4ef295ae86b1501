; The ring-2 entry stub of every privcall (LOTRx86, docs/lotrx86.md "The privcall ABI").
; These bytes are not run by the kernel: lotr_spawn copies them into a supervisor R+X page at
; PRIVUSER_STUB_VA of every PrivUser process, and the LDT's privcall gate (DPL 3, 4 parameters) targets
; them. So the code is position-independent (relative jumps and calls only) and names no kernel address:
; its only absolute addresses are those of the PrivUser window (include/kernel/lotr.h).
;
; The arguments travel in registers: EAX = id, ECX = a, EDX = b, EBX = c (user/lib/privuser_call.asm),
; and the gate copies no parameters, because a gate's copy reads the caller's stack, and under SMAP a
; CPU may treat that read as a supervisor access to a user page (QEMU does, and faults): docs/lotrx86.md.
; On entry (CPL 2, CS = PRIV_CS, SS:ESP = PRIV_DS:ESP2 from the TSS; DS/ES/FS/GS still the caller's):
;   [esp] EIP  [esp+4] CS  [esp+8] ESP  [esp+12] SS
; In order it: refuses a call that does not come from ring 3 (a nested privcall), saves the caller's
; registers and selectors, reloads DS/ES/FS/GS with PRIV_DS, clears AC (so SMAP keeps
; the secret function out of ring-3 pages), bounds-checks the id against the kernel's read-only table,
; checks every pointer argument lies wholly in ring-3 memory (never the window, never >= USER_TOP),
; copies inputs into a PrivUser bounce area (so ring 3 cannot change them after the check), calls the
; function with the copies, copies outputs back, zeroes the bounce area, scrubs ECX/EDX, restores the
; caller's registers and selectors, and returns with RETF (RETF n with n = 0: nothing was copied).
; Result in EAX: the function's, or -ENOSYS (bad id), -EFAULT (bad pointer), -E2BIG (more than
; PRIVCALL_COPY_MAX bytes to copy), -EBUSY (a privcall from ring 2).
bits 32

PRIVUSER_BASE     equ 0x01000000
PRIVUSER_TABLE_VA equ 0x01001000
PRIVUSER_AUDIT_VA equ 0x01008000          ; include/kernel/lotr.h
PRIVUSER_END      equ 0x08000000
USER_TOP          equ 0xC0000000
USER_DS           equ 0x23
PRIV_DS           equ 0x0E
COPY_MAX          equ 4096
EFLAGS_AC         equ 0x40000
KIND_IN           equ 1
KIND_OUT          equ 2
KIND_LEN_FROM_ARG equ 4
E2BIG             equ 7
EFAULT            equ 14
EBUSY             equ 16
ENOSYS            equ 38

; Frame offsets from EBP once the caller's EBP, EBX, ESI, EDI, DS, ES, FS, GS and then the arguments
; c, b, a, id are pushed:
F_ID     equ 0
F_ARGS   equ 4                   ; a, b, c
L_ARGS   equ -12                 ; what the function gets: the value or the PrivUser copy
L_USED   equ -16                 ; bytes of the bounce area in use
L_RESULT equ -20
L_BOUNCE equ -20 - COPY_MAX      ; the bounce area, COPY_MAX bytes

section .rodata
align 16
global lotr_stub_start, lotr_stub_end
lotr_stub_start:
    push eax
    mov eax, [esp + 8]                  ; the caller's CS: from ring 3 its RPL is 3
    and eax, 3
    cmp eax, 3
    pop eax
    jne .nested
    push ebp
    push ebx
    push esi
    push edi
    push ds
    push es
    push fs
    push gs
    push ebx                            ; c
    push edx                            ; b
    push ecx                            ; a
    push eax                            ; id
    mov eax, PRIV_DS
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    cld
    mov ebp, esp
    call .close_user                    ; AC = 0 whatever ring 3 left in EFLAGS
    sub esp, 20 + COPY_MAX
    mov dword [ebp + L_USED], 0
    mov eax, [ebp + F_ID]
    cmp eax, [PRIVUSER_TABLE_VA]        ; count: ids below it may be valid
    jae .bad_id
    shl eax, 4
    lea ebx, [PRIVUSER_TABLE_VA + 16 + eax] ; the slot: fn, kind[3], pad, len[3]
    cmp dword [ebx], 0
    je .bad_id
    mov eax, [ebp + F_ID]
    inc dword [PRIVUSER_AUDIT_VA + eax * 4] ; the audit count (lotr_audit_drain logs it)
    xor edx, edx
.in_loop:
    call .prepare_arg
    test eax, eax
    jnz .leave
    inc edx
    cmp edx, 3
    jb .in_loop
    push dword [ebp + L_ARGS + 8]
    push dword [ebp + L_ARGS + 4]
    push dword [ebp + L_ARGS]
    call [ebx]
    add esp, 12
    mov [ebp + L_RESULT], eax
    xor edx, edx
.out_loop:
    call .finish_arg
    inc edx
    cmp edx, 3
    jb .out_loop
    mov eax, [ebp + L_RESULT]
.leave:                                 ; EAX = the result; DS = ES = PRIV_DS
    mov ecx, [ebp + L_USED]
    lea edi, [ebp + L_BOUNCE]
    mov edx, eax
    xor eax, eax
    rep stosb                           ; nothing copied stays behind
    mov eax, edx
    xor ecx, ecx                        ; scrub what the function may have left in the scratch registers
    xor edx, edx
    lea esp, [ebp + 16]
    pop gs
    pop fs
    pop es
    pop ds
    pop edi
    pop esi
    pop ebx
    pop ebp
    retf
.nested:                                ; a privcall from ring 2: same-privilege call, nothing saved yet
    mov eax, -EBUSY
    retf
.bad_id:
    mov eax, -ENOSYS
    jmp .leave

; Argument EDX of slot EBX: a value is passed on; a pointer is checked, given a bounce buffer, and
; (PRIV_IN) copied in or (PRIV_OUT only) zero-filled. EAX = 0 or -errno. Clobbers ECX, ESI, EDI.
.prepare_arg:
    movzx ecx, byte [ebx + 4 + edx]
    mov eax, [ebp + F_ARGS + edx * 4]
    test ecx, KIND_IN | KIND_OUT
    jnz .pointer
    mov [ebp + L_ARGS + edx * 4], eax
    xor eax, eax
    ret
.pointer:
    movzx esi, word [ebx + 8 + edx * 2]
    test ecx, KIND_LEN_FROM_ARG
    jz .have_len
    mov esi, [ebp + F_ARGS + esi * 4]   ; the kernel checked at load that the index is 0-2
.have_len:
    cmp esi, COPY_MAX
    ja .too_big
    mov edi, eax                        ; [EAX, EAX + ESI) must lie in [0x1000, PRIVUSER_BASE)
    add edi, esi                        ; or in [PRIVUSER_END, USER_TOP)
    jc .bad_pointer
    cmp eax, 0x1000
    jb .bad_pointer
    cmp edi, PRIVUSER_BASE
    jbe .range_ok
    cmp eax, PRIVUSER_END
    jb .bad_pointer
    cmp edi, USER_TOP
    ja .bad_pointer
.range_ok:
    mov edi, [ebp + L_USED]
    lea ecx, [esi + 3]
    and ecx, ~3
    add ecx, edi
    cmp ecx, COPY_MAX
    ja .too_big
    mov [ebp + L_USED], ecx
    lea edi, [ebp + L_BOUNCE + edi]
    mov [ebp + L_ARGS + edx * 4], edi
    movzx ecx, byte [ebx + 4 + edx]
    test ecx, KIND_IN
    jz .zero_fill
    mov ecx, esi
    mov esi, eax
    mov eax, USER_DS                    ; source: ring-3 memory through the ring-3 data segment
    mov ds, ax
    call .open_user
.copy_in:                              ; a #PF here (unmapped ring-3 memory) resumes at .copy_in_fault
    rep movsb
    call .close_user
    mov eax, PRIV_DS
    mov ds, ax
    xor eax, eax
    ret
.copy_in_fault:
    call .close_user
    mov eax, PRIV_DS
    mov ds, ax
    mov eax, -EFAULT
    ret
.zero_fill:
    mov ecx, esi
    xor eax, eax
    rep stosb
    ret
.too_big:
    mov eax, -E2BIG
    ret
.bad_pointer:
    mov eax, -EFAULT
    ret

; Argument EDX of slot EBX: a PRIV_OUT/PRIV_INOUT buffer goes back to the caller's memory.
.finish_arg:
    movzx ecx, byte [ebx + 4 + edx]
    test ecx, KIND_OUT
    jz .finished
    movzx eax, word [ebx + 8 + edx * 2]
    test ecx, KIND_LEN_FROM_ARG
    jz .out_len
    mov eax, [ebp + F_ARGS + eax * 4]
.out_len:
    mov ecx, eax
    mov esi, [ebp + L_ARGS + edx * 4]
    mov edi, [ebp + F_ARGS + edx * 4]
    mov eax, USER_DS                    ; destination: ring-3 memory
    mov es, ax
    call .open_user
.copy_out:                             ; a #PF here resumes at .copy_out_fault: the result becomes -EFAULT
    rep movsb
    call .close_user
    mov eax, PRIV_DS
    mov es, ax
.finished:
    ret
.copy_out_fault:
    call .close_user
    mov eax, PRIV_DS
    mov es, ax
    mov dword [ebp + L_RESULT], -EFAULT
    ret

; EFLAGS.AC = 1 (SMAP lets supervisor code reach user pages) or 0. POPF may change AC at any CPL.
.open_user:
    pushfd
    or dword [esp], EFLAGS_AC
    popfd
    ret
.close_user:
    pushfd
    and dword [esp], ~EFLAGS_AC
    popfd
    ret
lotr_stub_end:

; The copies that may fault on unmapped ring-3 memory, and where lotr_trap resumes them (lotr.c).
global lotr_copy_in, lotr_copy_in_fault, lotr_copy_out, lotr_copy_out_fault
lotr_copy_in equ lotr_stub_start.copy_in
lotr_copy_in_fault equ lotr_stub_start.copy_in_fault
lotr_copy_out equ lotr_stub_start.copy_out
lotr_copy_out_fault equ lotr_stub_start.copy_out_fault
