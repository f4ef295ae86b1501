/* User-pointer validation and copies (mm/uaccess.c). Every system call reaches user memory only
 * through these: range below USER_TOP, every page present and U/S, writable when written. A bad
 * pointer gives -EFAULT and never a kernel fault. */
#ifndef KERNELIST_UACCESS_H
#define KERNELIST_UACCESS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <kernel/paging.h>

/* True when [va, va+len) of as is all user-accessible (and writable when write). */
bool aspace_user_range_ok(struct aspace *as, uint32_t va, uint32_t len, bool write);
/* The same for the running process. */
bool user_range_ok(uint32_t va, uint32_t len, bool write);
/* 0 or -EFAULT. */
int copy_from_user(void *dst, uint32_t src, size_t n);
int copy_to_user(uint32_t dst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most size-1 characters: its length, -EFAULT, or
 * -ENAMETOOLONG when no NUL comes within size bytes. */
int copy_string_from_user(char *dst, uint32_t src, size_t size);

#endif
