/* mem: physical memory use from meminfo(), in KiB. */
#include <stdio.h>
#include <kernelist.h>

int main(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: mem\n");
        return 2;
    }
    struct kl_meminfo m;
    if (meminfo(&m) < 0) {
        perror("mem: meminfo");
        return 1;
    }
    printf("total       %8u KiB\n", m.total_kib);
    printf("free        %8u KiB\n", m.free_kib);
    printf("used        %8u KiB\n", m.total_kib - m.free_kib);
    printf("kernel heap %8u KiB\n", m.kernel_heap_kib);
    printf("user pages  %8u KiB\n", m.user_kib);
    return 0;
}
