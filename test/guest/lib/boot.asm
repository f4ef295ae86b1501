; Boot stub shared by every guest test program: Multiboot v1 header (ELF kernel, no a.out kludge),
; our own flat GDT, a stack, .bss cleared, then lib_start(magic, mbi) in lib/start.c.

MB_MAGIC    equ 0x1BADB002
MB_FLAGS    equ 0x00000003          ; bit 0: page-align modules, bit 1: give memory info
MB_CHECKSUM equ -(MB_MAGIC + MB_FLAGS)

KERNEL_CS   equ 0x08
KERNEL_DS   equ 0x10
GDT_ENTRIES equ 32                  ; 0..2 fixed, the rest for tests (gdt_set in lib/gdt.c)

section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC
    dd MB_FLAGS
    dd MB_CHECKSUM

section .data
align 16
global gdt
gdt:
    dq 0                            ; 0x00 null
    dq 0x00CF9A000000FFFF           ; 0x08 code: base 0, limit 4 GiB, 32-bit, DPL 0, execute/read
    dq 0x00CF92000000FFFF           ; 0x10 data: base 0, limit 4 GiB, DPL 0, read/write
    times GDT_ENTRIES - 3 dq 0

align 4
    dw 0                            ; so that the base below is 4-byte aligned
global gdt_desc
gdt_desc:
    dw GDT_ENTRIES * 8 - 1
    dd gdt

section .bss nobits alloc noexec write align=16
global stack_bottom, stack_top
stack_bottom:
    resb 65536
stack_top:

section .text
global _start
extern lib_start
extern __bss_start
extern __bss_end

_start:
    cli
    cld
    mov esi, eax                    ; Multiboot magic
    mov edi, ebx                    ; Multiboot information structure
    lgdt [gdt_desc]
    jmp KERNEL_CS:.reload_cs
.reload_cs:
    mov ax, KERNEL_DS
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, stack_top
    ; the loader zeroes .bss, but do not depend on it
    mov edx, __bss_start
.clear_bss:
    cmp edx, __bss_end
    jae .bss_done
    mov dword [edx], 0
    add edx, 4
    jmp .clear_bss
.bss_done:
    push 0x2                        ; EFLAGS: IF=0, DF=0, every status flag clear
    popfd
    push edi
    push esi
    call lib_start
.halt:
    cli
    hlt
    jmp .halt

section .note.GNU-stack noalloc noexec nowrite progbits
