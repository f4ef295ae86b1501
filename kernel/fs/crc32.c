/* CRC-32 for the KFS superblock checksum (docs/kfs.md): reflected polynomial 0xEDB88320, computed
 * bit by bit (only 60 bytes are checked, at mount, so no table is needed). */
#include "kfs.h"

/* CRC-32 (IEEE 802.3, as zlib) of n bytes. */
uint32_t kfs_crc32(const void *data, uint32_t n)
{
    const uint8_t *p = data;
    uint32_t crc = 0xffffffffu;
    for (uint32_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
    }
    return crc ^ 0xffffffffu;
}
