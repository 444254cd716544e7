/*
 * The C baseline of the benchmark: a two-phase copier on plain sockets, one process per source master, in the manner
 * of a hiredis copier (SCAN, then PTTL+DUMP for a batch in one pipeline, then RESTORE ... REPLACE for the batch in one
 * pipeline per target master). No sizing, no checkpoints, no retries: the practical ceiling of this machine.
 *
 * ccopy BATCH SOURCE_PORT[,SOURCE_PORT...] TARGET_PORT=FIRST-LAST[+FIRST-LAST...] [TARGET_PORT=...]
 * (all on 127.0.0.1). Prints "keys N cpu S" (keys restored, CPU seconds of all its processes) on its last line; exits non-zero on any error reply.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct { int fd; char *in; size_t cap, len, pos; char *out; size_t ocap, olen; } conn;

static void die(const char *what) { fprintf(stderr, "ccopy: %s\n", what); exit(2); }

static void *grow(void *p, size_t n) { p = realloc(p, n); if (!p) die("out of memory"); return p; }

static void open_conn(conn *c, int port)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) die("cannot connect");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->cap = 1 << 20; c->in = grow(NULL, c->cap);
    c->ocap = 1 << 20; c->out = grow(NULL, c->ocap);
}

static void put(conn *c, const char *s, size_t n)
{
    if (c->olen + n > c->ocap) { while (c->olen + n > c->ocap) c->ocap *= 2; c->out = grow(c->out, c->ocap); }
    memcpy(c->out + c->olen, s, n); c->olen += n;
}

static void put_head(conn *c, int items) { char b[32]; put(c, b, (size_t)snprintf(b, sizeof b, "*%d\r\n", items)); }

static void put_bulk(conn *c, const char *s, size_t n)
{
    char b[32]; put(c, b, (size_t)snprintf(b, sizeof b, "$%zu\r\n", n)); put(c, s, n); put(c, "\r\n", 2);
}

static void flush(conn *c)
{
    size_t sent = 0;
    while (sent < c->olen) { ssize_t n = write(c->fd, c->out + sent, c->olen - sent); if (n <= 0) die("write failed"); sent += (size_t)n; }
    c->olen = 0;
}

/* makes at least n unread bytes available */
static void need(conn *c, size_t n)
{
    if (c->len - c->pos >= n) return;
    if (c->pos > 0) { memmove(c->in, c->in + c->pos, c->len - c->pos); c->len -= c->pos; c->pos = 0; }
    while (c->len < n) {
        if (c->len == c->cap) { c->cap *= 2; c->in = grow(c->in, c->cap); }
        ssize_t r = read(c->fd, c->in + c->len, c->cap - c->len);
        if (r <= 0) die("read failed");
        c->len += (size_t)r;
    }
}

/* a reply's first line: its type and the number after it (or the line for + and -) */
static char line(conn *c, long long *value)
{
    for (size_t scan = 0;; scan++) {
        need(c, scan + 2);
        if (c->in[c->pos + scan] == '\r') {
            char type = c->in[c->pos];
            if (type == '-') { fprintf(stderr, "ccopy: %.*s\n", (int)scan, c->in + c->pos); exit(3); }
            *value = (type == ':' || type == '$' || type == '*') ? strtoll(c->in + c->pos + 1, NULL, 10) : 0;
            c->pos += scan + 2;
            return type;
        }
    }
}

/* a bulk reply; *out points into the buffer (valid until the next read), NULL for nil */
static long long bulk(conn *c, char **out)
{
    long long n; char t = line(c, &n);
    if (t != '$') die("expected a bulk reply");
    if (n < 0) { *out = NULL; return -1; }
    need(c, (size_t)n + 2); *out = c->in + c->pos; c->pos += (size_t)n + 2;
    return n;
}

static unsigned short crc_table[256];

static void crc16_init(void)
{
    for (int n = 0; n < 256; n++) {
        unsigned short crc = (unsigned short)(n << 8);
        for (int b = 0; b < 8; b++) crc = (crc & 0x8000) ? (unsigned short)((crc << 1) ^ 0x1021) : (unsigned short)(crc << 1);
        crc_table[n] = crc;
    }
}

static unsigned short crc16(const char *buf, size_t len)
{
    unsigned short crc = 0;
    for (size_t i = 0; i < len; i++) crc = (unsigned short)((crc << 8) ^ crc_table[((crc >> 8) ^ (unsigned char)buf[i]) & 0xff]);
    return crc;
}

static int slot_of(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open) {
        const char *close = memchr(open + 1, '}', len - (size_t)(open + 1 - key));
        if (close && close > open + 1) return crc16(open + 1, (size_t)(close - open - 1)) & 16383;
    }
    return crc16(key, len) & 16383;
}

