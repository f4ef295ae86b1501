/* The ELF32 loader (core/elf.c): i386 executables from the root filesystem into an address space. */
#ifndef KERNELIST_ELF_H
#define KERNELIST_ELF_H

#include <stdint.h>
#include <kernel/paging.h>

#define ELF_MAX_PHDRS 16

struct elf_image {
    uint32_t entry;
    uint32_t brk_base; /* the page after the highest segment: the start of the heap */
};

/* Loads path's PT_LOAD segments into as (below limit), each page with the segment's rights:
 * 0, or -ENOENT/-ENOEXEC (not a valid i386 executable)/-ENOMEM/-EISDIR/-EUCLEAN... */
int elf_load(struct aspace *as, const char *path, uint32_t limit, struct elf_image *out);

#endif
