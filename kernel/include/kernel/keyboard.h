/* The PS/2 keyboard (drivers/keyboard.c): scan code set 1 to ASCII, into console_input. */
#ifndef KERNELIST_KEYBOARD_H
#define KERNELIST_KEYBOARD_H

#include <stdint.h>

/* Empties the controller's buffer and unmasks IRQ 1. */
void keyboard_init(void);
/* The ASCII for scan code (set 1) with the current modifiers, or 0; updates shift/ctrl/caps state. */
char keyboard_translate(uint8_t scancode);

#endif
