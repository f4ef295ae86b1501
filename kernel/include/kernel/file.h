/* Open files (core/file.c): what a file descriptor points at. Shared by dup2 and spawn (refcounted). */
#ifndef KERNELIST_FILE_H
#define KERNELIST_FILE_H

#include <stdint.h>
#include <stdbool.h>

enum file_kind { FILE_CONSOLE = 1, FILE_INODE, FILE_PIPE_READ, FILE_PIPE_WRITE };

struct pipe;

struct file {
    enum file_kind kind;
    int refs;
    int flags;          /* open() flags: the access mode and O_APPEND */
    uint32_t ino;
    uint32_t type;      /* KL_TYPE_FILE or KL_TYPE_DIR, for FILE_INODE */
    uint32_t offset;    /* bytes for files, the entry index for directories */
    struct pipe *pipe;
};

/* The console file (fds 0-2 of the first process), or NULL when out of memory. */
struct file *file_console(void);
/* Opens path with open() flags: a file, or NULL with *err = -errno. */
struct file *file_open(const char *path, int flags, int *err);
/* Adds a reference. */
struct file *file_dup(struct file *f);
/* Drops a reference; the last one releases the file (and wakes the other end of a pipe). */
void file_close(struct file *f);
/* read()/write() on f with a user buffer; counts or -errno. */
int file_read(struct file *f, uint32_t ubuf, uint32_t n);
int file_write(struct file *f, uint32_t ubuf, uint32_t n);
/* readdir() into a kernel struct kl_dirent: 1, 0 at the end, or -errno. */
int file_readdir(struct file *f, void *dirent);
int file_lseek(struct file *f, int offset, int whence);

/* One sleeping lock around every filesystem call (fs.h asks the caller to serialise). */
void fs_lock(void);
void fs_unlock(void);

/* Pipes (core/pipe.c). */
#define PIPE_SIZE 4096u
/* Makes a pipe's two ends: 0, or -ENOMEM / -ENFILE. */
int pipe_create(struct file **read_end, struct file **write_end);
/* Blocking reads and writes with user buffers; 0 at end of file; -EPIPE with no reader. */
int pipe_read(struct pipe *p, uint32_t ubuf, uint32_t n);
int pipe_write(struct pipe *p, uint32_t ubuf, uint32_t n);
/* Closes one end. */
void pipe_close_end(struct pipe *p, bool write_end);

#endif
