/* Kernel tests of kernel/core: kernel threads, wait/kill, sleeping, pipes, the process table limit, and
 * the ELF loader refusing malformed executables (written to /tmp of the root filesystem). */
#include <kernel/ktest.h>
#include <kernel/sched.h>
#include <kernel/file.h>
#include <kernel/fs.h>
#include <kernel/elf.h>
#include <kernel/frame.h>
#include <kernel/pit.h>
#include <kernel/lib.h>
#include <kernel/double_fault.h>
#include <kernel/x86.h>
#include <uapi/errno.h>
#include <uapi/wait.h>
#include <uapi/types.h>
#include <uapi/layout.h>

static int return_arg(void *arg) { return (int)(uintptr_t)arg; }

KTEST(kthread_exit_status)
{
    int pid = proc_spawn_kernel("ktest-thread", return_arg, (void *)42);
    KCHECK(pid > 0);
    int status = -1;
    KCHECK(proc_wait(pid, &status) == pid);
    KCHECK(status == W_EXITED(42));
    KCHECK(proc_wait(pid, &status) == -ECHILD); /* reaped once */
}

static volatile int turns[2];

static int take_turns(void *arg)
{
    int me = (int)(uintptr_t)arg;
    for (int i = 0; i < 5; i++) {
        turns[me]++;
        sched_yield();
    }
    return me;
}

KTEST(round_robin_yield)
{
    turns[0] = turns[1] = 0;
    int a = proc_spawn_kernel("ktest-a", take_turns, (void *)0);
    int b = proc_spawn_kernel("ktest-b", take_turns, (void *)1);
    KCHECK(a > 0 && b > 0);
    sched_yield(); /* both run alternately: after a's first yield, b has run once */
    int status, done = 0;
    while (done < 2 && proc_wait(-1, &status) > 0)
        done++;
    KCHECK(done == 2 && turns[0] == 5 && turns[1] == 5);
}

KTEST(wait_and_kill_errors)
{
    int status;
    KCHECK(proc_wait(123456, &status) == -ECHILD);
    KCHECK(proc_kill(0) == -EPERM);
    KCHECK(proc_kill(123456) == -ESRCH);
    KCHECK(proc_kill(-5) == -ESRCH);
    int pid = proc_spawn_kernel("ktest-thread", return_arg, (void *)0);
    KCHECK(proc_kill(pid) == -EPERM); /* kernel threads cannot be killed */
    proc_wait(pid, &status);
}

static int sleeper(void *arg)
{
    (void)arg;
    return sched_sleep_ms(20000) == -EINTR ? 7 : 8;
}

KTEST(sleep_timing)
{
    uint32_t t0 = sched_uptime_ms();
    KCHECK(sched_sleep_ms(50) == 0);
    uint32_t dt = sched_uptime_ms() - t0;
    if (dt < 50 || dt > 200)
        ktest_fail("sleep(50) took %u ms", dt);
    KCHECK(sched_sleep_ms(0) == 0);
}

KTEST(process_table_limit)
{
    int pids[MAX_PROCS], n = 0, r;
    while (n < MAX_PROCS && (r = proc_spawn_kernel("ktest-sleeper", sleeper, NULL)) > 0)
        pids[n++] = r;
    KCHECK(n > 0 && n < MAX_PROCS);
    KCHECK(r == -EAGAIN);
    char *argv[] = { "/bin/true", NULL };
    KCHECK(proc_spawn("/bin/true", 1, argv) == -EAGAIN);
    struct proc *table = proc_table();
    for (int i = 0; i < n; i++) /* wake them early: they are kernel threads, so set killed directly */
        for (int j = 0; j < MAX_PROCS; j++)
            if (table[j].pid == pids[i] && table[j].state != PROC_UNUSED) {
                uint32_t f = irq_save();
                table[j].killed = true;
                if (table[j].state == PROC_SLEEPING)
                    table[j].state = PROC_RUNNABLE;
                irq_restore(f);
            }
    int status, reaped = 0;
    while (proc_wait(-1, &status) > 0) {
        reaped++;
        if (status != W_EXITED(7))
            ktest_fail("a sleeper ended with status 0x%x", status);
    }
    KCHECK(reaped == n);
}

