; Fuzz harness guest, boot: Multiboot v1 header, a GDT of our own (flat ring-0 code and data, ring-3 code and
; data, the FS and GS data segments with the bases of layout.inc, a TSS), the harness stack, then
; harness_main(magic, mbi) and its exit code to isa-debug-exit (port 0xF4; QEMU exits with (code << 1) | 1).

%include "layout.inc"

MB_MAGIC    equ 0x1BADB002
MB_FLAGS    equ 0x00000001              ; bit 0: page-align modules

section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)

section .data
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF               ; 0x08 code: base 0, limit 4 GiB, 32-bit, execute/read
    dq 0x00CF92000000FFFF               ; 0x10 data: base 0, limit 4 GiB, read/write
    dq 0x00CFF2001000FFFF               ; 0x18 data, DPL 3: base 0x00001000, limit 4 GiB
    dq 0xFFCFF2FFF000FFFF               ; 0x20 data, DPL 3: base 0xfffff000, limit 4 GiB
    dq 0x00CFFA000000FFFF               ; 0x28 code, DPL 3: base 0, limit 4 GiB
    dq 0x00CFF2000000FFFF               ; 0x30 data, DPL 3: base 0, limit 4 GiB
gdt_tss:
    dq 0                                ; 0x38 32-bit TSS, filled in at start-up (its base is a link-time address)
align 4
    dw 0
gdt_desc:
    dw 8 * 8 - 1
    dd gdt

global tss
align 16
tss:
    times 104 db 0                      ; ESP0 (offset 4) is set before each case, SS0 (offset 8) below

section .bss nobits alloc noexec write align=16
    resb 16384
stack_top:

section .text
global _start, exit_with
extern harness_main, idt_install

_start:
    cli
    cld
    mov esi, eax                        ; Multiboot magic
    lgdt [gdt_desc]
    jmp KERNEL_CS:.reload_cs
.reload_cs:
    mov cx, KERNEL_DS
    mov ds, cx
    mov es, cx
    mov ss, cx
    mov cx, FS_SELECTOR
    mov fs, cx
    mov cx, GS_SELECTOR
    mov gs, cx
    mov esp, stack_top
    mov eax, tss                        ; TSS descriptor: limit 103, type 9 (available 32-bit TSS), present
    mov word [gdt_tss], 103
    mov [gdt_tss + 2], ax
    shr eax, 16
    mov [gdt_tss + 4], al
    mov byte [gdt_tss + 5], 0x89
    mov [gdt_tss + 7], ah
    mov dword [tss + 8], KERNEL_DS      ; SS0
    mov dword [tss + 4], stack_top      ; ESP0
    mov word [tss + 102], 104           ; I/O map base beyond the limit: no I/O bitmap
    mov cx, TSS_SELECTOR
    ltr cx
    push ebx                            ; Multiboot information
    push esi                            ; Multiboot magic
    call idt_install
    call harness_main
; al = exit code
exit_with:
    out 0xf4, al
.hang:
    cli
    hlt
    jmp .hang
