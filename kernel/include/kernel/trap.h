/* The one trap-frame type, built by the generated stubs in arch/trap_entry.asm (arch/trap.c). */
#ifndef KERNELIST_TRAP_H
#define KERNELIST_TRAP_H

#include <stdint.h>

struct trap_frame {
    uint32_t edi, esi, ebp, esp_at_pushad, ebx, edx, ecx, eax; /* PUSHAD */
    uint32_t gs, fs, es, ds;
    uint32_t vector, error;      /* the stub pushes 0 when the CPU gives no error code */
    uint32_t eip, cs, eflags;    /* pushed by the CPU */
    uint32_t user_esp, user_ss;  /* only when the trap came from ring 3 */
};

#define TRAP_FROM_USER(f) (((f)->cs & 3) == 3)

/* Called by the stubs for every vector. */
void trap_dispatch(struct trap_frame *f);
/* "#GP", "#PF"... for exception vectors, "IRQ" or "INT" otherwise. */
const char *trap_name(uint32_t vector);
/* Prints every register of f (for panics). */
void trap_dump(const struct trap_frame *f);

#endif
