/* ata: the primary master of the PC's ATA controller (ports 0x1F0-0x1F7, 0x3F6; IRQ 14), in PIO mode
 * (ATA/ATAPI-6: IDENTIFY DEVICE, READ SECTORS, WRITE SECTORS, software reset). The host attaches a test disk
 * (test/guest/manifest.ts: 2 x 16 x 63 sectors, byte i of sector s is (s*7 + i) & 0xff). Prints only what the
 * program relies on: not the model string, which differs by design between QEMU and our machine. */
#include "guest.h"

#define DATA 0x1f0
#define ERROR 0x1f1
#define COUNT 0x1f2
#define LBA_LOW 0x1f3
#define LBA_MID 0x1f4
#define LBA_HIGH 0x1f5
#define DRIVE 0x1f6
#define COMMAND 0x1f7 /* write: command; read: status (clears INTRQ) */
#define CONTROL 0x3f6 /* write: device control; read: alternate status */
#define BSY 0x80
#define DRDY 0x40
#define DRQ 0x08
#define ERR 0x01
#define NIEN 0x02
#define SRST 0x04
#define IRQ_ATA 14

static u16 buffer[256];
static volatile u32 irqs, irq_status;

static void ata_irq(struct frame *f)
{
    (void)f;
    irqs++;
    irq_status = inb(COMMAND);
    pic_eoi(IRQ_ATA);
}

static u8 pattern(u32 sector, u32 i) { return (u8)(sector * 7 + i); }
static u8 written(u32 sector, u32 i) { return (u8)(sector * 13 + i * 3 + 0x5a); }

/* the ATA 400 ns settle, then BSY clear; returns the status, or 0xff after too long */
static u8 wait_ready(void)
{
    for (int i = 0; i < 4; i++)
        inb(CONTROL);
    for (u32 i = 0; i < 10000000; i++) {
        u8 status = inb(CONTROL);
        if (!(status & BSY))
            return status;
    }
    return 0xff;
}

static void select_lba(u32 lba, u8 count)
{
    outb(DRIVE, 0xe0 | ((lba >> 24) & 0x0f));
    wait_ready();
    outb(COUNT, count);
    outb(LBA_LOW, (u8)lba);
    outb(LBA_MID, (u8)(lba >> 8));
    outb(LBA_HIGH, (u8)(lba >> 16));
}

static void read_block(void)
{
    for (int i = 0; i < 256; i++)
        buffer[i] = inw(DATA);
}

static const u8 *bytes(void) { return (const u8 *)buffer; }

/* prints the first bytes and whether all 512 follow expect(sector, i) */
static void check_sector(const char *label, u32 sector, u8 (*expect)(u32, u32))
{
    u32 bad = 0;
    for (u32 i = 0; i < 512; i++)
        if (bytes()[i] != expect(sector, i))
            bad++;
    printf("  %s sector %u:", label, sector);
    for (int i = 0; i < 8; i++)
        printf(" %02x", bytes()[i]);
    printf(" ... %s\n", bad ? "MISMATCH" : "matches");
}

static void identify(void)
{
    outb(DRIVE, 0xa0);
    wait_ready();
    outb(COMMAND, 0xec);
    u8 status = wait_ready();
    printf("identify: status DRQ=%u ERR=%u\n", !!(status & DRQ), status & ERR);
    read_block();
    status = wait_ready();
    printf("  ata device: %u\n", !(buffer[0] & 0x8000));
    printf("  geometry: %u cylinders, %u heads, %u sectors per track\n", buffer[1], buffer[3], buffer[6]);
    printf("  lba supported: %u\n", !!(buffer[49] & 0x0200));
    printf("  lba28 sectors: %u\n", buffer[60] | ((u32)buffer[61] << 16));
    printf("  after the data: BSY=%u DRQ=%u\n", !!(status & BSY), !!(status & DRQ));
}

static void read_sectors(u32 lba, u32 count, u8 (*expect)(u32, u32), const char *label)
{
    select_lba(lba, (u8)count);
    outb(COMMAND, 0x20);
    printf("read %u sector(s) at lba %u:\n", count, lba);
    for (u32 s = 0; s < count; s++) {
        u8 status = wait_ready();
        if (!(status & DRQ) || (status & ERR)) {
            printf("  no data: status 0x%02x\n", status);
            return;
        }
        read_block();
        check_sector(label, lba + s, expect);
    }
    u8 status = wait_ready();
    printf("  done: BSY=%u DRQ=%u ERR=%u\n", !!(status & BSY), !!(status & DRQ), status & ERR);
}

