/* The ELF32 loader. Everything in the file is checked before it is trusted: the identification, the
 * machine, the program header table's bounds, each segment's file range and address range, and that
 * the entry point lies in an executable segment. */
#include <kernel/nk.h>
#include <kernel/elf.h>
#include <kernel/fs.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/lib.h>
#include <kernel/lotr.h>
#include <uapi/errno.h>
#include <uapi/types.h>

struct elf32_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __attribute__((packed));

struct elf32_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
} __attribute__((packed));

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define ET_EXEC 2
#define EM_386 3

/* Reads exactly n bytes at off of ino, under the filesystem lock: 0, -ENOEXEC if short, or -errno. */
static int read_exact(uint32_t ino, uint32_t off, void *buf, uint32_t n)
{
    fs_lock();
    int r = fs_read(ino, off, buf, n);
    fs_unlock();
    if (r < 0)
        return r;
    return (uint32_t)r == n ? 0 : -ENOEXEC;
}

/* Checks the ELF header for an i386 executable whose program headers lie inside size bytes. */
static int check_header(const struct elf32_ehdr *h, uint32_t size)
{
    if (h->ident[0] != 0x7F || h->ident[1] != 'E' || h->ident[2] != 'L' || h->ident[3] != 'F')
        return -ENOEXEC;
    if (h->ident[4] != 1 || h->ident[5] != 1 || h->ident[6] != 1) /* 32-bit, little-endian, version 1 */
        return -ENOEXEC;
    if (h->type != ET_EXEC || h->machine != EM_386 || h->phentsize != sizeof(struct elf32_phdr))
        return -ENOEXEC;
    if (h->phnum == 0 || h->phnum > ELF_MAX_PHDRS)
        return -ENOEXEC;
    if (h->phoff > size || (uint32_t)h->phnum * sizeof(struct elf32_phdr) > size - h->phoff)
        return -ENOEXEC;
    return 0;
}

/* True when segment p touches LOTRx86's PrivUser window: its pages are then supervisor-only. */
static bool in_privuser(const struct elf32_phdr *p)
{
    return p->vaddr < PRIVUSER_END && p->vaddr + p->memsz > PRIVUSER_BASE;
}

/* Checks one PT_LOAD segment against the file size and the user address limit. */
static int check_segment(const struct elf32_phdr *p, uint32_t size, uint32_t limit)
{
    if (p->filesz > p->memsz || p->memsz == 0)
        return -ENOEXEC;
    if (p->offset > size || p->filesz > size - p->offset)
        return -ENOEXEC;
    if (p->vaddr < PAGE_SIZE || p->vaddr >= limit || p->memsz > limit - p->vaddr)
        return -ENOEXEC;
    if (in_privuser(p) && (p->vaddr < PRIVUSER_ELF_BASE || p->vaddr + p->memsz > PRIVUSER_ELF_END))
        return -ENOEXEC; /* only the ELF part of the window is the program's */
    return 0;
}

/* Maps the pages of segment p (zeroed), merging rights with a page an earlier segment already mapped. */
static int map_segment(struct aspace *as, const struct elf32_phdr *p)
{
    unsigned rights = ((p->flags & PF_W) ? MAP_WRITE : 0) | ((p->flags & PF_X) ? MAP_EXEC : 0);
    uint32_t first = ALIGN_DOWN(p->vaddr, PAGE_SIZE), end = ALIGN_UP(p->vaddr + p->memsz, PAGE_SIZE);
    if (!in_privuser(p))
        rights |= MAP_USER;
    for (uint32_t va = first; va < end; va += PAGE_SIZE) {
        int r = aspace_map_new_supervisor(as, va, rights);
        if (r == -EEXIST) { /* shared with the previous segment: the union of both rights */
            uint64_t *pte = aspace_pte(as, va, false);
            uint64_t e = *pte;
            if (rights & MAP_WRITE)
                e |= PTE_W;
            if (rights & MAP_EXEC)
                e &= ~PTE_NX;
            if (nk_write_pte(pte, e) < 0) /* page tables change only through the nested kernel */
                return -EPERM;
            continue;
        }
        if (r < 0)
            return r;
    }
    return 0;
}

/* Copies the file part of segment p into as. */
static int copy_segment(struct aspace *as, uint32_t ino, const struct elf32_phdr *p, char *buf)
{
    for (uint32_t done = 0; done < p->filesz;) {
        uint32_t n = p->filesz - done < PAGE_SIZE ? p->filesz - done : PAGE_SIZE;
        int r = read_exact(ino, p->offset + done, buf, n);
        if (r < 0)
            return r;
        r = aspace_write(as, p->vaddr + done, buf, n);
        if (r < 0)
            return r;
        done += n;
    }
    return 0;
}

int elf_load(struct aspace *as, const char *path, uint32_t limit, struct elf_image *out)
{
    fs_lock();
    int ino = fs_lookup(path);
    struct kl_stat st;
    int r = ino < 0 ? ino : fs_stat_inode((uint32_t)ino, &st);
    fs_unlock();
    if (r < 0)
        return r;
    if (st.type != KL_TYPE_FILE)
        return -EISDIR;
    struct elf32_ehdr h;
    if (st.size < sizeof h)
        return -ENOEXEC;
    r = read_exact((uint32_t)ino, 0, &h, sizeof h);
    if (r < 0 || (r = check_header(&h, st.size)) < 0)
        return r;
    struct elf32_phdr ph[ELF_MAX_PHDRS];
    r = read_exact((uint32_t)ino, h.phoff, ph, h.phnum * sizeof ph[0]);
    if (r < 0)
        return r;
    bool entry_ok = false;
    uint32_t top = 0;
    for (unsigned i = 0; i < h.phnum; i++) {
        if (ph[i].type != PT_LOAD)
            continue;
        if ((r = check_segment(&ph[i], st.size, limit)) < 0)
            return r;
        if ((ph[i].flags & PF_X) && !in_privuser(&ph[i]) && h.entry >= ph[i].vaddr && h.entry - ph[i].vaddr < ph[i].memsz)
            entry_ok = true;
        if (ph[i].vaddr + ph[i].memsz > top)
            top = ph[i].vaddr + ph[i].memsz;
    }
    if (!entry_ok)
        return -ENOEXEC;
    char *buf = kmalloc(PAGE_SIZE);
    if (!buf)
        return -ENOMEM;
    for (unsigned i = 0; i < h.phnum && r >= 0; i++) {
        if (ph[i].type != PT_LOAD)
            continue;
        r = map_segment(as, &ph[i]);
        if (r >= 0)
            r = copy_segment(as, (uint32_t)ino, &ph[i], buf);
    }
    kfree(buf);
    if (r < 0)
        return r;
    out->entry = h.entry;
    out->brk_base = ALIGN_UP(top, PAGE_SIZE);
    return 0;
}
