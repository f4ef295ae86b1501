/* User-pointer checks and copies: the kernel walks the page tables itself before touching user memory
 * (range, P, U/S, R/W), then copies with SMAP opened (STAC) only for the copy. The kernel is not
 * preempted in system calls, so nothing changes the tables between the check and the copy. */
#include <kernel/uaccess.h>
#include <kernel/sched.h>
#include <kernel/cpu.h>
#include <kernel/lib.h>
#include <uapi/errno.h>
#include <uapi/layout.h>
#include <kernel/lotr.h>

bool aspace_user_range_ok(struct aspace *as, uint32_t va, uint32_t len, bool write)
{
    if (len == 0)
        return va <= USER_TOP;
    if (va >= USER_TOP || len > USER_TOP - va)
        return false;
    if (va < PRIVUSER_END && va + len > PRIVUSER_BASE)
        return false; /* LOTRx86: no system call reads or writes PrivUser for ring 3 (no confused deputy) */
    uint32_t first = va & ~(PAGE_SIZE - 1), last = (va + len - 1) & ~(PAGE_SIZE - 1);
    for (uint32_t page = first;; page += PAGE_SIZE) {
        uint64_t *pte = aspace_pte(as, page, false);
        if (!pte || !(*pte & PTE_P) || !(*pte & PTE_U) || (write && !(*pte & PTE_W)))
            return false;
        if (page == last)
            break;
    }
    return true;
}

bool user_range_ok(uint32_t va, uint32_t len, bool write)
{
    return aspace_user_range_ok(sched_current()->as, va, len, write);
}

int copy_from_user(void *dst, uint32_t src, size_t n)
{
    if (!user_range_ok(src, (uint32_t)n, false))
        return -EFAULT;
    user_access_begin();
    memcpy(dst, (const void *)src, n);
    user_access_end();
    return 0;
}

int copy_to_user(uint32_t dst, const void *src, size_t n)
{
    if (!user_range_ok(dst, (uint32_t)n, true))
        return -EFAULT;
    user_access_begin();
    memcpy((void *)dst, src, n);
    user_access_end();
    return 0;
}

int copy_string_from_user(char *dst, uint32_t src, size_t size)
{
    size_t len = 0;
    while (len < size) {
        uint32_t va = src + (uint32_t)len;
        if (va < src || !user_range_ok(va, 1, false))
            return -EFAULT;
        uint32_t in_page = PAGE_SIZE - (va & (PAGE_SIZE - 1)); /* the whole rest of this page is checked */
        if (!user_range_ok(va, in_page, false))
            return -EFAULT;
        user_access_begin();
        for (uint32_t i = 0; i < in_page && len < size; i++, len++) {
            char c = ((const char *)src)[len];
            dst[len] = c;
            if (!c) {
                user_access_end();
                return (int)len;
            }
        }
        user_access_end();
    }
    dst[size - 1] = 0;
    return -ENAMETOOLONG;
}
