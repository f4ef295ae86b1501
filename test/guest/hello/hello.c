/* hello: the first program to boot. Prints a greeting and what the Multiboot loader handed over:
 * magic, the info flags we use, memory sizes, the command line and each module (size, alignment,
 * FNV-1a hash, string and leading text). Never prints addresses, which are the loader's choice. */
#include "guest.h"
#include "multiboot.h"

static u32 fnv1a(const u8 *p, u32 n)
{
    u32 h = 0x811c9dc5u;
    while (n--)
        h = (h ^ *p++) * 0x01000193u;
    return h;
}

static void print_text_start(const u8 *p, u32 n)
{
    puts("\"");
    for (u32 i = 0; i < n && i < 40 && p[i] != '\n'; i++)
        serial_putc(p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?');
    puts("\"");
}

static void print_modules(const struct multiboot_info *mbi)
{
    const struct multiboot_module *mods = (const struct multiboot_module *)mbi->mods_addr;
    printf("modules=%u\n", mbi->mods_count);
    for (u32 i = 0; i < mbi->mods_count; i++) {
        const u8 *data = (const u8 *)mods[i].mod_start;
        u32 size = mods[i].mod_end - mods[i].mod_start;
        printf("module %u: size=%u page_aligned=%u fnv1a=0x%08x string=\"%s\"\n", i, size,
               (mods[i].mod_start & 0xfff) == 0, fnv1a(data, size),
               mods[i].string ? (const char *)mods[i].string : "");
        printf("module %u text: ", i);
        print_text_start(data, size);
        puts("\n");
    }
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    puts("Hello from Kernelist\n");
    printf("multiboot magic=0x%08x\n", magic);
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        return;
    printf("flags: mem=%u cmdline=%u mods=%u\n", !!(mbi->flags & MBI_FLAG_MEM), !!(mbi->flags & MBI_FLAG_CMDLINE),
           !!(mbi->flags & MBI_FLAG_MODS));
    if (mbi->flags & MBI_FLAG_MEM)
        printf("mem_lower=%u KiB mem_upper=%u KiB\n", mbi->mem_lower, mbi->mem_upper);
    if (mbi->flags & MBI_FLAG_CMDLINE)
        printf("cmdline=\"%s\"\n", (const char *)mbi->cmdline);
    if (mbi->flags & MBI_FLAG_MODS)
        print_modules(mbi);
    puts("Goodbye\n");
}
