/* Write mediation: protected regions allocated from the nested kernel's pool (mapped read-only with NK=1,
 * so only nk_write can change them), each under one policy (include/kernel/nk.h); the write log; the
 * append-only audit log; the write-logged process list. */
#include "nk_internal.h"
#include <kernel/lib.h>
#include <kernel/sched.h>
#include <uapi/errno.h>

#define POOL_SIZE (320u * 1024u)
#define MAX_REGIONS 32
#define AUDIT_MAX 16384u

struct region {
    uint8_t *base;
    uint32_t size;
    uint8_t policy; /* 0: a free slot (its memory reusable by a region of at most size bytes) */
    bool sealed;
    bool in_use;
    uint32_t tail;   /* NK_APPEND_ONLY: bytes written */
    uint8_t *once;   /* NK_WRITE_ONCE: one bit per byte, set once written (also in the pool) */
};

static uint8_t pool[POOL_SIZE] __attribute__((aligned(4096)));
static uint32_t pool_used;
static struct region regions[MAX_REGIONS];
static struct nk_write_record write_log[NK_WRITE_LOG_SIZE];
static uint32_t write_log_total;
static uint32_t refusal_count;
static const char *refusal_why;
static uint32_t refusal_caller;
static struct nk_audit_record *audit_log;
static struct region *audit_region;
static uint32_t audit_dropped;
static int *proclist;

int nk_refuse(const char *why)
{
    refusal_count++;
    refusal_why = why;
    refusal_caller = nk_caller;
    return -EPERM;
}

/* Bump allocation from the pool, 16-byte aligned; NULL when exhausted. */
static void *pool_take(uint32_t size)
{
    uint32_t need = (size + 15u) & ~15u;
    if (need < size || need > POOL_SIZE - pool_used)
        return NULL;
    void *p = pool + pool_used;
    pool_used += need;
    return p;
}

/* The region holding [va, va+len), or NULL. */
static struct region *find(uint32_t va, uint32_t len)
{
    for (unsigned i = 0; i < MAX_REGIONS; i++) {
        struct region *r = &regions[i];
        uint32_t b = (uint32_t)r->base;
        if (r->in_use && va >= b && va - b < r->size && len <= r->size - (va - b))
            return r;
    }
    return NULL;
}

static struct region *alloc_region(size_t size, unsigned policy)
{
    if (size == 0 || size > POOL_SIZE || policy < NK_NO_WRITE || policy > NK_LDT)
        return NULL;
    struct region *slot = NULL;
    for (unsigned i = 0; i < MAX_REGIONS && !slot; i++) /* reuse freed memory first */
        if (!regions[i].in_use && regions[i].base && regions[i].size >= size && policy != NK_WRITE_ONCE)
            slot = &regions[i];
    if (!slot) {
        for (unsigned i = 0; i < MAX_REGIONS && !slot; i++)
            if (!regions[i].in_use && !regions[i].base)
                slot = &regions[i];
        if (!slot)
            return NULL;
        uint8_t *base = pool_take((uint32_t)size);
        uint8_t *once = policy == NK_WRITE_ONCE ? pool_take(((uint32_t)size + 7) / 8) : NULL;
        if (!base || (policy == NK_WRITE_ONCE && !once))
            return NULL;
        slot->base = base;
        slot->size = (uint32_t)size;
        slot->once = once;
    }
    memset(slot->base, 0, slot->size);
    slot->policy = (uint8_t)policy;
    slot->sealed = false;
    slot->tail = 0;
    slot->in_use = true;
    return slot;
}

void *NK_API(nk_alloc)(size_t size, unsigned policy)
{
    struct region *r = alloc_region(size, policy);
    return r ? r->base : NULL;
}

/* The policy decision and the copy for a write of len bytes at va inside r, by writer. */
static int region_write(struct region *r, uint32_t va, const void *src, uint32_t len, uint32_t writer)
{
    uint32_t off = va - (uint32_t)r->base;
    switch (r->policy) {
    case NK_NO_WRITE:
        if (r->sealed)
            return nk_refuse("nk_write: the region is sealed (no-write)");
        break;
    case NK_WRITE_ONCE:
        for (uint32_t i = off; i < off + len; i++)
            if (r->once[i / 8] & (1u << (i % 8)))
                return nk_refuse("nk_write: those bytes were written once already (write-once)");
        for (uint32_t i = off; i < off + len; i++)
            r->once[i / 8] |= (uint8_t)(1u << (i % 8));
        break;
    case NK_APPEND_ONLY:
        if (off != r->tail)
            return nk_refuse("nk_write: not at the end of an append-only region");
        r->tail += len;
        break;
    case NK_LDT:
        return nk_refuse("nk_write: LDT entries are written through nk_write_ldt only");
    case NK_WRITE_LOG: {
        struct nk_write_record *w = &write_log[write_log_total % NK_WRITE_LOG_SIZE];
        w->dst = va;
        w->len = len;
        w->writer = writer;
        w->first_word = 0;
        memcpy(&w->first_word, src, len < 4 ? len : 4);
        write_log_total++;
        break;
    }
    }
    memcpy((void *)va, src, len);
    return 0;
}

