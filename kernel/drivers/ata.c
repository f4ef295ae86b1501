/* The ATA disk: PIO, LBA28, polled, primary channel master only (ports 0x1F0-0x1F7, control
 * 0x3F6). Interrupts are masked at the drive (nIEN), so IRQ 14 never fires. Every wait polls the
 * alternate status register with a bounded number of reads, so a dead or absent drive gives -EIO
 * (or no device at probe) instead of a hang. */
#include <kernel/ata.h>
#include <kernel/lib.h>
#include <kernel/x86.h>
#include <uapi/errno.h>

#define ATA_BASE      0x1f0
#define ATA_DATA      (ATA_BASE + 0)
#define ATA_ERROR     (ATA_BASE + 1)
#define ATA_COUNT     (ATA_BASE + 2)
#define ATA_LBA0      (ATA_BASE + 3)
#define ATA_LBA1      (ATA_BASE + 4)
#define ATA_LBA2      (ATA_BASE + 5)
#define ATA_DRIVE     (ATA_BASE + 6)
#define ATA_STATUS    (ATA_BASE + 7) /* reading it acknowledges an interrupt */
#define ATA_COMMAND   (ATA_BASE + 7)
#define ATA_CONTROL   0x3f6          /* write: device control */
#define ATA_ALTSTATUS 0x3f6          /* read: status without side effects */

#define ST_ERR  0x01
#define ST_DRQ  0x08
#define ST_DF   0x20
#define ST_DRDY 0x40
#define ST_BSY  0x80

#define CTL_NIEN 0x02

#define CMD_READ_SECTORS  0x20
#define CMD_WRITE_SECTORS 0x30
#define CMD_FLUSH_CACHE   0xe7
#define CMD_IDENTIFY      0xec

#define DRIVE_MASTER_CHS 0xa0
#define DRIVE_MASTER_LBA 0xe0

#define LBA28_LIMIT   (1u << 28)
#define MAX_PER_CMD   256u          /* a sector count of 0 means 256 */
#define SPIN_LIMIT    4000000u      /* status reads before a wait gives up (seconds on real ISA timing) */

static struct blockdev ata0;
static int probed;

/* Waits about 400 ns (four alternate-status reads), as the drive needs after a select or command. */
static void ata_delay400(void)
{
    for (int i = 0; i < 4; i++)
        (void)inb(ATA_ALTSTATUS);
}

/* Waits until BSY clears; returns the status, or -EIO after SPIN_LIMIT reads. */
static int ata_wait_not_busy(const char *what)
{
    for (uint32_t spin = 0; spin < SPIN_LIMIT; spin++) {
        uint8_t st = inb(ATA_ALTSTATUS);
        if (!(st & ST_BSY))
            return st;
    }
    kprintf("ata0: timeout waiting for %s (status 0x%x)\n", what, inb(ATA_ALTSTATUS));
    return -EIO;
}

/* Waits until the drive is ready to move a sector (BSY clear, DRQ set); -EIO on ERR/DF or timeout. */
static int ata_wait_data(const char *what)
{
    for (uint32_t spin = 0; spin < SPIN_LIMIT; spin++) {
        uint8_t st = inb(ATA_ALTSTATUS);
        if (st & ST_BSY)
            continue;
        if (st & (ST_ERR | ST_DF)) {
            kprintf("ata0: %s failed: status 0x%x error 0x%x\n", what, st, inb(ATA_ERROR));
            return -EIO;
        }
        if (st & ST_DRQ)
            return 0;
    }
    kprintf("ata0: timeout waiting for data for %s (status 0x%x)\n", what, inb(ATA_ALTSTATUS));
    return -EIO;
}

/* Waits for the end of a command; -EIO if the drive reports an error. */
static int ata_wait_done(const char *what)
{
    int st = ata_wait_not_busy(what);
    if (st < 0)
        return st;
    if (st & (ST_ERR | ST_DF)) {
        kprintf("ata0: %s failed: status 0x%x error 0x%x\n", what, st, inb(ATA_ERROR));
        return -EIO;
    }
    (void)inb(ATA_STATUS); /* clear any pending interrupt condition */
    return 0;
}

/* Reads one 512-byte sector from the data port into buf (any alignment). */
static void ata_read_sector_data(uint8_t *buf)
{
    for (int i = 0; i < SECTOR_SIZE / 2; i++) {
        uint16_t w = inw(ATA_DATA);
        buf[2 * i] = (uint8_t)w;
        buf[2 * i + 1] = (uint8_t)(w >> 8);
    }
}

/* Writes one 512-byte sector from buf to the data port. */
static void ata_write_sector_data(const uint8_t *buf)
{
    for (int i = 0; i < SECTOR_SIZE / 2; i++)
        outw(ATA_DATA, (uint16_t)(buf[2 * i] | buf[2 * i + 1] << 8));
}

/* Selects the master in LBA mode and issues command for count (1..256) sectors at lba. */
static int ata_issue(uint8_t command, uint32_t lba, uint32_t count)
{
    int r = ata_wait_not_busy("the drive before a command");
    if (r < 0)
        return r;
    outb(ATA_DRIVE, (uint8_t)(DRIVE_MASTER_LBA | ((lba >> 24) & 0x0f)));
    ata_delay400();
    if ((r = ata_wait_not_busy("the drive select")) < 0)
        return r;
    outb(ATA_COUNT, (uint8_t)(count == MAX_PER_CMD ? 0 : count));
    outb(ATA_LBA0, (uint8_t)lba);
    outb(ATA_LBA1, (uint8_t)(lba >> 8));
    outb(ATA_LBA2, (uint8_t)(lba >> 16));
    outb(ATA_COMMAND, command);
    ata_delay400();
    return 0;
}

