/* The PS/2 keyboard on IRQ 1: scan code set 1 (what the 8042 hands us by default) to ASCII, with
 * shift, ctrl and caps lock. Keys without an ASCII meaning (arrows, F keys) are ignored. */
#include <kernel/keyboard.h>
#include <kernel/console.h>
#include <kernel/irq.h>
#include <kernel/x86.h>
#include <kernel/lib.h>

#define KBD_DATA 0x60
#define KBD_STATUS 0x64
#define KBD_IRQ 1

/* Set 1 make codes 0x00-0x39 without and with shift. */
static const char plain[0x3A] = {
    0, 27, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
    'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0, 'a', 's',
    'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
    'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char shifted[0x3A] = {
    0, 27, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
    'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0, 'A', 'S',
    'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
    'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

#define SC_LSHIFT 0x2A
#define SC_RSHIFT 0x36
#define SC_CTRL   0x1D
#define SC_CAPS   0x3A
#define SC_EXTENDED 0xE0

static bool shift, ctrl, caps, extended;

char keyboard_translate(uint8_t sc)
{
    if (sc == SC_EXTENDED) {
        extended = true;
        return 0;
    }
    bool was_extended = extended;
    extended = false;
    bool release = (sc & 0x80) != 0;
    uint8_t code = sc & 0x7F;
    if (code == SC_LSHIFT || code == SC_RSHIFT) {
        if (!was_extended) /* E0 2A is a fake shift sent around some keys */
            shift = !release;
        return 0;
    }
    if (code == SC_CTRL) { /* left ctrl, or right ctrl with E0 */
        ctrl = !release;
        return 0;
    }
    if (release || was_extended) /* extended keys (arrows, keypad enter...) carry no ASCII here */
        return 0;
    if (code == SC_CAPS) {
        caps = !caps;
        return 0;
    }
    if (code >= sizeof plain)
        return 0;
    char c = shift ? shifted[code] : plain[code];
    if (caps && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
        c ^= 0x20;
    if (ctrl && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
        c &= 0x1F;
    return c;
}

/* IRQ 1: translates every waiting scan code. */
static void keyboard_irq(void)
{
    while (inb(KBD_STATUS) & 1) {
        char c = keyboard_translate(inb(KBD_DATA));
        if (c)
            console_input(c);
    }
}

void keyboard_init(void)
{
    for (int i = 0; i < 32 && (inb(KBD_STATUS) & 1); i++)
        (void)inb(KBD_DATA);
    shift = ctrl = caps = extended = false;
    irq_register(KBD_IRQ, keyboard_irq);
    irq_unmask(KBD_IRQ);
}
