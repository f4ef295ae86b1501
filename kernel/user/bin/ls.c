/* ls [-l] [PATH...]: lists directories (sorted by name) and names files; default "/".
 * -l adds the type (d or -) and the size in bytes. Exit 1 if any path failed, 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <kernelist.h>

static int long_format;

/* Prints one entry in the chosen format. */
static void print_entry(const char *name, unsigned type, unsigned size)
{
    if (long_format)
        printf("%c %8u %s%s\n", type == KL_TYPE_DIR ? 'd' : '-', type == KL_TYPE_DIR ? 0 : size, name,
               type == KL_TYPE_DIR ? "/" : "");
    else
        printf("%s%s\n", name, type == KL_TYPE_DIR ? "/" : "");
}

static int by_name(const struct kl_dirent *a, const struct kl_dirent *b) { return strcmp(a->name, b->name); }

/* Lists directory path; returns 0 or 1 after printing an error. */
static int list_dir(const char *path)
{
    int fd = opendir(path);
    if (fd < 0) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    int n = 0, cap = 16, r;
    struct kl_dirent *all = malloc((size_t)cap * sizeof *all);
    while (all && (r = readdir(fd, &all[n])) == 1) {
        if (++n == cap) {
            cap *= 2;
            struct kl_dirent *bigger = realloc(all, (size_t)cap * sizeof *all);
            if (!bigger)
                free(all);
            all = bigger;
        }
    }
    int failed = 0;
    if (!all) {
        fprintf(stderr, "ls: %s: out of memory\n", path);
        failed = 1;
    } else if (r < 0) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        failed = 1;
    }
    close(fd);
    for (int i = 1; all && i < n; i++) { /* insertion sort: directories are small */
        struct kl_dirent e = all[i];
        int j = i;
        for (; j > 0 && by_name(&all[j - 1], &e) > 0; j--)
            all[j] = all[j - 1];
        all[j] = e;
    }
    for (int i = 0; all && i < n; i++)
        print_entry(all[i].name, all[i].type, all[i].size);
    free(all);
    return failed;
}

/* Lists one path argument: a directory's entries, or the file itself. */
static int list_path(const char *path)
{
    struct kl_stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (st.type == KL_TYPE_DIR)
        return list_dir(path);
    print_entry(path, st.type, st.size);
    return 0;
}

int main(int argc, char **argv)
{
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
        if (strcmp(argv[first], "-l") == 0) {
            long_format = 1;
        } else {
            fprintf(stderr, "usage: ls [-l] [PATH...]\n");
            return 2;
        }
    }
    if (first == argc)
        return list_path("/");
    int failed = 0;
    for (int i = first; i < argc; i++) {
        if (argc - first > 1)
            printf("%s%s:\n", i > first ? "\n" : "", argv[i]);
        failed |= list_path(argv[i]);
    }
    return failed;
}
