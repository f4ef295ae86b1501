; The Multiboot v1 entry: checks for PAE, builds the boot page tables (PAE, 4 KiB pages) that map the
; first BOOT_MAP_MIB of physical memory both at 0 (identity, for the next few instructions) and at
; KERNEL_VMA, turns paging on with CR0.WP=1 and jumps to kmain in the higher half.
; mm/paging.c replaces these tables with the real ones (and drops the identity map) early in kmain.
bits 32

MB_MAGIC       equ 0x1BADB002
MB_FLAGS       equ 0x00000003          ; bit 0: page-align modules, bit 1: give the memory map
KERNEL_VMA     equ 0xC0000000
BOOT_MAP_MIB   equ 32
BOOT_PTS       equ BOOT_MAP_MIB / 2    ; a PAE page table maps 2 MiB

section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)

section .boot.text progbits alloc exec nowrite align=16
global _start
extern kmain
extern _bss_start, _bss_end

_start:
    cli
    cld
    mov edi, eax                        ; the Multiboot magic, for kmain
    mov esi, ebx                        ; the physical address of the Multiboot information

    ; PAE is required: without it there is no NX and no way to run this kernel.
    mov eax, 1
    cpuid
    test edx, 1 << 6
    jz no_pae

    ; Zero .bss (it holds the boot page tables and the boot stack), through its physical address.
    mov eax, 0
    mov ecx, _bss_end
    sub ecx, _bss_start
    shr ecx, 2
    push edi
    mov edi, _bss_start - KERNEL_VMA
    rep stosd
    pop edi

    ; Page tables: entry i maps physical page i, present + writable.
    mov ebx, boot_page_tables - KERNEL_VMA
    xor ecx, ecx
.fill_pt:
    mov eax, ecx
    shl eax, 12
    or eax, 3
    mov [ebx + ecx * 8], eax
    mov dword [ebx + ecx * 8 + 4], 0
    inc ecx
    cmp ecx, BOOT_PTS * 512
    jb .fill_pt

    ; The page directory: its first BOOT_PTS entries point at those tables.
    mov ebx, boot_page_directory - KERNEL_VMA
    xor ecx, ecx
.fill_pd:
    mov eax, ecx
    shl eax, 12
    add eax, (boot_page_tables - KERNEL_VMA) + 3
    mov [ebx + ecx * 8], eax
    mov dword [ebx + ecx * 8 + 4], 0
    inc ecx
    cmp ecx, BOOT_PTS
    jb .fill_pd

    ; The PDPT: entry 0 (identity) and entry 3 (0xC0000000) share the directory. PDPTEs have only P.
    mov ebx, boot_pdpt - KERNEL_VMA
    mov eax, (boot_page_directory - KERNEL_VMA) + 1
    mov [ebx + 0], eax
    mov [ebx + 24], eax

    mov eax, cr4
    or eax, 1 << 5                      ; CR4.PAE
    mov cr4, eax
    mov eax, boot_pdpt - KERNEL_VMA
    mov cr3, eax
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)       ; CR0.PG and CR0.WP
    mov cr0, eax
    mov eax, higher_half
    jmp eax

; Tells COM1 and the screen that this CPU cannot run Kernelist, then stops.
no_pae:
    mov esi, no_pae_msg
    mov edi, 0xB8000
.next:
    lodsb
    test al, al
    jz .stop
    mov dx, 0x3F8
    out dx, al
    mov ah, 0x4F
    stosw
    jmp .next
.stop:
    cli
    hlt
    jmp .stop

no_pae_msg: db "panic: boot: this CPU has no PAE (CPUID.1:EDX bit 6); Kernelist needs it", 13, 10, 0

section .text
higher_half:
    mov esp, boot_stack_top
    xor ebp, ebp
    push esi                            ; the Multiboot information (physical)
    push edi                            ; the Multiboot magic
    call kmain
.hang:
    cli
    hlt
    jmp .hang

section .bss nobits alloc noexec write align=4096
global boot_pdpt, boot_page_directory, boot_stack_guard, boot_stack_top
boot_page_tables:    resb BOOT_PTS * 4096
boot_page_directory: resb 4096
boot_pdpt:           resb 4096
boot_stack_guard:    resb 4096          ; unmapped by paging_init: the guard page under the boot stack
boot_stack:          resb 16384
boot_stack_top:
