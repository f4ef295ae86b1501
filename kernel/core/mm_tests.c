/* Kernel tests of kernel/mm: frames, the heap (also at exhaustion), kernel stacks, address spaces and
 * the user-pointer checks. */
#include <kernel/ktest.h>
#include <kernel/frame.h>
#include <kernel/heap.h>
#include <kernel/kstack.h>
#include <kernel/paging.h>
#include <kernel/uaccess.h>
#include <kernel/probe.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <uapi/errno.h>
#include <uapi/layout.h>
#include <uapi/syscall.h>

#define HOLD 64

KTEST(frame_alloc_and_free)
{
    uint32_t before = frame_free_count();
    uint32_t a = frame_alloc(), b = frame_alloc();
    KCHECK(a && b && a != b);
    KCHECK(!(a & 0xFFF) && !(b & 0xFFF));
    KCHECK(a >= 0x100000 && b >= 0x100000);
    KCHECK(frame_free_count() == before - 2);
    frame_free(a);
    frame_free(b);
    KCHECK(frame_free_count() == before);
    uint32_t run = frame_alloc_contiguous(8);
    KCHECK(run != 0);
    for (uint32_t i = 0; i < 8; i++)
        frame_free(run + i * PAGE_SIZE);
    KCHECK(frame_free_count() == before);
}

KTEST(frame_exhaustion)
{
    uint32_t before = frame_free_count();
    uint32_t held[HOLD];
    unsigned n = 0;
    frame_set_test_limit(10);
    while (n < HOLD && (held[n] = frame_alloc()) != 0)
        n++;
    KCHECK(n == 10);
    KCHECK(frame_alloc() == 0);
    KCHECK(frame_alloc_contiguous(2) == 0);
    frame_set_test_limit(0);
    int slot;
    uint32_t top;
    KCHECK((slot = kstack_alloc(&top)) == -1); /* callers get a clean failure, not a panic */
    KCHECK(aspace_create() == NULL);
    char *argv[] = { "/bin/true", NULL };
    KCHECK(proc_spawn("/bin/true", 1, argv) == -ENOMEM);
    frame_set_test_limit(~0u);
    while (n > 0)
        frame_free(held[--n]);
    KCHECK(frame_free_count() == before);
}

KTEST(kmalloc_sizes_and_alignment)
{
    static const size_t sizes[] = { 1, 15, 16, 17, 100, 1000, 2048, 2049, 5000, 70000 };
    void *p[ARRAY_SIZE(sizes)];
    for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = kmalloc(sizes[i]);
        KCHECK(p[i] != NULL);
        KCHECK(((uintptr_t)p[i] & 15) == 0);
        if (p[i])
            memset(p[i], 0x40 + i, sizes[i]);
    }
    for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
        const uint8_t *b = p[i];
        for (size_t j = 0; b && j < sizes[i]; j++)
            if (b[j] != 0x40 + i) {
                ktest_fail("block %u (%u bytes) overwritten at %u", i, (unsigned)sizes[i], (unsigned)j);
                break;
            }
        kfree(p[i]);
    }
    uint8_t *z = kzalloc(300);
    KCHECK(z != NULL);
    for (unsigned j = 0; z && j < 300; j++)
        KCHECK(z[j] == 0);
    kfree(z);
    kfree(NULL);
}

KTEST(kmalloc_exhaustion)
{
    uint32_t before = frame_free_count();
    void **held = kmalloc(4096 * sizeof(void *));
    KCHECK(held != NULL);
    if (!held)
        return;
    frame_set_test_limit(8);
    unsigned n = 0;
    while (n < 4096 && (held[n] = kmalloc(n % 2 ? 3000 : 64)) != NULL)
        n++;
    KCHECK(n > 0 && n < 4096);             /* it ran out, and said so with NULL */
    KCHECK(kmalloc(10000) == NULL);
    KCHECK(kmalloc(0x7FFFFFFF) == NULL);
    frame_set_test_limit(~0u);
    while (n > 0)
        kfree(held[--n]);
    kfree(held);
    KCHECK(frame_free_count() == before);   /* empty slab pages went back */
    void *again = kmalloc(3000);
    KCHECK(again != NULL);
    kfree(again);
}