static void write_sectors(u32 lba, u32 count)
{
    select_lba(lba, (u8)count);
    outb(COMMAND, 0x30);
    for (u32 s = 0; s < count; s++) {
        u8 status = wait_ready();
        if (!(status & DRQ) || (status & ERR)) {
            printf("write: no data request: status 0x%02x\n", status);
            return;
        }
        for (u32 i = 0; i < 256; i++)
            outw(DATA, (u16)(written(lba + s, 2 * i) | (written(lba + s, 2 * i + 1) << 8)));
    }
    u8 status = wait_ready();
    printf("write %u sector(s) at lba %u: BSY=%u DRQ=%u ERR=%u\n", count, lba, !!(status & BSY), !!(status & DRQ),
           status & ERR);
}

static void read_chs(u32 cylinder, u32 head, u32 sector)
{
    outb(DRIVE, 0xa0 | (head & 0x0f));
    wait_ready();
    outb(COUNT, 1);
    outb(LBA_LOW, (u8)sector);
    outb(LBA_MID, (u8)cylinder);
    outb(LBA_HIGH, (u8)(cylinder >> 8));
    outb(COMMAND, 0x20);
    u8 status = wait_ready();
    u32 lba = (cylinder * 16 + head) * 63 + sector - 1;
    printf("read chs %u/%u/%u (lba %u with 16 heads, 63 sectors):\n", cylinder, head, sector, lba);
    if (!(status & DRQ)) {
        printf("  no data: status 0x%02x\n", status);
        return;
    }
    read_block();
    check_sector("chs", lba, pattern);
}

static void errors(void)
{
    select_lba(100000, 1);
    outb(COMMAND, 0x20);
    u8 status = wait_ready();
    u8 error = inb(ERROR);
    printf("read past the end: ERR=%u DRQ=%u error has ABRT or IDNF: %u\n", status & ERR, !!(status & DRQ),
           !!(error & 0x14));
    outb(DRIVE, 0xa0);
    wait_ready();
    outb(COMMAND, 0xff); /* no such command */
    status = wait_ready();
    error = inb(ERROR);
    printf("unknown command 0xff: ERR=%u ABRT=%u\n", status & ERR, !!(error & 0x04));
}

static void software_reset(void)
{
    outb(CONTROL, SRST | NIEN);
    for (int i = 0; i < 100; i++)
        inb(CONTROL);
    outb(CONTROL, NIEN);
    u8 status = wait_ready();
    printf("software reset: BSY=%u signature count=%u lba=%02x %02x %02x\n", !!(status & BSY), inb(COUNT),
           inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH));
}

static void wait_irq(u32 n)
{
    for (u32 i = 0; i < 10000000 && irqs < n; i++)
        __asm__ volatile("sti; nop; cli");
}

/* the same transfers, paced by IRQ 14: one interrupt per sector; reading the status register acknowledges it */
static void with_interrupts(void)
{
    set_handler(IRQ_BASE + IRQ_ATA, ata_irq);
    pic_set_mask((u16) ~((1u << 2) | (1u << IRQ_ATA)));
    outb(CONTROL, 0x00); /* nIEN = 0 */
    irqs = 0;
    select_lba(10, 2);
    outb(COMMAND, 0x20);
    printf("read 2 sectors at lba 10 with interrupts:\n");
    for (u32 s = 0; s < 2; s++) {
        wait_irq(s + 1);
        printf("  irq %u: status DRQ=%u ERR=%u\n", irqs, !!(irq_status & DRQ), irq_status & ERR);
        read_block();
        check_sector("irq", 10 + s, pattern);
    }
    wait_ready();
    irqs = 0;
    select_lba(20, 2);
    outb(COMMAND, 0x30);
    for (u32 s = 0; s < 2; s++) {
        if (s > 0)
            wait_irq(s);
        else
            wait_ready();
        for (u32 i = 0; i < 256; i++)
            outw(DATA, (u16)(written(20 + s, 2 * i) | (written(20 + s, 2 * i + 1) << 8)));
    }
    wait_irq(2);
    printf("write 2 sectors at lba 20 with interrupts: %u irqs, last status ERR=%u DRQ=%u\n", irqs,
           irq_status & ERR, !!(irq_status & DRQ));
    outb(CONTROL, NIEN);
    pic_set_mask(0xffff);
    set_handler(IRQ_BASE + IRQ_ATA, 0);
    read_sectors(20, 2, written, "irq-written");
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("ata: begin\n");
    outb(CONTROL, NIEN); /* polling first */
    identify();
    read_sectors(0, 1, pattern, "original");
    read_sectors(5, 3, pattern, "original");
    write_sectors(1, 4);
    read_sectors(1, 4, written, "written");
    read_sectors(5, 1, pattern, "original");
    read_chs(0, 0, 1);
    read_chs(0, 1, 1);
    read_chs(1, 0, 5);
    errors();
    software_reset();
    with_interrupts();
    puts("ata: end\n");
}
