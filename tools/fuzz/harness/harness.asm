; Fuzz harness guest, the case runner: for each record of the case module (layout.inc) it loads the scratch
; area, the code (followed by INT 30h), the registers and the arithmetic flags, runs the code at CPL 3, and prints
;   case <n> [<reg>=<value> ...] fl=<eflags> mem=<off>:<bytes>,...|-
; listing only registers that changed and the runs of scratch bytes that changed; or, when the code faults,
;   case <n> fault vec=<vector> err=<error code> eip=<eip> [<reg>=<value> ...] fl=<eflags> mem=...
; with the state at the fault. Numbers are hexadecimal. Exceptions and INT 30h switch to the harness stack, so
; the test stack sees no frames. The header can ask for several runs of each case, each from the initial state
; (so that an emulator's block compiler gets to see the code); the line shows the last run. The last line is
; "done"; the exit code is 0, or 2 for a bad module, 3 for an exception outside a case.

%include "layout.inc"

scratch         equ SCRATCH_ADDRESS
codebuf         equ CODE_ADDRESS

section .bss nobits alloc noexec write align=4
case_count:     resd 1
runs_per_case:  resd 1
runs_left:      resd 1
case_index:     resd 1
record_ptr:     resd 1
saved_esp:      resd 1
in_case:        resd 1
regs_out:       resd 8
flags_out:      resd 1
fault_vec:      resd 1
fault_err:      resd 1
fault_eip:      resd 1

section .rodata
msg_banner:     db "fuzz harness: ", 0
msg_cases:      db " cases", 10, 0
msg_done:       db "done", 10, 0
msg_case:       db "case ", 0
msg_flags:      db " fl=", 0
msg_mem:        db " mem=", 0
msg_fault:      db " fault vec=", 0
msg_err:        db " err=", 0
msg_eip:        db " eip=", 0
msg_bad_record: db " bad record", 10, 0
msg_no_module:  db "fuzz harness: no case module", 10, 0
msg_bad_module: db "fuzz harness: the module is not a case module of this layout", 10, 0
msg_harness:    db "fuzz harness: exception outside a case, vec=", 0
reg_names:      db " eax=", 0, " ecx=", 0, " edx=", 0, " ebx=", 0, " esp=", 0, " ebp=", 0, " esi=", 0, " edi=", 0

section .text
global harness_main, trap_entry
extern serial_init, put_char, put_string, put_hex, exit_with, tss

; harness_main(magic, mbi): returns the exit code
harness_main:
    call serial_init
    cmp dword [esp + 4], 0x2BADB002
    jne .no_module
    mov ebx, [esp + 8]
    test dword [ebx], 1 << 3            ; mods_count and mods_addr valid
    jz .no_module
    cmp dword [ebx + 20], 1
    jb .no_module
    mov eax, [ebx + 24]
    mov esi, [eax]                      ; mod_start
    mov edx, [eax + 4]                  ; mod_end
    cmp dword [esi], MODULE_MAGIC
    jne .bad_module
    cmp dword [esi + HDR_SCRATCH], SCRATCH_ADDRESS
    jne .bad_module
    cmp dword [esi + HDR_CODE], CODE_ADDRESS
    jne .bad_module
    mov eax, [esi + HDR_RUNS]
    cmp eax, 1
    adc eax, 0                          ; 0 means 1
    mov [runs_per_case], eax
    mov ecx, [esi + HDR_CASE_COUNT]
    mov [case_count], ecx
    imul eax, ecx, RECORD_SIZE
    jo .bad_module
    add eax, HEADER_SIZE
    add eax, esi
    jc .bad_module
    cmp eax, edx
    ja .bad_module

    push esi
    mov esi, msg_banner
    call put_string
    mov eax, ecx
    mov ecx, 4
    call put_hex
    mov esi, msg_cases
    call put_string
    pop esi

    lea ebx, [esi + HEADER_SIZE]
    xor edi, edi
.next_case:
    cmp edi, [case_count]
    jae .done
    mov [case_index], edi
    mov [record_ptr], ebx
    call run_case
    add ebx, RECORD_SIZE
    inc edi
    jmp .next_case
.done:
    mov esi, msg_done
    call put_string
    xor eax, eax
    ret
.no_module:
    mov esi, msg_no_module
    call put_string
    mov eax, 2
    ret
.bad_module:
    mov esi, msg_bad_module
    call put_string
    mov eax, 2
    ret

; Runs the case at [record_ptr] and prints its line. Keeps every register.
run_case:
    pushad
    cld
    mov esi, [record_ptr]
    mov ecx, [esi + REC_CODE_LENGTH]
    cmp ecx, CODE_MAX
    ja bad_record
    lea esi, [esi + REC_CODE]
    mov edi, codebuf
    rep movsb
    mov word [edi], 0x30CD              ; int 30h: back to trap_entry
    mov eax, [runs_per_case]
    mov [runs_left], eax

run_again:
    mov esi, [record_ptr]
    push esi
    lea esi, [esi + REC_MEMORY]
    mov edi, scratch
    mov ecx, SCRATCH_SIZE
    rep movsb
    pop esi
    mov [saved_esp], esp
    mov [tss + 4], esp                  ; ESP0: the frame of the return or of a fault lands below
    mov dword [in_case], 1
    push dword USER_DS                  ; IRET frame to ring 3, with the case's ESP and EFLAGS
    push dword [esi + REC_REGS + 16]
    mov eax, [esi + REC_FLAGS]
    and eax, COMPARED_FLAGS
    or eax, 2
    push eax
    push dword USER_CS
    push dword CODE_ADDRESS
    mov ax, USER_DS
    mov ds, ax
    mov es, ax
    mov eax, [esi + REC_REGS + 0]
    mov ecx, [esi + REC_REGS + 4]
    mov edx, [esi + REC_REGS + 8]
    mov ebx, [esi + REC_REGS + 12]
    mov ebp, [esi + REC_REGS + 20]
    mov edi, [esi + REC_REGS + 28]
    mov esi, [esi + REC_REGS + 24]
    iretd

bad_record:
    call print_case_number
    mov esi, msg_bad_record
    call put_string
    popad
    ret

; From faults.asm, for INT 30h and for exceptions. A case runs at CPL 3, so the CPU has switched to the
; harness stack: [esp] vector, [esp + 4] error code, [esp + 8] EIP, CS, EFLAGS, ESP, SS of ring 3.
trap_entry:
    cmp dword [ss:in_case], 1
    jne .outside
    test dword [esp + 12], 3
    jz .outside                         ; raised at CPL 0: by the harness itself
    mov [ss:regs_out + 0], eax
    mov [ss:regs_out + 4], ecx
    mov [ss:regs_out + 8], edx
    mov [ss:regs_out + 12], ebx
    mov [ss:regs_out + 20], ebp
    mov [ss:regs_out + 24], esi
    mov [ss:regs_out + 28], edi
    mov ax, KERNEL_DS
    mov ds, ax
    mov es, ax
    mov eax, [esp + 20]
    mov [regs_out + 16], eax
    mov eax, [esp + 16]
    and eax, ~0x10000               ; RF: the SDM sets it in a fault's EFLAGS image, QEMU TCG does not; it is not case state
    mov [flags_out], eax
    mov eax, [esp]
    mov [fault_vec], eax
    mov eax, [esp + 4]
    mov [fault_err], eax
    mov eax, [esp + 8]
    mov [fault_eip], eax
    mov esp, [saved_esp]
    cld
    mov dword [in_case], 0
    cmp dword [fault_vec], RETURN_VECTOR
    jne .fault
    dec dword [runs_left]
    jnz run_again
    call print_state
    popad
    ret                                 ; from run_case
.fault:
    call print_fault
    popad
    ret                                 ; from run_case
.outside:
    mov ax, KERNEL_DS
    mov ds, ax
    mov es, ax
    mov esi, msg_harness
    call put_string
    mov eax, [esp]
    mov ecx, 2
    call put_hex
    mov esi, msg_eip
    call put_string
    mov eax, [esp + 8]
    mov ecx, 8
    call put_hex
    mov al, 10
    call put_char
    mov al, 3
    jmp exit_with

print_case_number:
    mov esi, msg_case
    call put_string
    mov eax, [case_index]
    mov ecx, 4
    call put_hex
    ret

print_fault:
    call print_case_number
    mov esi, msg_fault
    call put_string
    mov eax, [fault_vec]
    mov ecx, 2
    call put_hex
    mov esi, msg_err
    call put_string
    mov eax, [fault_err]
    mov ecx, 8
    call put_hex
    mov esi, msg_eip
    call put_string
    mov eax, [fault_eip]
    call put_hex
    jmp print_registers_and_memory

print_state:
    call print_case_number
print_registers_and_memory:
    mov ebx, [record_ptr]
    xor edx, edx
.reg:
    mov eax, [regs_out + edx * 4]
    cmp eax, [ebx + REC_REGS + edx * 4]
    je .same
    lea esi, [reg_names + edx * 2]      ; names are 6 bytes apart: edx * 6 = edx * 2 + edx * 4
    lea esi, [esi + edx * 4]
    call put_string
    mov ecx, 8
    call put_hex
.same:
    inc edx
    cmp edx, 8
    jb .reg
    mov esi, msg_flags
    call put_string
    mov eax, [flags_out]
    mov ecx, 8
    call put_hex
    mov esi, msg_mem
    call put_string
    call print_memory_changes
    mov al, 10
    call put_char
    ret

; Runs of scratch bytes that differ from the record's initial image, as off:bytes,off:bytes; "-" for none.
print_memory_changes:
    mov ebx, [record_ptr]
    lea edi, [ebx + REC_MEMORY]
    xor edx, edx                        ; offset
    xor ebx, ebx                        ; runs printed
.scan:
    cmp edx, SCRATCH_SIZE
    jae .end
    mov al, [scratch + edx]
    cmp al, [edi + edx]
    jne .run_start
    inc edx
    jmp .scan
.run_start:
    test ebx, ebx
    jz .first
    mov al, ','
    call put_char
.first:
    inc ebx
    mov eax, edx
    mov ecx, 3
    call put_hex
    mov al, ':'
    call put_char
    mov ecx, 2
.run_byte:
    movzx eax, byte [scratch + edx]
    call put_hex
    inc edx
    cmp edx, SCRATCH_SIZE
    jae .end
    mov al, [scratch + edx]
    cmp al, [edi + edx]
    jne .run_byte
    jmp .scan
.end:
    test ebx, ebx
    jnz .ret
    mov al, '-'
    call put_char
.ret:
    ret