static int targets; static int target_port[64]; static conn target[64]; static signed char owner[16384];

static long long copy_master(int port, int batch)
{
    conn src; open_conn(&src, port);
    for (int t = 0; t < targets; t++) open_conn(&target[t], target_port[t]);
    char cursor[32] = "0"; long long copied = 0; long long pending[64] = { 0 };
    char **keys = grow(NULL, sizeof(char *) * (size_t)batch * 4); size_t *lens = grow(NULL, sizeof(size_t) * (size_t)batch * 4);
    do {
        char count[16]; snprintf(count, sizeof count, "%d", batch);
        put_head(&src, 4); put_bulk(&src, "SCAN", 4); put_bulk(&src, cursor, strlen(cursor)); put_bulk(&src, "COUNT", 5); put_bulk(&src, count, strlen(count));
        flush(&src);
        long long n; if (line(&src, &n) != '*' || n != 2) die("bad SCAN reply");
        char *p; long long len = bulk(&src, &p); snprintf(cursor, sizeof cursor, "%.*s", (int)len, p);
        long long k; if (line(&src, &k) != '*') die("bad SCAN reply");
        for (long long i = 0; i < k; i++) { len = bulk(&src, &p); keys[i] = grow(NULL, (size_t)len); memcpy(keys[i], p, (size_t)len); lens[i] = (size_t)len; }
        for (long long i = 0; i < k; i++) {
            put_head(&src, 2); put_bulk(&src, "PTTL", 4); put_bulk(&src, keys[i], lens[i]);
            put_head(&src, 2); put_bulk(&src, "DUMP", 4); put_bulk(&src, keys[i], lens[i]);
        }
        flush(&src);
        /* the replies stay in src's buffer while the RESTOREs are built: copy each payload into the target's output */
        for (long long i = 0; i < k; i++) {
            long long ttl; line(&src, &ttl);
            char *payload; long long size = bulk(&src, &payload); /* used before the next read moves the buffer */
            if (size < 0 || ttl == -2) continue;
            conn *t = &target[owner[slot_of(keys[i], lens[i])]];
            char ttltext[32]; int tl = snprintf(ttltext, sizeof ttltext, "%lld", ttl < 0 ? 0 : ttl);
            put_head(t, 5); put_bulk(t, "RESTORE", 7); put_bulk(t, keys[i], lens[i]); put_bulk(t, ttltext, (size_t)tl); put_bulk(t, payload, (size_t)size); put_bulk(t, "REPLACE", 7);
            pending[t - target]++;
            copied++;
        }
        for (int t = 0; t < targets; t++) flush(&target[t]);
        for (int t = 0; t < targets; t++) { for (long long r = 0; r < pending[t]; r++) { long long v; line(&target[t], &v); } pending[t] = 0; }
        for (long long i = 0; i < k; i++) free(keys[i]);
    } while (strcmp(cursor, "0") != 0);
    return copied;
}

int main(int argc, char **argv)
{
    if (argc < 4) die("usage: ccopy BATCH SOURCE_PORT[,...] TARGET_PORT=FIRST-LAST[+...] ...");
    int batch = atoi(argv[1]);
    crc16_init();
    memset(owner, -1, sizeof owner);
    for (int a = 3; a < argc; a++) {
        char *eq = strchr(argv[a], '='); if (!eq) die("bad target");
        *eq = 0; target_port[targets] = atoi(argv[a]);
        for (char *range = strtok(eq + 1, "+"); range; range = strtok(NULL, "+")) {
            int first, last; if (sscanf(range, "%d-%d", &first, &last) != 2) die("bad slot range");
            for (int s = first; s <= last; s++) owner[s] = (signed char)targets;
        }
        targets++;
    }
    for (int s = 0; s < 16384; s++) if (owner[s] < 0) die("a slot has no target master");
    int pipes[64][2]; int children = 0;
    for (char *port = strtok(argv[2], ","); port; port = strtok(NULL, ",")) {
        if (pipe(pipes[children]) != 0) die("pipe");
        int p = atoi(port);
        if (fork() == 0) {
            long long copied = copy_master(p, batch);
            dprintf(pipes[children][1], "%lld\n", copied);
            _exit(0);
        }
        children++;
    }
    long long total = 0; int failed = 0;
    for (int c = 0; c < children; c++) {
        int status; wait(&status); if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
    }
    for (int c = 0; c < children; c++) { char b[32] = { 0 }; if (read(pipes[c][0], b, sizeof b - 1) > 0) total += atoll(b); }
    struct rusage self, kids; getrusage(RUSAGE_SELF, &self); getrusage(RUSAGE_CHILDREN, &kids);
    double cpu = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec)
        + (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
    printf("keys %lld cpu %.3f\n", total, cpu);
    return failed ? 1 : 0;
}
