/* audit [-a | N]: the nested kernel's append-only audit log of system calls and privcalls (SYS_audit):
 * the last N records (default 20), or all with -a. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kernelist.h>

int main(int argc, char **argv)
{
    int want = 20;
    if (argc == 2 && strcmp(argv[1], "-a") == 0)
        want = -1;
    else if (argc == 2 && argv[1][0] >= '0' && argv[1][0] <= '9')
        want = atoi(argv[1]);
    else if (argc != 1) {
        fprintf(stderr, "usage: audit [-a | N]\n");
        return 2;
    }
    int n = sys_call(SYS_audit, -1, 0, 0, 0, 0);
    if (n < 0) {
        fprintf(stderr, "audit: error %d\n", n);
        return 1;
    }
    if (n == 0) {
        printf("audit: the log is empty (booted with audit=off?)\n");
        return 0;
    }
    int first = want < 0 || want >= n ? 0 : n - want;
    printf("audit: %d records (append-only, kept by the nested kernel); showing %d\n", n, n - first);
    for (int i = first; i < n; i++) {
        struct kl_audit_record r;
        if (sys_call(SYS_audit, i, (int)&r, 0, 0, 0) != 1)
            break;
        printf("%6u pid %3d %s %u\n", r.seq, r.pid, r.kind == KL_AUDIT_PRIVCALL ? "privcall" : "syscall ", r.number);
    }
    return 0;
}
