/* What the kernel keeps from the Multiboot v1 information (core/boot_info.c copies it early, while the
 * boot page tables still map it). */
#ifndef KERNELIST_MULTIBOOT_H
#define KERNELIST_MULTIBOOT_H

#include <stdint.h>
#include <stdbool.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define BOOT_MAX_MODULES 4
#define BOOT_MAX_MMAP 32
#define BOOT_CMDLINE_MAX 256

struct boot_module {
    uint32_t start, end; /* physical, end exclusive */
    char name[64];
};

struct boot_mmap_entry {
    uint64_t base, length;
    uint32_t type;       /* 1 = available RAM */
};

struct boot_info {
    char cmdline[BOOT_CMDLINE_MAX];
    unsigned module_count;
    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned mmap_count;
    struct boot_mmap_entry mmap[BOOT_MAX_MMAP];
    uint32_t mem_upper_kib;  /* when there is no memory map */
};

extern struct boot_info boot_info;

/* Copies the loader's information (at physical mbi) into boot_info; panics on a wrong magic. */
void boot_info_parse(uint32_t magic, uint32_t mbi);
/* The value of word key=value on the command line into out (size bytes), or false when absent. */
bool boot_option(const char *key, char *out, unsigned size);
/* True when the bare word appears on the command line. */
bool boot_flag(const char *word);

#endif
