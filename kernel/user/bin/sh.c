/* sh: the Kernelist shell.
 *   sh             reads commands from standard input, printing the prompt "$ " before each
 *   sh -c LINE     runs one line
 *   sh FILE        runs each line of FILE
 * Grammar (docs/userland.md): line = pipeline { ';' pipeline }; pipeline = command { '|' command };
 * command = { word | '<' word | '>' word | '>>' word }. A word is made of plain characters,
 * '...' (taken literally), "..." (where \" and \\ escape) and \c outside quotes; '#' starts a comment
 * at the start of a word. NAME runs /bin/NAME; a word holding '/' is a path.
 * Built-ins: exit [N], help. The exit status is that of the last command (128 + vector when killed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <kernelist.h>

#define LINE_MAX 1024
#define SAVED_STDIN 10  /* where the shell keeps its own stdin/stdout while it wires a job */
#define SAVED_STDOUT 11

enum token_kind { T_WORD, T_PIPE, T_IN, T_OUT, T_APPEND, T_SEMI, T_END };

struct token {
    enum token_kind kind;
    char *text;          /* T_WORD: the word, NUL-terminated, quotes removed */
};

struct command {
    char **argv;         /* argc words and a NULL */
    int argc;
    const char *in;      /* < file, or NULL */
    const char *out;     /* > or >> file, or NULL */
    int append;
};

static int last_status;  /* exit status of the last job, as sh returns it */
static int should_exit;

/* Splits line into tokens; words go into store (at least strlen(line)+1 bytes). Returns the
 * number of tokens (the last is T_END), or -1 after printing a syntax error. */
static int tokenize(const char *line, struct token *tokens, char *store)
{
    int n = 0;
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p == 0 || *p == '#') {
            tokens[n].kind = T_END;
            return n + 1;
        }
        if (*p == '|' || *p == '<' || *p == ';') {
            tokens[n++].kind = *p == '|' ? T_PIPE : *p == '<' ? T_IN : T_SEMI;
            p++;
            continue;
        }
        if (*p == '>') {
            int twice = p[1] == '>';
            tokens[n++].kind = twice ? T_APPEND : T_OUT;
            p += twice ? 2 : 1;
            continue;
        }
        tokens[n].kind = T_WORD;
        tokens[n].text = store;
        while (*p && !strchr(" \t\r|<>;", *p)) {
            if (*p == '\'') {
                const char *end = strchr(p + 1, '\'');
                if (!end) {
                    fprintf(stderr, "sh: syntax error: unterminated '\n");
                    return -1;
                }
                memcpy(store, p + 1, (size_t)(end - p - 1));
                store += end - p - 1;
                p = end + 1;
            } else if (*p == '"') {
                for (p++; *p != '"'; p++) {
                    if (*p == 0) {
                        fprintf(stderr, "sh: syntax error: unterminated \"\n");
                        return -1;
                    }
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    *store++ = *p;
                }
                p++;
            } else if (*p == '\\' && p[1]) {
                *store++ = p[1];
                p += 2;
            } else {
                *store++ = *p++;
            }
        }
        *store++ = 0;
        n++;
    }
}

/* Builds the commands of the pipeline starting at tokens[*pos], up to '|'-separated T_SEMI/T_END.
 * Returns the number of commands (0 for an empty pipeline) or -1 after a syntax error. */
