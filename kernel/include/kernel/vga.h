/* The VGA 80x25 text console (drivers/vga.c). */
#ifndef KERNELIST_VGA_H
#define KERNELIST_VGA_H

/* Clears the screen and homes the cursor. */
void vga_init(void);
/* Draws one character (\n, \r, \b and \t understood), scrolling at the bottom. */
void vga_putc(char c);

#endif
