/* hb_server baseline|privuser: a "TLS-like" server for the Heartbleed demo (hb_proto.h). It loads a
 * 32-byte private signing key from /tmp/hb.key and answers records on standard input.
 *   baseline  the key lives in an ordinary heap block, allocated right after the record buffer
 *   privuser  the key lives in PrivUser (LOTRx86); signing is a secret function called with privcall
 * Both have the same heartbeat bug: the reply copies as many bytes as the request claims, not as many
 * as it sent, so a short heartbeat with a large claimed length reads on past the record buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kernelist.h>
#include <privuser.h>
#include "hb_proto.h"

enum { HB_INSTALL_KEY = 1, HB_SIGN = 2 };

PRIVUSER_DATA static uint8_t priv_key[HB_KEY_LEN];

PRIVUSER_FN static int priv_install_key(uint32_t key, uint32_t b, uint32_t c)
{
    (void)b, (void)c;
    priv_memcpy(priv_key, (const void *)key, HB_KEY_LEN);
    return 0;
}

PRIVUSER_FN static int priv_sign(uint32_t msg, uint32_t len, uint32_t sig)
{
    hb_sign(priv_key, (const uint8_t *)msg, len, (uint8_t *)sig);
    return HB_SIG_LEN;
}

PRIVCALL_EXPORT(HB_INSTALL_KEY, priv_install_key, PRIV_IN, HB_KEY_LEN, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(HB_SIGN, priv_sign, PRIV_IN | PRIV_LEN_FROM_ARG, 1, PRIV_VAL, 0, PRIV_OUT, HB_SIG_LEN);

/* Reads exactly n bytes from fd: 0, or -1 at end of file or on error. */
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

static int write_full(int fd, const void *buf, unsigned n)
{
    for (unsigned done = 0; done < n;) {
        int r = sys_write(fd, (const char *)buf + done, n - done);
        if (r <= 0)
            return -1;
        done += (unsigned)r;
    }
    return 0;
}

/* Sends a record of type with payload parts a (na bytes) and b (nb bytes). */
static int send_record(char type, const void *a, unsigned na, const void *b, unsigned nb)
{
    uint8_t h[3] = { (uint8_t)type, (uint8_t)(na + nb), (uint8_t)((na + nb) >> 8) };
    return write_full(1, h, 3) || write_full(1, a, na) || (nb && write_full(1, b, nb)) ? -1 : 0;
}

int main(int argc, char **argv)
{
    int privuser = argc == 2 && !strcmp(argv[1], "privuser");
    if (argc != 2 || (!privuser && strcmp(argv[1], "baseline"))) {
        dprintf(2, "usage: hb_server baseline|privuser\n");
        return 2;
    }
    uint8_t *record = malloc(HB_RECORD_MAX); /* the record buffer the over-read starts from */
    uint8_t *key = NULL;
    uint8_t loaded[HB_KEY_LEN];
    int fd = sys_open(HB_KEY_PATH, O_RDONLY);
    if (!record || fd < 0 || read_full(fd, loaded, HB_KEY_LEN) < 0) {
        dprintf(2, "hb_server: cannot load %s\n", HB_KEY_PATH);
        return 1;
    }
    sys_close(fd);
    if (privuser) {
        if (privcall(HB_INSTALL_KEY, (uint32_t)loaded, 0, 0) != 0) {
            dprintf(2, "hb_server: privcall(install key) failed\n");
            return 1;
        }
    } else {
        key = malloc(HB_KEY_LEN); /* right after the record buffer, as heap secrets were in OpenSSL */
        if (!key)
            return 1;
        memcpy(key, loaded, HB_KEY_LEN);
    }
    for (volatile uint8_t *p = loaded; p < loaded + HB_KEY_LEN; p++)
        *p = 0; /* the file's copy on the stack is wiped in both variants */
    for (;;) {
        uint8_t h[3];
        if (read_full(0, h, 3) < 0)
            return 0;
        unsigned len = h[1] | (unsigned)h[2] << 8;
        if (len > HB_RECORD_MAX || read_full(0, record, len) < 0)
            return 1;
        if (h[0] == 'Q')
            return 0;
        if (h[0] == 'S') {
            uint8_t sig[HB_SIG_LEN];
            if (privuser) {
                if (privcall(HB_SIGN, (uint32_t)record, len, (uint32_t)sig) != HB_SIG_LEN)
                    return 1;
            } else {
                hb_sign(key, record, len, sig);
            }
            send_record('s', sig, HB_SIG_LEN, NULL, 0);
        } else if (h[0] == 'H' && len >= 2) {
            unsigned claimed = record[0] | (unsigned)record[1] << 8;
            uint8_t *reply = malloc(claimed + 2);
            if (!reply)
                return 1;
            memcpy(reply, record, 2);
            memcpy(reply + 2, record + 2, claimed); /* THE BUG: claimed, not len - 2 */
            send_record('h', reply, claimed + 2, NULL, 0);
            free(reply);
        } else {
            return 1;
        }
    }
}
