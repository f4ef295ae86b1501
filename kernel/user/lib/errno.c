/* errno, the error strings of uapi/errno.h, strerror and perror. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int errno;

struct error_name {
    int number;
    const char *text;
};

static const struct error_name error_names[] = {
    { EPERM, "Operation not permitted" },
    { ENOENT, "No such file or directory" },
    { ESRCH, "No such process" },
    { EINTR, "Interrupted system call" },
    { EIO, "Input/output error" },
    { E2BIG, "Argument list too long" },
    { ENOEXEC, "Exec format error" },
    { EBADF, "Bad file descriptor" },
    { ECHILD, "No child processes" },
    { EAGAIN, "Resource temporarily unavailable" },
    { ENOMEM, "Out of memory" },
    { EFAULT, "Bad address" },
    { EBUSY, "Device or resource busy" },
    { EEXIST, "File exists" },
    { EXDEV, "Invalid cross-device link" },
    { ENOTDIR, "Not a directory" },
    { EISDIR, "Is a directory" },
    { EINVAL, "Invalid argument" },
    { EMFILE, "Too many open files" },
    { EFBIG, "File too large" },
    { ENOSPC, "No space left on device" },
    { ESPIPE, "Illegal seek" },
    { EPIPE, "Broken pipe" },
    { ERANGE, "Result out of range" },
    { ENAMETOOLONG, "File name too long" },
    { ENOSYS, "Function not implemented" },
    { ENOTEMPTY, "Directory not empty" },
    { EUCLEAN, "Filesystem image is corrupt" },
};

/* The short name of an errno value ("ENOENT"), for test output; "E?" when unknown. */
const char *errno_name(int number)
{
    static const struct { int number; const char *name; } names[] = {
        { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" }, { EINTR, "EINTR" },
        { EIO, "EIO" }, { E2BIG, "E2BIG" }, { ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" },
        { ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" },
        { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENOTDIR, "ENOTDIR" },
        { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { EMFILE, "EMFILE" }, { EFBIG, "EFBIG" },
        { ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" }, { EPIPE, "EPIPE" }, { ERANGE, "ERANGE" },
        { ENAMETOOLONG, "ENAMETOOLONG" }, { ENOSYS, "ENOSYS" }, { ENOTEMPTY, "ENOTEMPTY" },
        { EUCLEAN, "EUCLEAN" },
    };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].number == number)
            return names[i].name;
    return "E?";
}

/* The message for an errno value; "Unknown error" for anything uapi/errno.h does not define. */
char *strerror(int number)
{
    for (unsigned i = 0; i < sizeof error_names / sizeof error_names[0]; i++)
        if (error_names[i].number == number)
            return (char *)error_names[i].text;
    return (char *)"Unknown error";
}

/* Prints "prefix: message\n" (or just the message) for errno to standard error. */
void perror(const char *prefix)
{
    if (prefix && *prefix)
        fprintf(stderr, "%s: %s\n", prefix, strerror(errno));
    else
        fprintf(stderr, "%s\n", strerror(errno));
}
