/* Structures that cross the system-call boundary (uapi/syscall.h). Fixed sizes, no padding surprises. */
#ifndef KERNELIST_UAPI_TYPES_H
#define KERNELIST_UAPI_TYPES_H

#define KL_NAME_MAX 59   /* bytes in one path component, without the NUL */
#define KL_PATH_MAX 256  /* bytes in a whole path, with the NUL */
#define KL_ARG_MAX  4096 /* bytes of argv strings and pointers given to spawn() */

#define KL_TYPE_FILE 1
#define KL_TYPE_DIR  2

struct kl_dirent {           /* 72 bytes */
    unsigned int ino;
    unsigned int type;       /* KL_TYPE_* */
    unsigned int size;       /* bytes, for files */
    char name[KL_NAME_MAX + 1];
};

struct kl_stat {             /* 16 bytes */
    unsigned int ino;
    unsigned int type;
    unsigned int size;
    unsigned int links;
};

#define KL_PROC_RUNNABLE 1
#define KL_PROC_SLEEPING 2
#define KL_PROC_BLOCKED  3
#define KL_PROC_ZOMBIE   4

struct kl_procinfo {         /* 48 bytes */
    int pid;
    int parent;
    unsigned int state;      /* KL_PROC_* */
    unsigned int memory_kib; /* user pages mapped, in KiB */
    char name[32];
};

struct kl_meminfo {          /* 16 bytes, all in KiB */
    unsigned int total_kib;
    unsigned int free_kib;
    unsigned int kernel_heap_kib;
    unsigned int user_kib;
};

struct kl_audit_record {     /* 12 bytes: one entry of the nested kernel's append-only audit log */
    unsigned int seq;        /* 0, 1, 2... */
    int pid;
    unsigned short kind;     /* KL_AUDIT_SYSCALL or KL_AUDIT_PRIVCALL */
    unsigned short number;   /* the call number */
};
#define KL_AUDIT_SYSCALL  1
#define KL_AUDIT_PRIVCALL 2

#endif
