/* The Multiboot v1 information structure (Multiboot spec §3.3), copied into boot_info, and the
 * command-line words (root=, test=, quiet). */
#include <kernel/multiboot.h>
#include <kernel/paging.h>
#include <kernel/lib.h>

struct boot_info boot_info;

#define MBI_MEM     (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS    (1u << 3)
#define MBI_MMAP    (1u << 6)
#define BOOT_MAPPED_LIMIT (32u << 20) /* what boot.asm maps */

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_module {
    uint32_t start, end, string, reserved;
} __attribute__((packed));

struct mb_mmap {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;
} __attribute__((packed));

/* A pointer to physical [phys, phys+len) through the boot mapping, or NULL when it is not mapped. */
static const void *boot_phys(uint32_t phys, uint32_t len)
{
    if (phys >= BOOT_MAPPED_LIMIT || len > BOOT_MAPPED_LIMIT - phys)
        return NULL;
    return phys_to_virt(phys);
}

/* Copies a NUL-terminated string from physical memory (empty if unmapped). */
static void copy_phys_string(char *dst, uint32_t phys, unsigned size)
{
    const char *s = boot_phys(phys, 1);
    dst[0] = 0;
    if (s)
        strncpy_safe(dst, s, phys + size <= BOOT_MAPPED_LIMIT ? size : BOOT_MAPPED_LIMIT - phys);
}

void boot_info_parse(uint32_t magic, uint32_t mbi_phys)
{
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        panic("boot_info_parse: not started by a Multiboot loader (bad magic in EAX)");
    const struct mb_info *mbi = boot_phys(mbi_phys, sizeof *mbi);
    if (!mbi)
        panic("boot_info_parse: the Multiboot information is above 32 MiB");
    if (mbi->flags & MBI_CMDLINE)
        copy_phys_string(boot_info.cmdline, mbi->cmdline, sizeof boot_info.cmdline);
    if (mbi->flags & MBI_MEM)
        boot_info.mem_upper_kib = mbi->mem_upper;
    if (mbi->flags & MBI_MODS) {
        const struct mb_module *m = boot_phys(mbi->mods_addr, mbi->mods_count * sizeof *m);
        for (uint32_t i = 0; m && i < mbi->mods_count && i < BOOT_MAX_MODULES; i++) {
            boot_info.modules[i].start = m[i].start;
            boot_info.modules[i].end = m[i].end;
            copy_phys_string(boot_info.modules[i].name, m[i].string, sizeof boot_info.modules[i].name);
            boot_info.module_count++;
        }
    }
    if (mbi->flags & MBI_MMAP) {
        const uint8_t *p = boot_phys(mbi->mmap_addr, mbi->mmap_length);
        const uint8_t *end = p ? p + mbi->mmap_length : NULL;
        while (p && p + sizeof(struct mb_mmap) <= end && boot_info.mmap_count < BOOT_MAX_MMAP) {
            const struct mb_mmap *e = (const struct mb_mmap *)p;
            struct boot_mmap_entry *o = &boot_info.mmap[boot_info.mmap_count++];
            o->base = e->base;
            o->length = e->length;
            o->type = e->type;
            p += e->size + 4;
        }
    }
}

/* The first command-line word that starts with prefix (of length n), or is exactly it when exact; or NULL. */
static const char *find_word(const char *prefix, size_t n, bool exact)
{
    const char *s = boot_info.cmdline;
    while (*s) {
        while (*s == ' ')
            s++;
        const char *w = s;
        while (*s && *s != ' ')
            s++;
        size_t len = (size_t)(s - w);
        if (len >= n && strncmp(w, prefix, n) == 0 && (!exact || len == n))
            return w;
    }
    return NULL;
}

bool boot_option(const char *key, char *out, unsigned size)
{
    char prefix[32];
    ksnprintf(prefix, sizeof prefix, "%s=", key);
    const char *w = find_word(prefix, strlen(prefix), false);
    if (!w)
        return false;
    w += strlen(prefix);
    unsigned i = 0;
    while (w[i] && w[i] != ' ' && i + 1 < size) {
        out[i] = w[i];
        i++;
    }
    out[i] = 0;
    return true;
}

bool boot_flag(const char *word)
{
    return find_word(word, strlen(word), true) != NULL;
}
