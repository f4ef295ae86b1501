/* ps: lists the processes from procinfo(): pid, parent, state, user memory and name. */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <kernelist.h>

#define MAX_SLOTS 4096 /* far more than the kernel's process table; stops a runaway loop */

/* procinfo(i) describes the i-th live process: indices are dense, and 0 means past the last one. */

static const char *state_name(unsigned state)
{
    switch (state) {
    case KL_PROC_RUNNABLE: return "run";
    case KL_PROC_SLEEPING: return "sleep";
    case KL_PROC_BLOCKED: return "blocked";
    case KL_PROC_ZOMBIE: return "zombie";
    default: return "?";
    }
}

int main(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: ps\n");
        return 2;
    }
    printf("  PID  PPID STATE      MEM NAME\n");
    for (int i = 0; i < MAX_SLOTS; i++) {
        struct kl_procinfo p;
        int r = procinfo(i, &p);
        if (r < 0) {
            if (errno == EINVAL || errno == ESRCH)
                break; /* past the end of the table */
            perror("ps: procinfo");
            return 1;
        }
        if (r == 0)
            break;
        p.name[sizeof p.name - 1] = 0;
        printf("%5d %5d %-7s %5uK %s\n", p.pid, p.parent, state_name(p.state), p.memory_kib, p.name);
    }
    return 0;
}
