/* hb_demo: the Heartbleed demo (docs/lotrx86.md). Writes a fresh 32-byte key to /tmp/hb.key, then for
 * each server variant (baseline: key in the heap; privuser: key in LOTRx86's PrivUser) runs hb_server
 * and the attacker hb_client connected by two pipes, grades what the attacker reports against the real
 * key, and prints a verdict table ending with the two lines
 *   heartbleed baseline: leaked N/32 key bytes
 *   heartbleed privuser: leaked N/32 key bytes
 * Exit 0 when the verdicts hold (baseline N > 0, privuser N = 0, honest signing correct in both), else 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kernelist.h>
#include "hb_proto.h"

struct verdict {
    int ran, sign_ok, key_found;
    unsigned leaked, key_bytes;
};

static const uint8_t message[] = "attack at dawn";

/* Parses 2n hex digits at s into out: 0, or -1. */
static int unhex(const char *s, uint8_t *out, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        char d[3] = { s[2 * i], s[2 * i + 1], 0 };
        char *end;
        if (!d[0] || !d[1])
            return -1;
        out[i] = (uint8_t)strtoul(d, &end, 16);
        if (*end)
            return -1;
    }
    return 0;
}

/* Spawns argv with fds 0 and 1 (and 3 when fd3 >= 0) redirected; its pid or -errno. */
static int spawn_with(char *const argv[], int in, int out, int fd3)
{
    sys_dup2(0, 10);
    sys_dup2(1, 11);
    sys_dup2(in, 0);
    sys_dup2(out, 1);
    if (fd3 >= 0)
        sys_dup2(fd3, 3);
    int pid = sys_spawn(argv[0], argv);
    sys_dup2(10, 0);
    sys_dup2(11, 1);
    sys_close(10);
    sys_close(11);
    if (fd3 >= 0)
        sys_close(3);
    return pid;
}

/* Runs one variant against the attacker and grades it against key. */
static struct verdict run_variant(const char *variant, const uint8_t *key)
{
    struct verdict v = { 0, 0, 0, 0, 0 };
    int req[2], resp[2], res[2];
    if (sys_pipe(req) < 0 || sys_pipe(resp) < 0)
        return v;
    char *server_argv[] = { "/bin/hb_server", (char *)variant, NULL };
    int server = spawn_with(server_argv, req[0], resp[1], -1);
    if (sys_pipe(res) < 0) /* after the server: it must not hold the results pipe open */
        return v;
    char *client_argv[] = { "/bin/hb_client", NULL };
    int client = spawn_with(client_argv, resp[0], req[1], res[1]);
    sys_close(req[0]);
    sys_close(req[1]);
    sys_close(resp[0]);
    sys_close(resp[1]);
    sys_close(res[1]);
    if (server < 0 || client < 0) {
        dprintf(2, "hb_demo: cannot start the %s pair (%d, %d)\n", variant, server, client);
        return v;
    }
    char report[512];
    int len = 0;
    for (;;) {
        int n = sys_read(res[0], report + len, sizeof report - 1 - len);
        if (n <= 0)
            break;
        len += n;
    }
    report[len] = 0;
    sys_close(res[0]);
    int status;
    sys_wait(client, &status);
    sys_kill(server); /* it has exited on 'Q' unless something went wrong */
    sys_wait(server, &status);
    v.ran = 1;
    uint8_t sig[HB_SIG_LEN], want[HB_SIG_LEN], found[HB_KEY_LEN];
    hb_sign(key, message, sizeof message - 1, want);
    for (char *line = report; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (!strncmp(line, "sig ", 4) && unhex(line + 4, sig, HB_SIG_LEN) == 0)
            v.sign_ok = memcmp(sig, want, HB_SIG_LEN) == 0;
        else if (!strncmp(line, "leaked ", 7))
            v.leaked = (unsigned)strtoul(line + 7, NULL, 10);
        else if (!strncmp(line, "key ", 4) && strcmp(line + 4, "none") && unhex(line + 4, found, HB_KEY_LEN) == 0) {
            v.key_found = 1;
            for (unsigned i = 0; i < HB_KEY_LEN; i++)
                v.key_bytes += found[i] == key[i];
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    return v;
}

int main(void)
{
    uint8_t key[HB_KEY_LEN];
    uint32_t seed = (uint32_t)sys_time() * 2654435761u ^ (uint32_t)sys_uptime() * 40503u ^ (uint32_t)sys_getpid();
    for (unsigned i = 0; i < HB_KEY_LEN; i++) {
        seed = seed * 1103515245u + 12345u;
        key[i] = (uint8_t)(seed >> 23);
    }
    int fd = sys_open(HB_KEY_PATH, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0 || sys_write(fd, key, HB_KEY_LEN) != HB_KEY_LEN) {
        dprintf(2, "hb_demo: cannot write %s\n", HB_KEY_PATH);
        return 1;
    }
    sys_close(fd);
    static const char *const variants[2] = { "baseline", "privuser" };
    struct verdict v[2];
    for (int i = 0; i < 2; i++)
        v[i] = run_variant(variants[i], key);
    sys_unlink(HB_KEY_PATH);
    printf("heartbleed demo: %u-byte signing key; the attacker sends heartbeats that claim more than they carry\n",
           HB_KEY_LEN);
    printf("%-10s %-14s %-14s %-14s %s\n", "server", "key lives in", "honest sign", "bytes leaked", "key recovered");
    for (int i = 0; i < 2; i++)
        printf("%-10s %-14s %-14s %-14u %s\n", variants[i], i ? "PrivUser" : "heap", !v[i].ran ? "did not run"
               : v[i].sign_ok ? "correct" : "WRONG", v[i].leaked, v[i].key_found ? "yes" : "no");
    for (int i = 0; i < 2; i++)
        printf("heartbleed %s: leaked %u/%u key bytes\n", variants[i], v[i].key_bytes, HB_KEY_LEN);
    int ok = v[0].ran && v[1].ran && v[0].sign_ok && v[1].sign_ok && v[0].key_bytes > 0 && v[1].key_bytes == 0 &&
             v[1].leaked > 0;
    return ok ? 0 : 1;
}