/* Checks that sectors [lba, lba + count) lie on the disk. */
static int ata_in_range(const struct blockdev *dev, uint32_t lba, uint32_t count)
{
    return lba <= dev->sectors && count <= dev->sectors - lba;
}

/* Reads count sectors at lba into buf. */
static int ata_read(struct blockdev *dev, uint32_t lba, uint32_t count, void *buf)
{
    if (!ata_in_range(dev, lba, count))
        return -EINVAL;
    uint8_t *p = buf;
    while (count > 0) {
        uint32_t n = count < MAX_PER_CMD ? count : MAX_PER_CMD;
        int r = ata_issue(CMD_READ_SECTORS, lba, n);
        for (uint32_t i = 0; r == 0 && i < n; i++, p += SECTOR_SIZE)
            if ((r = ata_wait_data("read")) == 0)
                ata_read_sector_data(p);
        if (r < 0 || (r = ata_wait_done("read")) < 0)
            return r;
        lba += n;
        count -= n;
    }
    return 0;
}

/* Writes count sectors from buf at lba, then flushes the drive's write cache. */
static int ata_write(struct blockdev *dev, uint32_t lba, uint32_t count, const void *buf)
{
    if (!ata_in_range(dev, lba, count))
        return -EINVAL;
    const uint8_t *p = buf;
    while (count > 0) {
        uint32_t n = count < MAX_PER_CMD ? count : MAX_PER_CMD;
        int r = ata_issue(CMD_WRITE_SECTORS, lba, n);
        for (uint32_t i = 0; r == 0 && i < n; i++, p += SECTOR_SIZE)
            if ((r = ata_wait_data("write")) == 0)
                ata_write_sector_data(p);
        if (r < 0 || (r = ata_wait_done("write")) < 0)
            return r;
        lba += n;
        count -= n;
    }
    int r = ata_wait_not_busy("the drive before a flush");
    if (r < 0)
        return r;
    outb(ATA_DRIVE, DRIVE_MASTER_LBA);
    outb(ATA_COMMAND, CMD_FLUSH_CACHE);
    ata_delay400();
    return ata_wait_done("cache flush");
}

/* Runs IDENTIFY DEVICE on the master into words; 0, or -EIO with a line saying why not. */
static int ata_identify(uint16_t words[256])
{
    if (inb(ATA_ALTSTATUS) == 0xff) {
        kprintf("ata0: no controller (floating bus)\n");
        return -EIO;
    }
    outb(ATA_CONTROL, CTL_NIEN);
    outb(ATA_DRIVE, DRIVE_MASTER_CHS);
    ata_delay400();
    outb(ATA_COUNT, 0);
    outb(ATA_LBA0, 0);
    outb(ATA_LBA1, 0);
    outb(ATA_LBA2, 0);
    outb(ATA_COMMAND, CMD_IDENTIFY);
    ata_delay400();
    if (inb(ATA_ALTSTATUS) == 0) {
        kprintf("ata0: no drive\n");
        return -EIO;
    }
    int st = ata_wait_not_busy("IDENTIFY");
    if (st < 0)
        return st;
    if (inb(ATA_LBA1) != 0 || inb(ATA_LBA2) != 0) {
        kprintf("ata0: not an ATA disk (signature 0x%x%x; ATAPI or SATA)\n", inb(ATA_LBA2), inb(ATA_LBA1));
        return -EIO;
    }
    if (ata_wait_data("IDENTIFY") < 0)
        return -EIO;
    for (int i = 0; i < 256; i++)
        words[i] = inw(ATA_DATA);
    return ata_wait_done("IDENTIFY");
}

/* Copies the model string (IDENTIFY words 27-46, two characters per word, high byte first). */
static void ata_model(const uint16_t words[256], char model[41])
{
    for (int i = 0; i < 20; i++) {
        model[2 * i] = (char)(words[27 + i] >> 8);
        model[2 * i + 1] = (char)words[27 + i];
    }
    int end = 40;
    while (end > 0 && (model[end - 1] == ' ' || model[end - 1] == 0))
        end--;
    model[end] = 0;
}

/* Probes the primary master and returns it as "ata0", or NULL with one line saying why. */
struct blockdev *ata_init(void)
{
    static uint16_t words[256];
    if (probed)
        return ata0.sectors ? &ata0 : NULL;
    probed = 1;
    if (ata_identify(words) < 0)
        return NULL;
    uint32_t sectors = (uint32_t)words[60] | (uint32_t)words[61] << 16;
    if (!(words[49] & (1u << 9)) || sectors == 0) {
        kprintf("ata0: the disk does not support LBA\n");
        return NULL;
    }
    if (sectors > LBA28_LIMIT)
        sectors = LBA28_LIMIT;
    char model[41];
    ata_model(words, model);
    ata0.name = "ata0";
    ata0.sectors = sectors;
    ata0.read = ata_read;
    ata0.write = ata_write;
    ata0.priv = NULL;
    kprintf("ata0: %s, %u sectors (%u KiB), PIO LBA28\n", model[0] ? model : "(no model)", sectors, sectors / 2);
    return &ata0;
}
