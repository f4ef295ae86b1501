/* The VGA 80x25 text console at physical 0xB8000 (through the kernel's direct map), with scrolling
 * and the hardware cursor (CRTC registers 0x0E/0x0F). */
#include <kernel/vga.h>
#include <kernel/lib.h>
#include <kernel/x86.h>
#include <kernel/paging.h>

#define COLS 80
#define ROWS 25
#define ATTR 0x0700u

static uint16_t *const screen = (uint16_t *)(KERNEL_VMA + 0xB8000);
static unsigned row, col;

/* Moves the hardware cursor to (row, col). */
static void update_cursor(void)
{
    unsigned pos = row * COLS + col;
    outb(0x3D4, 0x0F);
    outb(0x3D5, (uint8_t)pos);
    outb(0x3D4, 0x0E);
    outb(0x3D5, (uint8_t)(pos >> 8));
}

/* Moves every line up one and blanks the last. */
static void scroll(void)
{
    memmove(screen, screen + COLS, (ROWS - 1) * COLS * 2);
    for (unsigned i = 0; i < COLS; i++)
        screen[(ROWS - 1) * COLS + i] = ATTR | ' ';
    row = ROWS - 1;
}

void vga_init(void)
{
    for (unsigned i = 0; i < COLS * ROWS; i++)
        screen[i] = ATTR | ' ';
    row = col = 0;
    update_cursor();
}

void vga_putc(char c)
{
    switch (c) {
    case '\n':
        col = 0;
        row++;
        break;
    case '\r':
        col = 0;
        break;
    case '\b':
        if (col > 0)
            col--;
        break;
    case '\t':
        col = (col + 8) & ~7u;
        break;
    default:
        screen[row * COLS + col] = ATTR | (uint8_t)c;
        col++;
        break;
    }
    if (col >= COLS) {
        col = 0;
        row++;
    }
    if (row >= ROWS)
        scroll();
    update_cursor();
}