/* Process 0 has no user pages, so only the end bookkeeping and the pointer checks can be seen here; the
 * data path is tested by /test/pipes (core/user_tests.c). */
KTEST(pipe_ends)
{
    struct file *r, *w;
    KCHECK(pipe_create(&r, &w) == 0);
    KCHECK(r->kind == FILE_PIPE_READ && w->kind == FILE_PIPE_WRITE && r->pipe == w->pipe);
    KCHECK(pipe_read(r->pipe, 0xC0000000, 16) == -EFAULT);
    KCHECK(pipe_write(w->pipe, 0x08048000, 16) == -EFAULT);
    KCHECK(file_read(w, 0, 0) == -EBADF);   /* the write end cannot be read */
    KCHECK(file_write(r, 0, 0) == -EBADF);  /* nor the read end written */
    file_dup(w);
    file_close(w);
    KCHECK(w->refs == 1);
    file_close(w);
    KCHECK(pipe_read(r->pipe, 0, 0) == 0);  /* zero bytes: at once, no block */
    file_close(r);
}

/* Writes bytes to path on the root filesystem. */
static int write_file(const char *path, const void *bytes, uint32_t n)
{
    fs_lock();
    int ino = fs_lookup(path);
    if (ino == -ENOENT)
        ino = fs_create(path, KL_TYPE_FILE);
    int r = ino < 0 ? ino : fs_truncate((uint32_t)ino, 0);
    if (r >= 0)
        r = fs_write((uint32_t)ino, 0, bytes, n);
    fs_unlock();
    return r;
}

struct test_elf {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
    uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
    uint8_t code[4];
} __attribute__((packed));

/* A minimal valid executable: one R+X segment at USER_LOAD_BASE holding an endless loop. */
static struct test_elf good_elf(void)
{
    struct test_elf e;
    memset(&e, 0, sizeof e);
    memcpy(e.ident, "\x7f" "ELF\x01\x01\x01", 7);
    e.type = 2;
    e.machine = 3;
    e.version = 1;
    e.phoff = 52;
    e.ehsize = 52;
    e.phentsize = 32;
    e.phnum = 1;
    e.p_type = 1;
    e.p_offset = 0;
    e.p_vaddr = USER_LOAD_BASE;
    e.p_filesz = e.p_memsz = sizeof e;
    e.p_flags = 5;
    e.entry = USER_LOAD_BASE + __builtin_offsetof(struct test_elf, code);
    e.code[0] = 0xEB; /* jmp $ */
    e.code[1] = 0xFE;
    return e;
}

/* Spawns /tmp/ktest-elf holding e and returns spawn's result (killing the process if it started). */
static int spawn_elf(const struct test_elf *e, uint32_t size)
{
    int r = write_file("/tmp/ktest-elf", e, size);
    if (r < 0) {
        ktest_fail("cannot write /tmp/ktest-elf: %d", r);
        return r;
    }
    char *argv[] = { "/tmp/ktest-elf", NULL };
    int pid = proc_spawn("/tmp/ktest-elf", 1, argv);
    if (pid > 0) {
        int status;
        proc_kill(pid);
        proc_wait(pid, &status);
        if (status != W_KILLED(KILL_BY_SIGNAL))
            ktest_fail("the test program ended with 0x%x", status);
    }
    return pid;
}