KTEST(kernel_stack_has_guard)
{
    uint32_t top;
    int slot = kstack_alloc(&top);
    KCHECK(slot >= 0);
    if (slot < 0)
        return;
    KCHECK(top == kstack_guard(slot) + (KSTACK_PAGES + 1) * PAGE_SIZE);
    KCHECK(probe_write32(top - 4, 0x1234).vector == -1);
    KCHECK(probe_write32(top - KSTACK_PAGES * PAGE_SIZE, 1).vector == -1);
    struct probe_result r = probe_write32(kstack_guard(slot) + PAGE_SIZE - 4, 1);
    KCHECK(r.vector == 14 && r.cr2 == kstack_guard(slot) + PAGE_SIZE - 4);
    kstack_free(slot);
    KCHECK(probe_read32(top - 4, NULL).vector == 14); /* unmapped again */
}

KTEST(user_range_validation)
{
    struct aspace *as = aspace_create();
    KCHECK(as != NULL);
    if (!as)
        return;
    uint32_t rw = 0x08048000, ro = rw + PAGE_SIZE, hole = rw + 2 * PAGE_SIZE;
    KCHECK(aspace_map_new(as, rw, MAP_WRITE) == 0);
    KCHECK(aspace_map_new(as, ro, 0) == 0);
    KCHECK(aspace_map_new(as, rw, 0) == -EEXIST);
    KCHECK(aspace_user_range_ok(as, rw, PAGE_SIZE, true));
    KCHECK(aspace_user_range_ok(as, rw, 2 * PAGE_SIZE, false));
    KCHECK(!aspace_user_range_ok(as, rw, 2 * PAGE_SIZE, true));   /* the second page is read-only */
    KCHECK(!aspace_user_range_ok(as, ro + 100, 1, true));
    KCHECK(!aspace_user_range_ok(as, ro, PAGE_SIZE + 1, false));  /* runs into the hole */
    KCHECK(!aspace_user_range_ok(as, hole, 1, false));
    KCHECK(!aspace_user_range_ok(as, 0, 1, false));
    KCHECK(!aspace_user_range_ok(as, USER_TOP - 1, 2, false));
    KCHECK(!aspace_user_range_ok(as, USER_TOP, 1, false));
    KCHECK(!aspace_user_range_ok(as, 0xC0100000, 4, false));      /* kernel text */
    KCHECK(!aspace_user_range_ok(as, 0xFFFFFFF0, 0x20, false));   /* wraps around */
    KCHECK(!aspace_user_range_ok(as, rw, 0xFFFFFFFF, false));
    KCHECK(aspace_user_range_ok(as, USER_TOP, 0, false));
    KCHECK(as->user_pages == 2);
    aspace_unmap(as, ro);
    KCHECK(!aspace_user_range_ok(as, ro, 1, false));
    KCHECK(as->user_pages == 1);
    aspace_destroy(as);
}

/* The user copies of the running process with a scratch address space: page rw writable, page rw+1
 * read-only and ending in a string without NUL, then a hole. */
