/* The Heartbleed demo's wire format and signature (hb_server.c, hb_client.c, hb_demo.c; docs/lotrx86.md).
 * A record is: type (1 byte), length (2 bytes, little-endian), then length bytes of payload.
 *   'S' message          -> 's' + the 16-byte signature of message
 *   'H' claimed(2) data  -> 'h' + claimed(2) + claimed bytes "echoed" from data: the server trusts claimed,
 *                           which is the Heartbleed bug (CVE-2014-0160)
 *   'Q'                  -> the server exits
 * The signature is a toy keyed hash (public algorithm, 32-byte key, 16-byte tag), not real cryptography:
 * what matters is that the attacker can check a candidate key against a signature it was given. */
#ifndef KL_HB_PROTO_H
#define KL_HB_PROTO_H

#include <stdint.h>

#define HB_KEY_LEN 32
#define HB_SIG_LEN 16
#define HB_RECORD_MAX 1024
#define HB_KEY_PATH "/tmp/hb.key"

/* Mixes one 32-bit word into a 4-word state. */
static inline __attribute__((always_inline)) void hb_mix(uint32_t s[4], uint32_t w)
{
    s[0] += w;
    s[1] ^= s[0] * 0x9E3779B1u;
    s[1] = (s[1] << 13) | (s[1] >> 19);
    s[2] += s[1] ^ (s[3] >> 7);
    s[3] ^= s[2] * 0x85EBCA77u + w;
    s[0] = (s[0] << 7) ^ s[3];
}

/* sig = MAC(key, msg). always_inline: a PRIVUSER_FN that calls it gets its own copy in PrivUser. */
static inline __attribute__((always_inline)) void hb_sign(const uint8_t *key, const uint8_t *msg, uint32_t len,
                                                          uint8_t *sig)
{
    uint32_t s[4] = { 0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au };
    for (int r = 0; r < 2; r++) {
        for (uint32_t i = 0; i < HB_KEY_LEN; i += 4)
            hb_mix(s, (uint32_t)key[i] | (uint32_t)key[i + 1] << 8 | (uint32_t)key[i + 2] << 16 |
                          (uint32_t)key[i + 3] << 24);
        if (r == 0) {
            for (uint32_t i = 0; i < len; i++)
                hb_mix(s, msg[i] + 0x100u * i);
            hb_mix(s, len);
        }
    }
    for (int i = 0; i < 4; i++) {
        hb_mix(s, (uint32_t)i);
        sig[4 * i] = (uint8_t)s[0];
        sig[4 * i + 1] = (uint8_t)(s[0] >> 8);
        sig[4 * i + 2] = (uint8_t)(s[0] >> 16);
        sig[4 * i + 3] = (uint8_t)(s[0] >> 24);
    }
}

#endif