KTEST(elf_loader_rejects_malformed)
{
    struct test_elf e = good_elf();
    KCHECK(spawn_elf(&e, sizeof e) > 0); /* the baseline loads */
    e = good_elf(); e.ident[0] = 0x7E;            KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC);
    e = good_elf(); e.ident[4] = 2;               KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC); /* 64-bit */
    e = good_elf(); e.machine = 62;               KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC);
    e = good_elf(); e.type = 3;                   KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC);
    e = good_elf(); e.phnum = 0;                  KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC);
    e = good_elf(); e.phnum = 200;                KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC);
    e = good_elf(); e.phoff = 0xFFFFFFF0;         KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC);
    e = good_elf(); e.p_offset = 0x10000;         KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC);
    e = good_elf(); e.p_filesz = 0xFFFFFFFF;      KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC);
    e = good_elf(); e.p_vaddr = 0;                KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC); /* null page */
    e = good_elf(); e.p_vaddr = 0xC0000000;       KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC); /* kernel */
    e = good_elf(); e.p_vaddr = 0xBFFF0000;       KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC); /* the stack */
    e = good_elf(); e.p_memsz = 0xFFFFF000;       KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC); /* wraps */
    e = good_elf(); e.p_flags = 6;                KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC); /* entry not X */
    e = good_elf(); e.entry = 0x09000000;         KCHECK(spawn_elf(&e, sizeof e) == -ENOEXEC);
    e = good_elf();                               KCHECK(spawn_elf(&e, 40) == -ENOEXEC); /* truncated */
    char *argv[] = { "/tmp", NULL };
    KCHECK(proc_spawn("/tmp", 1, argv) == -EISDIR);
    KCHECK(proc_spawn("/no/such/program", 1, argv) == -ENOENT);
    fs_lock();
    fs_unlink("/tmp/ktest-elf");
    fs_unlock();
}

KTEST(spawn_frees_everything)
{
    uint32_t before = frame_free_count();
    char *argv[] = { "/bin/true", NULL };
    for (int i = 0; i < 5; i++) {
        int status = -1;
        int r = ktest_run_program("/bin/true", argv, &status);
        KCHECK(r == 0 && status == W_EXITED(0));
    }
    sched_yield();
    if (frame_free_count() != before)
        ktest_fail("%d frames leaked over 5 runs of /bin/true", (int)(before - frame_free_count()));
}

/* Only with NK=0: this relies on the double-fault task. With NK=1 the GDT and the TSS are read-only and the
 * CPU's own writes of a hardware task switch (busy bit, TSS state) would fault, so #DF is an interrupt gate
 * and a kernel stack overflow into the guard page resets the machine (docs/nested-kernel.md). */
#if !NK
static volatile int recursion_limit = 1 << 30; /* never reached: the guard page stops it first */

/* Recurses until the kernel stack runs into its guard page. */
static __attribute__((noinline)) int recurse(int depth)
{
    volatile char frame[256];
    frame[0] = (char)depth;
    if (depth >= recursion_limit)
        return 0;
    return recurse(depth + 1) + frame[0];
}

static int overflow_thread(void *arg)
{
    (void)arg;
    return recurse(0);
}

/* Where the double-fault task resumes the overflowed thread: it ends with the #DF vector. */
static void overflow_recovered(void)
{
    proc_exit(W_KILLED(8));
}

/* An overflow runs into the guard page; the #PF cannot be pushed there, so the CPU raises #DF, which goes
 * through the task gate to its own stack. Without the task, the CPU would reset. */
KTEST(kernel_stack_overflow_caught)
{
    unsigned before = double_fault_recovered();
    uint32_t f = irq_save();
    int pid = proc_spawn_kernel("ktest-overflow", overflow_thread, NULL);
    KCHECK(pid > 0);
    struct proc *t = NULL;
    for (unsigned i = 0; i < MAX_PROCS; i++)
        if (proc_table()[i].pid == pid && proc_table()[i].state != PROC_UNUSED)
            t = &proc_table()[i];
    if (t)
        double_fault_expect((uint32_t)overflow_recovered, t->kstack_top - 64);
    irq_restore(f);
    int status = 0;
    KCHECK(proc_wait(pid, &status) == pid);
    KCHECK(status == W_KILLED(8));
    KCHECK(double_fault_recovered() == before + 1);
}
#endif