KTEST(user_copies_fault_cleanly)
{
    struct aspace *as = aspace_create();
    KCHECK(as != NULL);
    if (!as)
        return;
    uint32_t rw = 0x08048000, ro = rw + PAGE_SIZE;
    KCHECK(aspace_map_new(as, rw, MAP_WRITE) == 0 && aspace_map_new(as, ro, 0) == 0);
    aspace_write(as, rw, "hello", 6);
    char fill[16];
    memset(fill, 'x', sizeof fill);
    aspace_write(as, ro + PAGE_SIZE - sizeof fill, fill, sizeof fill);
    uint32_t f = irq_save();
    struct proc *me = sched_current();
    struct aspace *saved = me->as;
    me->as = as;
    aspace_switch(as);
    char buf[64];
    KCHECK(copy_string_from_user(buf, rw, sizeof buf) == 5 && strcmp(buf, "hello") == 0);
    KCHECK(copy_string_from_user(buf, rw, 4) == -ENAMETOOLONG);
    KCHECK(copy_string_from_user(buf, ro + PAGE_SIZE - sizeof fill, sizeof buf) == -EFAULT);
    KCHECK(copy_string_from_user(buf, 0, sizeof buf) == -EFAULT);
    KCHECK(copy_string_from_user(buf, 0xC0000000, sizeof buf) == -EFAULT);
    KCHECK(copy_to_user(rw + 10, "abc", 3) == 0);
    KCHECK(copy_from_user(buf, rw + 10, 3) == 0 && memcmp(buf, "abc", 3) == 0);
    KCHECK(copy_to_user(ro, "abc", 3) == -EFAULT);                  /* read-only page */
    KCHECK(copy_to_user(rw + PAGE_SIZE - 2, "abc", 3) == -EFAULT);  /* straddles into it */
    KCHECK(copy_from_user(buf, ro + PAGE_SIZE - 2, 4) == -EFAULT);  /* straddles into the hole */
    KCHECK(copy_from_user(buf, 0xC0100000, 4) == -EFAULT);
    KCHECK(copy_to_user(0xFFFFFFFE, "abc", 3) == -EFAULT);
    me->as = saved;
    aspace_switch(saved);
    irq_restore(f);
    aspace_destroy(as);
}

/* Process 0 has no user pages: every pointer it passes is bad and must come back as -EFAULT. */
KTEST(syscalls_reject_bad_pointers)
{
    static const uint32_t bad[] = { 0, 0x08048000, 0xBFFFF000, 0xC0000000, 0xC0100000, 0xFFFFFFFF };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        uint32_t p = bad[i];
        KCHECK(syscall_invoke(SYS_write, 1, p, 16, 0, 0) == -EFAULT);
        KCHECK(syscall_invoke(SYS_read, 0, p, 16, 0, 0) == -EFAULT);
        KCHECK(syscall_invoke(SYS_open, p, 0, 0, 0, 0) == -EFAULT);
        KCHECK(syscall_invoke(SYS_unlink, p, 0, 0, 0, 0) == -EFAULT);
        KCHECK(syscall_invoke(SYS_mkdir, p, 0, 0, 0, 0) == -EFAULT);
        KCHECK(syscall_invoke(SYS_spawn, p, 0, 0, 0, 0) == -EFAULT);
        KCHECK(syscall_invoke(SYS_wait, (uint32_t)-1, p, 0, 0, 0) == -EFAULT);
        KCHECK(syscall_invoke(SYS_pipe, p, 0, 0, 0, 0) == -EFAULT);
        KCHECK(syscall_invoke(SYS_rename, p, p, 0, 0, 0) == -EFAULT);
        KCHECK(syscall_invoke(SYS_procinfo, 0, p, 0, 0, 0) == -EFAULT);
        KCHECK(syscall_invoke(SYS_meminfo, p, 0, 0, 0, 0) == -EFAULT);
    }
    KCHECK(syscall_invoke(SYS_write, 1, 0xC0100000, 0, 0, 0) == -EFAULT); /* even for 0 bytes */
    KCHECK(syscall_invoke(SYS_write, 99, 0, 1, 0, 0) == -EBADF);
    KCHECK(syscall_invoke(SYS_close, (uint32_t)-1, 0, 0, 0, 0) == -EBADF);
    KCHECK(syscall_invoke(SYSCALL_COUNT, 0, 0, 0, 0, 0) == -ENOSYS);
    KCHECK(syscall_invoke(0, 0, 0, 0, 0, 0) == -ENOSYS);
    KCHECK(syscall_invoke(0xFFFFFFFF, 0, 0, 0, 0, 0) == -ENOSYS);
}
