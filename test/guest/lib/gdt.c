/* Segment descriptors in the shared GDT (Intel SDM Vol. 3A §3.4.5, Figure 3-8). */
#include "guest.h"

u64 gdt_descriptor(u32 base, u32 limit, u8 access, u8 flags)
{
    u32 lo = (limit & 0xffff) | ((base & 0xffff) << 16);
    u32 hi = ((base >> 16) & 0xff) | ((u32)access << 8) | (limit & 0xf0000) | ((u32)(flags & 0xf) << 20) |
             (base & 0xff000000);
    return ((u64)hi << 32) | lo;
}

void gdt_set(int index, u32 base, u32 limit, u8 access, u8 flags)
{
    gdt[index] = gdt_descriptor(base, limit, access, flags);
}
