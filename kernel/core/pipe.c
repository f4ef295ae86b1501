/* Pipes: a 4 KiB ring buffer between a read end and a write end. Readers block while it is empty and a
 * writer exists; writers block while it is full and a reader exists; no reader left gives -EPIPE. */
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/sched.h>
#include <kernel/uaccess.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <uapi/errno.h>

struct pipe {
    char buf[PIPE_SIZE];
    uint32_t head, tail;  /* head - tail bytes are waiting */
    int readers, writers;
};

int pipe_create(struct file **read_end, struct file **write_end)
{
    struct pipe *p = kzalloc(sizeof *p);
    struct file *r = kzalloc(sizeof *r);
    struct file *w = kzalloc(sizeof *w);
    if (!p || !r || !w) {
        kfree(p);
        kfree(r);
        kfree(w);
        return -ENOMEM;
    }
    p->readers = p->writers = 1;
    r->kind = FILE_PIPE_READ;
    w->kind = FILE_PIPE_WRITE;
    r->refs = w->refs = 1;
    r->pipe = w->pipe = p;
    *read_end = r;
    *write_end = w;
    return 0;
}

int pipe_read(struct pipe *p, uint32_t ubuf, uint32_t n)
{
    if (!user_range_ok(ubuf, n, true))
        return -EFAULT;
    if (n == 0)
        return 0;
    uint32_t f = irq_save();
    while (p->head == p->tail) {
        if (p->writers == 0) {
            irq_restore(f);
            return 0;
        }
        if (sched_current_killed()) {
            irq_restore(f);
            return -EINTR;
        }
        sched_sleep_on(p);
    }
    char chunk[256];
    uint32_t got = 0;
    while (got < n && p->head != p->tail) {
        uint32_t k = 0;
        while (k < sizeof chunk && got + k < n && p->head != p->tail)
            chunk[k++] = p->buf[p->tail++ % PIPE_SIZE];
        if (copy_to_user(ubuf + got, chunk, k) < 0) { /* checked above; cannot fail */
            irq_restore(f);
            return -EFAULT;
        }
        got += k;
    }
    sched_wakeup(p);
    irq_restore(f);
    return (int)got;
}

int pipe_write(struct pipe *p, uint32_t ubuf, uint32_t n)
{
    if (!user_range_ok(ubuf, n, false))
        return -EFAULT;
    uint32_t f = irq_save();
    uint32_t done = 0;
    while (done < n) {
        if (p->readers == 0) {
            irq_restore(f);
            return done > 0 ? (int)done : -EPIPE;
        }
        if (sched_current_killed()) {
            irq_restore(f);
            return done > 0 ? (int)done : -EINTR;
        }
        uint32_t room = PIPE_SIZE - (p->head - p->tail);
        if (room == 0) {
            sched_wakeup(p);
            sched_sleep_on(p);
            continue;
        }
        char chunk[256];
        uint32_t k = n - done;
        if (k > room)
            k = room;
        if (k > sizeof chunk)
            k = sizeof chunk;
        if (copy_from_user(chunk, ubuf + done, k) < 0) {
            irq_restore(f);
            return -EFAULT;
        }
        for (uint32_t i = 0; i < k; i++)
            p->buf[p->head++ % PIPE_SIZE] = chunk[i];
        done += k;
        sched_wakeup(p);
    }
    irq_restore(f);
    return (int)done;
}

void pipe_close_end(struct pipe *p, bool write_end)
{
    uint32_t f = irq_save();
    if (write_end)
        p->writers--;
    else
        p->readers--;
    bool gone = p->readers == 0 && p->writers == 0;
    sched_wakeup(p);
    irq_restore(f);
    if (gone)
        kfree(p);
}