static int parse_pipeline(struct token *tokens, int *pos, struct command *cmds, char **argv_store)
{
    int ncmd = 0, i = *pos;
    struct command *c = &cmds[0];
    memset(c, 0, sizeof *c);
    c->argv = argv_store;
    for (;; i++) {
        struct token *t = &tokens[i];
        if (t->kind == T_WORD) {
            c->argv[c->argc++] = t->text;
            continue;
        }
        if (t->kind == T_IN || t->kind == T_OUT || t->kind == T_APPEND) {
            if (tokens[i + 1].kind != T_WORD) {
                fprintf(stderr, "sh: syntax error: a file name must follow '%s'\n",
                        t->kind == T_IN ? "<" : t->kind == T_OUT ? ">" : ">>");
                return -1;
            }
            const char *file = tokens[++i].text;
            if (t->kind == T_IN) {
                c->in = file;
            } else {
                c->out = file;
                c->append = t->kind == T_APPEND;
            }
            continue;
        }
        /* T_PIPE, T_SEMI or T_END closes this command */
        int empty = c->argc == 0 && !c->in && !c->out;
        c->argv[c->argc] = NULL;
        if (t->kind == T_PIPE) {
            if (c->argc == 0) {
                fprintf(stderr, "sh: syntax error near '|'\n");
                return -1;
            }
            argv_store = c->argv + c->argc + 1;
            c = &cmds[++ncmd];
            memset(c, 0, sizeof *c);
            c->argv = argv_store;
            continue;
        }
        if (c->argc == 0 && !(empty && ncmd == 0)) {
            fprintf(stderr, "sh: syntax error: missing command\n");
            return -1;
        }
        *pos = t->kind == T_SEMI ? i + 1 : i;
        return empty && ncmd == 0 ? 0 : ncmd + 1;
    }
}

/* Prints the built-ins and the programs in /bin. */
static int builtin_help(void)
{
    printf("Kernelist sh. Built-ins: exit [N], help.\n"
           "Run NAME (from /bin) or a /path, with arguments; 'quotes' and \"quotes\";\n"
           "cmd | cmd | ...; < file; > file; >> file; cmd ; cmd.\n"
           "Programs in /bin:");
    int fd = opendir("/bin");
    if (fd >= 0) {
        struct kl_dirent e;
        while (readdir(fd, &e) == 1)
            printf(" %s", e.name);
        close(fd);
    }
    printf("\n");
    return 0;
}

/* Runs a built-in when argv[0] names one; returns 1 if it did. */
static int run_builtin(struct command *c)
{
    if (strcmp(c->argv[0], "exit") == 0) {
        if (c->argc > 2) {
            fprintf(stderr, "usage: exit [N]\n");
            last_status = 2;
            return 1;
        }
        if (c->argc == 2)
            last_status = atoi(c->argv[1]);
        should_exit = 1;
        return 1;
    }
    if (strcmp(c->argv[0], "help") == 0) {
        last_status = builtin_help();
        return 1;
    }
    return 0;
}

/* The program path for a command name: NAME -> /bin/NAME, a name with '/' stays. */
static const char *program_path(const char *name, char *buf, int size)
{
    if (strchr(name, '/'))
        return name;
    snprintf(buf, (size_t)size, "/bin/%s", name);
    return buf;
}

/* Opens the file of a redirection; -1 after printing why. */
static int open_redirect(const char *file, int flags)
{
    int fd = open(file, flags);
    if (fd < 0)
        fprintf(stderr, "sh: %s: %s\n", file, strerror(errno));
    return fd;
}

static int saved_valid[2]; /* the shell's own descriptor 0 / 1 was open and is saved */

/* Gives target back the shell's own descriptor (or closes it, if the shell had none). */
static void restore(int target)
{
    if (saved_valid[target])
        dup2(target == 0 ? SAVED_STDIN : SAVED_STDOUT, target);
    else
        close(target);
}

/* Makes fd become target (closing fd), or gives target the shell's own when fd < 0. */
static void install(int fd, int target)
{
    if (fd >= 0) {
        dup2(fd, target);
        close(fd);
    } else {
        restore(target);
    }
}

/* Spawns command c with standard input in and output out (-1: the shell's own); returns its pid or -1. */
static int start_command(struct command *c, int in, int out)
{
    char pathbuf[KL_PATH_MAX];
    if (c->in) {
        if (in >= 0)
            close(in);
        in = open_redirect(c->in, O_RDONLY);
        if (in < 0) {
            if (out >= 0)
                close(out);
            return -1;
        }
    }
    if (c->out) {
        if (out >= 0)
            close(out);
        out = open_redirect(c->out, O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC));
        if (out < 0) {
            if (in >= 0)
                close(in);
            return -1;
        }
    }
    install(in, 0);
    install(out, 1);
    const char *path = program_path(c->argv[0], pathbuf, sizeof pathbuf);
    int pid = spawn(path, c->argv);
    int why = errno;
    restore(0);
    restore(1);
    if (pid < 0) {
        if (why == ENOENT)
            fprintf(stderr, "sh: %s: not found\n", c->argv[0]);
        else
            fprintf(stderr, "sh: %s: %s\n", c->argv[0], strerror(why));
    }
    return pid;
}

