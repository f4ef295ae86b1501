/* The Multiboot v1 information structure, as far as these programs read it (Multiboot Specification 0.6.96, §3.3). */
#ifndef MULTIBOOT_H
#define MULTIBOOT_H
#include "guest.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define MBI_FLAG_MEM (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS (1u << 3)

struct multiboot_info {
    u32 flags;
    u32 mem_lower, mem_upper;
    u32 boot_device;
    u32 cmdline;
    u32 mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
};

struct multiboot_module {
    u32 mod_start, mod_end;
    u32 string;
    u32 reserved;
};
#endif
