; rings: the code that runs at CPL 1-3 and the far-transfer targets. Every store goes through SS (flat at every
; ring), so that DS may be anything. Targets record CS, SS, ESP and the first dwords of their stack in probe.

SEL_EXIT_GATE equ 0xd8

section .bss
global probe, probe_words, caller_esp, after_esp, after_sregs
probe: resd 3                       ; CS, SS, ESP as the target saw them
probe_words: resd 36                ; [esp + 4*i] at the target
caller_esp: resd 1                  ; ESP just before the far transfer
after_esp: resd 1                   ; ESP after it returned
after_sregs: resd 5                 ; DS ES FS GS SS after it returned
saved_esp: resd 1

section .text

; ---- targets ----
%macro RECORD 0
    mov [ss:probe + 0], cs
    mov [ss:probe + 4], ss
    mov [ss:probe + 8], esp
    push ecx
    push eax
    xor ecx, ecx
%%copy:
    mov eax, [ss:esp + 8 + ecx * 4]
    mov [ss:probe_words + ecx * 4], eax
    inc ecx
    cmp ecx, 36
    jb %%copy
    pop eax
    pop ecx
%endmacro

global t_retf0, t_retf12, t_retf124, t_retf16_4, t_plain_retf, t_near_ret, t_privcall
t_retf0:                            ; any far CALL, 0 parameters
    RECORD
    retf
t_retf12:                           ; 3 dword parameters
    RECORD
    retf 12
t_retf124:                          ; 31 dword parameters
    RECORD
    retf 124
t_retf16_4:                         ; a 16-bit gate with 2 word parameters: 16-bit frame
    RECORD
    o16 retf 4
t_plain_retf:                       ; no recording: the stack segment may not be flat
    retf
global t_conf_cr0
t_conf_cr0:                         ; conforming code keeps the caller's CPL: MOV from CR0 faults at CPL 3
    RECORD
    mov eax, cr0
    retf
t_near_ret:                         ; the target of a far JMP: back to the caller of x_jmp_far
    RECORD
    ret

; privcall's ring-2 callee: records, then leaves DS ES FS GS with segments RETF 12 must null or keep
global privcall_sregs
section .data
privcall_sregs: dw 0, 0, 0, 0       ; DS ES FS GS to load before RETF 12 (set by main.c)
section .text
t_privcall:
    RECORD
    mov ax, [ss:privcall_sregs + 0]
    mov ds, ax
    mov ax, [ss:privcall_sregs + 2]
    mov es, ax
    mov ax, [ss:privcall_sregs + 4]
    mov fs, ax
    mov ax, [ss:privcall_sregs + 6]
    mov gs, ax
    retf 12

%macro AFTER 0
    mov [ss:after_esp], esp
    mov [ss:after_sregs + 0], ds
    mov [ss:after_sregs + 4], es
    mov [ss:after_sregs + 8], fs
    mov [ss:after_sregs + 12], gs
    mov [ss:after_sregs + 16], ss
%endmacro

; ---- callers (fn(arg) for ring_run; arg points to a far pointer: dd offset, dw selector) ----
global x_call_far, x_call_far3, x_call_far31, x_call_far16, x_jmp_far, x_whoami
x_call_far:
    mov eax, [esp + 4]
    mov [ss:caller_esp], esp
    call far [ss:eax]
    AFTER
    ret
x_call_far3:                        ; three dword parameters 0x11111111 0x22222222 0x33333333
    mov eax, [esp + 4]
    push dword 0x11111111
    push dword 0x22222222
    push dword 0x33333333
    mov [ss:caller_esp], esp
    call far [ss:eax]
    AFTER
    ret
x_call_far31:                       ; 31 dword parameters 0x01 (pushed first) .. 0x1f (last)
    mov eax, [esp + 4]
    mov ecx, 1
.push:
    push ecx
    inc ecx
    cmp ecx, 31
    jbe .push
    mov [ss:caller_esp], esp
    call far [ss:eax]
    AFTER
    ret
x_call_far16:                       ; a 16-bit gate pushes IP and SP as words: call it from x16_body, which runs
    mov eax, [esp + 4]              ; in a ring-3 code segment based so that its offsets are below 64 KiB, on a
    mov [ss:saved_esp], esp         ; stack below 64 KiB, with two word parameters
    jmp far [ss:into16]
global x16_body, x16_body_end, into16
x16_body:
    mov esp, 0x9000
    push word 0x1111
    push word 0x2222
    mov [ss:caller_esp], esp
    call far [ss:eax]
    AFTER
    mov esp, [ss:saved_esp]
    jmp far [ss:back32]
x16_body_end:
x16_back:
    ret
section .data
into16: dd 0, 0                     ; x16_body's offset in its segment, selector (set by main.c)
back32: dd x16_back, 0xc3           ; flat ring-3 code
section .text
x_jmp_far:                          ; the target returns with a near RET
    mov eax, [esp + 4]
    mov [ss:caller_esp], esp
    jmp far [ss:eax]

x_whoami:                           ; records CS SS ESP where it runs
    RECORD
    ret

; RETF and IRET to an inner ring from CPL 3: both must fault, #GP(CS selector)
global x_retf_inner, x_iret_inner
x_retf_inner:
    push dword 0x08                 ; KERNEL_CS
    push dword .never
    retf
.never:
    ret
x_iret_inner:
    pushfd
    push dword 0x08
    push dword .never
    iretd
.never:
    add esp, 4
    ret

; ---- interrupts from CPL 3 ----
global x_int30, x_int31, x_int32, x_int33, x_int3, x_int3_cd, x_into, x_ud2, x_div0, x_wait_tick
x_int30:
    int 0x30
    ret
x_int31:
    int 0x31
    ret
x_int32:
    int 0x32
    ret
x_int33:
    int 0x33
    ret
x_int3:
    int3
    ret
x_int3_cd:
    int 3
    ret
x_into:
    push dword 0x802                ; OF=1 (IOPL 0, IF 0: POPF at CPL 3 changes only the status flags)
    popfd
    into
    ret
x_ud2:
    ud2
    ret
x_div0:
    xor edx, edx
    xor ecx, ecx
    mov eax, 1
    div ecx
    ret

; waits (bounded) for the PIT handler to count a tick, then records where it is
global tick_count, tick_before, tick_after
section .bss
tick_count: resd 1
tick_before: resd 3                 ; CS SS ESP before waiting
tick_after: resd 3                  ; and after the tick
section .text
x_wait_tick:                        ; runs with IOPL 2, so that the interrupt can only come inside the loop
    mov [ss:tick_before + 0], cs
    mov [ss:tick_before + 4], ss
    mov [ss:tick_before + 8], esp
    mov ecx, 200000000
    sti
.wait:
    cmp dword [ss:tick_count], 0
    jne .done
    dec ecx
    jnz .wait
.done:
    cli
    mov [ss:tick_after + 0], cs
    mov [ss:tick_after + 4], ss
    mov [ss:tick_after + 8], esp
    ret

; a read through FS after IRET nulled it
global x_read_fs
x_read_fs:
    mov eax, [fs:0x00800000]
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