/* Runs a pipeline of n commands, waits for all of them, and sets last_status from the last one. */
static void run_pipeline(struct command *cmds, int n)
{
    if (n == 1 && cmds[0].argc > 0 && run_builtin(&cmds[0]))
        return;
    if (n == 1 && cmds[0].argc == 0)
        return;
    int pids[n];
    /* Keep our own descriptors 0 and 1 aside while the stages get theirs (EBADF: we had none). */
    saved_valid[0] = dup2(0, SAVED_STDIN) >= 0;
    saved_valid[1] = dup2(1, SAVED_STDOUT) >= 0;
    int next_in = -1;
    for (int i = 0; i < n; i++) {
        int in = next_in, out = -1;
        next_in = -1;
        if (i < n - 1) {
            int p[2];
            if (pipe(p) < 0) {
                perror("sh: pipe");
                if (in >= 0)
                    close(in);
                for (int k = i; k < n; k++)
                    pids[k] = -1;
                break;
            }
            out = p[1];
            next_in = p[0];
        }
        pids[i] = start_command(&cmds[i], in, out);
    }
    if (next_in >= 0)
        close(next_in);
    if (saved_valid[0])
        close(SAVED_STDIN);
    if (saved_valid[1])
        close(SAVED_STDOUT);
    last_status = 127;
    for (int i = 0; i < n; i++) {
        int status;
        if (pids[i] < 0) {
            last_status = 127;
            continue;
        }
        if (waitpid(pids[i], &status, 0) < 0) {
            fprintf(stderr, "sh: wait %d: %s\n", pids[i], strerror(errno));
            last_status = 127;
            continue;
        }
        if (status != 0) {
            char text[48];
            fprintf(stderr, "sh: %s: %s\n", cmds[i].argv[0], status_text(status, text, sizeof text));
        }
        last_status = WIFKILLED(status) ? 128 + (WKILLREASON(status) & 0x7f) : WEXITSTATUS(status);
    }
}

/* Runs one line: every ';'-separated pipeline in turn. */
static void run_line(const char *line)
{
    size_t len = strlen(line);
    struct token *tokens = malloc((len + 2) * sizeof *tokens);
    char *store = malloc(len * 2 + 2);
    struct command *cmds = malloc((len / 2 + 2) * sizeof *cmds);
    char **argv_store = malloc((len + 2) * 2 * sizeof *argv_store);
    if (!tokens || !store || !cmds || !argv_store) {
        fprintf(stderr, "sh: out of memory\n");
        last_status = 1;
    } else if (tokenize(line, tokens, store) < 0) {
        last_status = 2;
    } else {
        int pos = 0;
        while (!should_exit) {
            int n = parse_pipeline(tokens, &pos, cmds, argv_store);
            if (n < 0) {
                last_status = 2;
                break;
            }
            if (n > 0)
                run_pipeline(cmds, n);
            if (tokens[pos].kind == T_END)
                break;
        }
    }
    free(tokens);
    free(store);
    free(cmds);
    free(argv_store);
}

/* Runs every line of fd until end of file or exit, printing the prompt first when asked. */
static void run_stream(int fd, int prompt)
{
    char line[LINE_MAX];
    while (!should_exit) {
        if (prompt)
            fputs("$ ", stdout);
        int len = readline(fd, line, sizeof line);
        if (len < 0) {
            if (errno != 0)
                perror("sh: read");
            break;
        }
        if (len >= LINE_MAX - 1) {
            fprintf(stderr, "sh: line too long (at most %d bytes)\n", LINE_MAX - 2);
            last_status = 2;
            continue;
        }
        run_line(line);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "-c") == 0) {
        run_line(argv[2]);
        return last_status;
    }
    if (argc == 2 && argv[1][0] != '-') {
        int fd = open(argv[1], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "sh: %s: %s\n", argv[1], strerror(errno));
            return 127;
        }
        run_stream(fd, 0);
        close(fd);
        return last_status;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: sh [-c LINE | FILE]\n");
        return 2;
    }
    run_stream(0, 1);
    return last_status;
}