int NK_API(nk_write)(void *dst, const void *src, size_t len)
{
    struct region *r = find((uint32_t)dst, (uint32_t)len);
    if (!r || len == 0)
        return nk_refuse("nk_write: not inside one protected region");
    return region_write(r, (uint32_t)dst, src, (uint32_t)len, NK_CALLER());
}

int NK_API(nk_seal)(void *region)
{
    struct region *r = find((uint32_t)region, 1);
    if (!r || r->base != region || r->policy != NK_NO_WRITE)
        return -EINVAL;
    r->sealed = true;
    return 0;
}

int NK_API(nk_free)(void *region)
{
    struct region *r = find((uint32_t)region, 1);
    if (!r || r->base != region)
        return -EINVAL;
    if ((r->policy == NK_NO_WRITE && r->sealed) || r->policy == NK_APPEND_ONLY || r->policy == NK_LDT)
        return nk_refuse("nk_free: sealed no-write, append-only and LDT regions live forever");
    memset(r->base, 0, r->size);
    r->in_use = false;
    return 0;
}

void NK_API(nk_audit)(uint32_t kind, uint32_t pid, uint32_t number)
{
    if (!audit_log)
        return;
    uint32_t n = audit_region->tail / sizeof(struct nk_audit_record);
    if (n >= AUDIT_MAX) {
        audit_dropped++;
        return;
    }
    struct nk_audit_record rec = { n, (int32_t)pid, (uint16_t)kind, (uint16_t)number };
    region_write(audit_region, (uint32_t)&audit_log[n], &rec, sizeof rec, NK_CALLER());
}

void NK_API(nk_proclist_set)(unsigned slot, int pid)
{
    if (slot < MAX_PROCS)
        region_write(find((uint32_t)proclist, 1), (uint32_t)&proclist[slot], &pid, sizeof pid, NK_CALLER());
}

void nk_mediate_init(bool audit_on)
{
    struct region *p = alloc_region(MAX_PROCS * sizeof(int), NK_WRITE_LOG);
    proclist = p ? (int *)p->base : NULL;
    if (audit_on) {
        audit_region = alloc_region(AUDIT_MAX * sizeof(struct nk_audit_record), NK_APPEND_ONLY);
        audit_log = audit_region ? (struct nk_audit_record *)audit_region->base : NULL;
    }
}

bool nk_region_has_policy(uint32_t va, uint32_t len, unsigned policy)
{
    struct region *r = find(va, len);
    return r && len > 0 && r->policy == policy;
}

bool nk_region_of(uint32_t va, const char **what)
{
    static const char *const names[] = { "", "protected region (no-write)", "protected region (write-once)",
                                         "protected region (append-only)", "protected region (write-log)",
                                         "protected region (LDT)" };
    struct region *r = find(va, 1);
    if (r)
        *what = names[r->policy];
    return r != NULL;
}

/* --- read-only queries ----------------------------------------------------------------------------- */
int nk_proclist_get(unsigned slot) { return proclist && slot < MAX_PROCS ? proclist[slot] : 0; }
uint32_t nk_audit_count(void) { return audit_region ? audit_region->tail / sizeof(struct nk_audit_record) : 0; }
uint32_t nk_audit_dropped(void) { return audit_dropped; }
const struct nk_audit_record *nk_audit_records(void) { return audit_log; }
uint32_t nk_write_log_count(void) { return write_log_total; }
uint32_t nk_refusals(void) { return refusal_count; }

const struct nk_write_record *nk_write_log_entry(uint32_t index)
{
    if (index >= write_log_total || write_log_total - index > NK_WRITE_LOG_SIZE)
        return NULL;
    return &write_log[index % NK_WRITE_LOG_SIZE];
}

const char *nk_last_refusal(uint32_t *caller)
{
    if (caller)
        *caller = refusal_caller;
    return refusal_why;
}

const char *nk_protected_what(uint32_t va)
{
    if (va < 0xC0000000u || va >= 0xF0000000u)
        return NULL;
    const char *what;
    if (nk_region_of(va, &what))
        return what;
    if (va - (uint32_t)&kernel_tss < sizeof kernel_tss)
        return "the TSS (nested-kernel memory)";
    switch (nk_frame_kind(va - 0xC0000000u)) {
    case NK_FRAME_PTP: return "page-table page";
    case NK_FRAME_CODE: return "kernel code";
    case NK_FRAME_NK: return "nested-kernel memory";
    case NK_FRAME_HIDDEN: return "the hidden CR3 page (nested-kernel gate code)";
    default: return NULL;
    }
}
