// SPDX-License-Identifier: GPL-2.0
/*
 * spanstat - show spanalloc's counters from /sys/kernel/debug/spanalloc/.
 *
 * Reads the debugfs files written by spanalloc/debugfs.c (memstats, classes,
 * cpus, pageheap, sizes, caches) and prints a one-screen summary like
 * slabtop, full tables (--classes, --cpus, --heap, --caches) or one JSON
 * object (--json).  The caches file (typed caches, spanalloc_cache_create())
 * is optional: a module without it still shows every other view.  --sites
 * shows the sites file (allocation call sites; its last column, the site,
 * has blanks in it and takes the rest of the line), with --watch the
 * change of each site's live bytes since the previous refresh; --json
 * has it as a "sites" array when the file is there.  Tables
 * are parsed by the column names of their header line, so columns and
 * memstats fields added later are carried along (raw in the text views,
 * under their own name in JSON) without a change here.
 *
 * Built static (see Makefile) so the same binary runs on the host and in a
 * busybox-only guest.  See Documentation/spanstat.rst.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_DIR	"/sys/kernel/debug/spanalloc"
#define TOP_CLASSES	10
#define TOP_CACHES	5
#define TOP_SITES	20
#define PARAMS_DIR	"/sys/module/spanalloc/parameters"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *prog = "spanstat";

/* ---------------------------------------------------------------- utils */

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		die("out of memory");
	p = realloc(p, n && size ? n * size : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("out of memory");
	return d;
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (ret < 0)
		die("out of memory");
	return s;
}

/* A growable array of strings. */
struct strv {
	char **v;
	size_t n, cap;
};

static void strv_push(struct strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 16;
		sv->v = xrealloc(sv->v, sv->cap, sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
}

static void strv_free(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

/* Split @line on blanks into @out (tokens are copies); returns the count. */
static size_t split(const char *line, struct strv *out)
{
	const char *p = line;
	size_t n = 0;

	for (;;) {
		size_t len;

		p += strspn(p, " \t\r\n\v\f");
		if (!*p)
			return n;
		len = strcspn(p, " \t\r\n\v\f");
		strv_push(out, strndup(p, len));
		if (!out->v[out->n - 1])
			die("out of memory");
		p += len;
		n++;
	}
}

/* Is @s an unsigned decimal integer that fits in 64 bits? */
static bool parse_u64(const char *s, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	if (val)
		*val = v;
	return true;
}

/* Is @s a signed decimal integer that fits in 64 bits? */
static bool parse_s64(const char *s, int64_t *val)
{
	long long v;
	char *end;

	if (*s != '-' || s[1] < '0' || s[1] > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	if (val)
		*val = v;
	return true;
}

static bool is_integer(const char *s)
{
	return parse_u64(s, NULL) || parse_s64(s, NULL);
}

/* ------------------------------------------------------------- parsing */

/* "name value" lines, in file order. */
struct kvs {
	struct strv names, vals;
};

/* A table: column names from the header, then rows of ncols cells. */
struct table {
	struct strv cols;
	struct strv cells;	/* row-major, nrows * cols.n */
	size_t nrows;
};

struct input {
	const char *path;
	FILE *f;
	char *line;
	size_t cap;
	unsigned int lineno;
};

/* Next line of @in, or NULL at end of file. */
static char *next_line(struct input *in)
{
	ssize_t len;

	errno = 0;
	len = getline(&in->line, &in->cap, in->f);
	if (len < 0) {
		if (errno && errno != ENOMEM)
			die("%s: read error: %s", in->path, strerror(errno));
		if (errno)
			die("out of memory");
		return NULL;
	}
	in->lineno++;
	return in->line;
}

static bool blank(const char *line)
{
	return line[strspn(line, " \t\r\n\v\f")] == '\0';
}

/* Read "name value" lines up to a blank line or the end of the file. */
static void parse_kvs(struct input *in, struct kvs *kv)
{
	struct strv tok = { 0 };
	char *line;

	while ((line = next_line(in)) && !blank(line)) {
		if (split(line, &tok) != 2 || !is_integer(tok.v[1]))
			die("%s:%u: expected \"name value\", got: %s",
			    in->path, in->lineno, line);
		strv_push(&kv->names, tok.v[0]);
		strv_push(&kv->vals, tok.v[1]);
		tok.n = 0;
	}
	free(tok.v);
}

static void parse_table(struct input *in, struct table *t)
{
	struct strv tok = { 0 };
	char *line;
	size_t i, j, n;

	while ((line = next_line(in)) && blank(line))
		;
	if (!line)
		die("%s: no header line", in->path);
	split(line, &t->cols);
	for (i = 0; i < t->cols.n; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(t->cols.v[i], t->cols.v[j]))
				die("%s:%u: column \"%s\" appears twice",
				    in->path, in->lineno, t->cols.v[i]);
	}
	while ((line = next_line(in))) {
		if (blank(line))
			continue;
		n = split(line, &tok);
		if (n != t->cols.n)
			die("%s:%u: %zu fields, header names %zu: %s",
			    in->path, in->lineno, n, t->cols.n, line);
		for (i = 0; i < n; i++)
			strv_push(&t->cells, tok.v[i]);
		tok.n = 0;
		t->nrows++;
	}
	free(tok.v);
}

/* Open @dir/@name; returns false if it does not exist and !@required. */
static bool open_input(struct input *in, const char *dir, const char *name,
		       bool required)
{
	memset(in, 0, sizeof(*in));
	in->path = xasprintf("%s/%s", dir, name);
	in->f = fopen(in->path, "r");
	if (in->f)
		return true;
	if (errno == ENOENT && !required) {
		free((char *)in->path);
		return false;
	}
	if (errno == ENOENT)
		die("%s: missing (is the spanalloc module loaded? %s)", in->path,
		    "one built before the file was added lacks it");
	if (errno == EACCES)
		die("%s: %s (debugfs is readable by root only by default)",
		    in->path, strerror(errno));
	die("%s: %s", in->path, strerror(errno));
	return false;
}

static void close_input(struct input *in)
{
	fclose(in->f);
	free(in->line);
	free((char *)in->path);
}

static ssize_t col_index(const struct table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->cols.n; i++)
		if (!strcmp(t->cols.v[i], name))
			return i;
	return -1;
}

static const char *cell(const struct table *t, size_t row, size_t col)
{
	return t->cells.v[row * t->cols.n + col];
}

/* Value of a column checked by require_cols(); 0 for a word like "max". */
static uint64_t num(const struct table *t, size_t row, const char *name)
{
	uint64_t v = 0;

	parse_u64(cell(t, row, col_index(t, name)), &v);
	return v;
}

/*
 * Check that @t has every column of the NULL-terminated @names and that
 * their cells are unsigned integers, or the word @word (may be NULL) in
 * column @wcol.
 */
static void require_cols(const struct table *t, const char *path,
			 const char *const *names, const char *wcol,
			 const char *word)
{
	size_t r;
	ssize_t c;

	for (; *names; names++) {
		c = col_index(t, *names);
		if (c < 0)
			die("%s: header has no column \"%s\"", path, *names);
		for (r = 0; r < t->nrows; r++) {
			const char *s = cell(t, r, c);

			if (parse_u64(s, NULL))
				continue;
			if (word && !strcmp(*names, wcol) && !strcmp(s, word))
				continue;
			die("%s: row %zu: column %s: not a number: %s",
			    path, r + 1, *names, s);
		}
	}
}

static const char *kv_get(const struct kvs *kv, const char *name)
{
	size_t i;

	for (i = 0; i < kv->names.n; i++)
		if (!strcmp(kv->names.v[i], name))
			return kv->vals.v[i];
	return NULL;
}

/* Value of field @name, or false if there is none (or it is negative). */
static bool kv_num(const struct kvs *kv, const char *name, uint64_t *val)
{
	const char *s = kv_get(kv, name);

	return s && parse_u64(s, val);
}

/* --------------------------------------------------------- the snapshot */

static const char *const classes_cols[] = {
	"class", "size", "span_pages", "objs_per_span", "spans", "inuse",
	"free_in_spans", "cpu_cached", "mallocs", "frees", "bytes_req",
	"bytes_given", NULL
};

static const char *const cpus_cols[] = {
	"cpu", "online", "cached_objs", "cached_bytes", "small_allocs",
	"fast_hits", "refills", "flushes", "frees", NULL
};

static const char *const free_cols[] = {
	"order", "free_blocks", "free_bytes", NULL
};

static const char *const sizes_cols[] = {
	"min_bytes", "max_bytes", "count", NULL
};

/* "name" first: a word; the rest are numbers ("spans" may be "shared"). */
static const char *const caches_cols[] = {
	"name", "object_size", "align", "class", "class_size", "own", "ctor",
	"rcu", "live_objects", "live_bytes", "spans", NULL
};

/* The sites file's numbers; its last column, "site", is the rest of a line. */
static const char *const sites_cols[] = {
	"live_bytes", "live_objects", "allocs", NULL
};

/* The debugfs files, as bits of struct view::need and ::want. */
enum {
	F_MEMSTATS = 1 << 0,
	F_CLASSES = 1 << 1,
	F_CPUS = 1 << 2,
	F_PAGEHEAP = 1 << 3,
	F_SIZES = 1 << 4,
	F_CACHES = 1 << 5,
	F_SITES = 1 << 6,
};

struct snap {
	unsigned int have;		/* F_* of the files read */
	struct kvs memstats;
	struct table classes;
	struct table cpus;
	struct kvs heap;
	struct table heap_free;
	struct table sizes;
	struct table caches;
	struct table sites;
};

static bool load_kvs(const char *dir, const char *name, bool required,
		     struct kvs *kv)
{
	struct input in;

	if (!open_input(&in, dir, name, required))
		return false;
	parse_kvs(&in, kv);
	if (!kv->names.n)
		die("%s: empty", in.path);
	close_input(&in);
	return true;
}

static bool load_table(const char *dir, const char *name, bool required,
		       struct table *t, const char *const *cols,
		       const char *wcol, const char *word)
{
	struct input in;

	if (!open_input(&in, dir, name, required))
		return false;
	parse_table(&in, t);
	require_cols(t, in.path, cols, wcol, word);
	close_input(&in);
	return true;
}

static bool load_pageheap(const char *dir, bool required, struct snap *s)
{
	struct input in;

	if (!open_input(&in, dir, "pageheap", required))
		return false;
	parse_kvs(&in, &s->heap);
	parse_table(&in, &s->heap_free);
	require_cols(&s->heap_free, in.path, free_cols, NULL, NULL);
	close_input(&in);
	return true;
}

static bool load_caches(const char *dir, bool required, struct table *t)
{
	struct input in;

	if (!open_input(&in, dir, "caches", required))
		return false;
	parse_table(&in, t);
	if (col_index(t, caches_cols[0]) < 0)
		die("%s: header has no column \"%s\"", in.path, caches_cols[0]);
	require_cols(t, in.path, caches_cols + 1, "spans", "shared");
	close_input(&in);
	return true;
}

/* The sites file: blank-separated numbers, then the site (rest of line). */
static bool load_sites(const char *dir, bool required, struct table *t)
{
	struct input in;
	char *line, *p;
	size_t i, n, len;

	if (!open_input(&in, dir, "sites", required))
		return false;
	while ((line = next_line(&in)) && blank(line))
		;
	if (!line)
		die("%s: no header line", in.path);
	split(line, &t->cols);
	n = t->cols.n;
	if (!n || strcmp(t->cols.v[n - 1], "site"))
		die("%s: the last column is not \"site\"", in.path);
	while ((line = next_line(&in))) {
		if (blank(line))
			continue;
		p = line;
		for (i = 0; i + 1 < n; i++) {
			p += strspn(p, " \t");
			len = strcspn(p, " \t\r\n");
			if (!len)
				die("%s:%u: fewer than %zu fields: %s", in.path,
				    in.lineno, n, line);
			strv_push(&t->cells, xasprintf("%.*s", (int)len, p));
			p += len;
		}
		p += strspn(p, " \t");
		len = strcspn(p, "\r\n");
		if (!len)
			die("%s:%u: no site: %s", in.path, in.lineno, line);
		strv_push(&t->cells, xasprintf("%.*s", (int)len, p));
		t->nrows++;
	}
	require_cols(t, in.path, sites_cols, NULL, NULL);
	close_input(&in);
	return true;
}

/*
 * Read the files of @need (they must be there) and of @want (read if they
 * are there) from @dir into @s.
 */
static void load(const char *dir, unsigned int need, unsigned int want,
		 struct snap *s)
{
	struct stat st;
	unsigned int all = need | want;

	memset(s, 0, sizeof(*s));
	if (stat(dir, &st) < 0)
		die("%s: %s (is debugfs mounted and the spanalloc module loaded?)",
		    dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		die("%s: not a directory", dir);
#define LOAD(flag, call)					\
	do {							\
		unsigned int f_ = (flag);			\
								\
		if ((all & f_) && (call))			\
			s->have |= f_;				\
	} while (0)
	LOAD(F_MEMSTATS, load_kvs(dir, "memstats", need & F_MEMSTATS,
				  &s->memstats));
	LOAD(F_CLASSES, load_table(dir, "classes", need & F_CLASSES,
				   &s->classes, classes_cols, "class", "tiny"));
	LOAD(F_CPUS, load_table(dir, "cpus", need & F_CPUS, &s->cpus,
				cpus_cols, NULL, NULL));
	LOAD(F_PAGEHEAP, load_pageheap(dir, need & F_PAGEHEAP, s));
	LOAD(F_SIZES, load_table(dir, "sizes", need & F_SIZES, &s->sizes,
				 sizes_cols, "max_bytes", "max"));
	LOAD(F_CACHES, load_caches(dir, need & F_CACHES, &s->caches));
	LOAD(F_SITES, load_sites(dir, need & F_SITES, &s->sites));
#undef LOAD
}

static void free_kvs(struct kvs *kv)
{
	strv_free(&kv->names);
	strv_free(&kv->vals);
}

static void free_table(struct table *t)
{
	strv_free(&t->cols);
	strv_free(&t->cells);
	t->nrows = 0;
}

static void free_snap(struct snap *s)
{
	free_kvs(&s->memstats);
	free_table(&s->classes);
	free_table(&s->cpus);
	free_kvs(&s->heap);
	free_table(&s->heap_free);
	free_table(&s->sizes);
	free_table(&s->caches);
	free_table(&s->sites);
}

/* ---------------------------------------------------------- formatting */

/* Human-readable bytes: "512 B", "1.5 KiB", ..., "3.0 GiB". */
static char *fmt_bytes(uint64_t v)
{
	static const char *const units[] = { "KiB", "MiB", "GiB" };
	double d = v;
	unsigned int u;

	if (v < 1024)
		return xasprintf("%" PRIu64 " B", v);
	for (u = 0; u < 3; u++) {
		d /= 1024;
		if (d < 1023.95 || u == 2)
			break;
	}
	return xasprintf("%.1f %s", d, units[u]);
}

/* "12.3%" of @part in @whole, or "n/a" when @whole is 0. */
static char *fmt_pct(double part, double whole)
{
	if (whole == 0)
		return xstrdup("n/a");
	return xasprintf("%.1f%%", 100.0 * part / whole);
}

static char *fmt_u64(uint64_t v)
{
	return xasprintf("%" PRIu64, v);
}

/* Is the memstats or pageheap field @name a byte count? */
static bool bytes_field(const char *name)
{
	static const char *const heap[] = {
		"heap_alloc", "heap_inuse", "heap_idle", "heap_sys",
		"heap_released", NULL
	};
	const char *const *h;
	size_t n = strlen(name);

	for (h = heap; *h; h++)
		if (!strcmp(name, *h))
			return true;
	return n > 6 && !strcmp(name + n - 6, "_bytes");
}

/* A text grid printed with aligned columns; first row is the header. */
struct grid {
	size_t ncols;
	struct strv cells;
	const char *left;	/* 'l' per column to align left, else right */
};

static void grid_add(struct grid *g, char *s)
{
	strv_push(&g->cells, s);
}

static void grid_add_str(struct grid *g, const char *s)
{
	grid_add(g, xstrdup(s));
}

/* Print one row of @g into a line with no trailing blanks. */
static void grid_print_row(struct grid *g, size_t row, const size_t *w,
			   const char *indent)
{
	char *line = NULL;
	size_t len = 0, c;
	FILE *f = open_memstream(&line, &len);

	if (!f)
		die("out of memory");
	fputs(indent, f);
	for (c = 0; c < g->ncols; c++) {
		const char *s = g->cells.v[row * g->ncols + c];
		bool left = g->left && g->left[c] == 'l';

		fprintf(f, left ? "%-*s" : "%*s", (int)w[c], s);
		if (c + 1 < g->ncols)
			fputs("  ", f);
	}
	if (fclose(f))
		die("out of memory");
	while (len && line[len - 1] == ' ')
		line[--len] = '\0';
	puts(line);
	free(line);
}

static void grid_print(struct grid *g, const char *indent)
{
	size_t *w = xrealloc(NULL, g->ncols, sizeof(*w));
	size_t i, c;

	memset(w, 0, g->ncols * sizeof(*w));
	for (i = 0; i < g->cells.n; i++) {
		size_t len = strlen(g->cells.v[i]);

		c = i % g->ncols;
		if (len > w[c])
			w[c] = len;
	}
	for (i = 0; i < g->cells.n / g->ncols; i++)
		grid_print_row(g, i, w, indent);
	free(w);
	strv_free(&g->cells);
}

/* Columns of @t not named in @known, to be shown raw after the known ones. */
static void extra_cols(const struct table *t, const char *const *known,
		       struct strv *out)
{
	const char *const *k;
	size_t c;

	for (c = 0; c < t->cols.n; c++) {
		for (k = known; *k; k++)
			if (!strcmp(*k, t->cols.v[c]))
				break;
		if (!*k)
			strv_push(out, t->cols.v[c]);
	}
}

static void add_extra_cells(struct grid *g, const struct table *t, size_t r,
			    const struct strv *extra)
{
	size_t i;

	for (i = 0; i < extra->n; i++)
		grid_add_str(g, cell(t, r, col_index(t, extra->v[i])));
}

/*
 * Start @g with a header row: @hdr, then the columns of @t not in @known
 * (returned in @extra, shown raw after the known ones).
 */
static void grid_header(struct grid *g, const char *const *hdr, size_t nhdr,
			const struct table *t, const char *const *known,
			struct strv *extra)
{
	size_t i;

	extra_cols(t, known, extra);
	g->ncols = nhdr + extra->n;
	for (i = 0; i < nhdr; i++)
		grid_add_str(g, hdr[i]);
	for (i = 0; i < extra->n; i++)
		grid_add_str(g, extra->v[i]);
}

/* ---------------------------------------------------------- the views */

static void print_kvs(const struct kvs *kv, size_t per_line)
{
	struct grid g = { .ncols = 2 * per_line, .left = "lrlrlrlr" };
	size_t i;

	for (i = 0; i < kv->names.n; i++) {
		const char *v = kv->vals.v[i];
		uint64_t n;

		grid_add_str(&g, kv->names.v[i]);
		if (bytes_field(kv->names.v[i]) && parse_u64(v, &n))
			grid_add(&g, fmt_bytes(n));
		else
			grid_add_str(&g, v);
	}
	for (; i % per_line; i++) {
		grid_add_str(&g, "");
		grid_add_str(&g, "");
	}
	grid_print(&g, "  ");
}

/* Internal waste of a class row: bytes given minus bytes requested. */
static double row_waste(const struct table *t, size_t r)
{
	return (double)num(t, r, "bytes_given") - (double)num(t, r, "bytes_req");
}

static uint64_t row_inuse_bytes(const struct table *t, size_t r)
{
	return num(t, r, "inuse") * num(t, r, "size");
}

static uint64_t col_sum(const struct table *t, const char *name)
{
	uint64_t sum = 0;
	size_t r;

	for (r = 0; r < t->nrows; r++)
		sum += num(t, r, name);
	return sum;
}

static void print_derived(const struct snap *s)
{
	const struct table *cl = &s->classes;
	uint64_t meta, sys, given, allocs, hits;
	double waste = 0;
	size_t r;
	char *a, *b, *c;

	printf("Derived\n");
	if (s->have & F_CPUS) {
		allocs = col_sum(&s->cpus, "small_allocs");
		hits = col_sum(&s->cpus, "fast_hits");
		a = fmt_pct(hits, allocs);
		printf("  fast-path hit rate  %s (%" PRIu64 " of %" PRIu64
		       " small allocations, %" PRIu64 " refills)\n",
		       a, hits, allocs, col_sum(&s->cpus, "refills"));
		free(a);
	} else {
		printf("  fast-path hit rate  n/a (no cpus file)\n");
	}
	if (col_index(cl, "xfer_hits") >= 0) {
		hits = col_sum(cl, "xfer_hits");
		allocs = hits + col_sum(cl, "xfer_misses");
		a = fmt_pct(hits, allocs);
		printf("  transfer hit rate   %s (%" PRIu64 " of %" PRIu64
		       " fetches, %" PRIu64 " objects held)\n",
		       a, hits, allocs, col_sum(cl, "xfer_objs"));
		free(a);
	}
	given = col_sum(cl, "bytes_given");
	for (r = 0; r < cl->nrows; r++)
		waste += row_waste(cl, r);
	a = fmt_pct(waste, given);
	b = fmt_bytes(waste > 0 ? waste : 0);
	c = fmt_bytes(given);
	printf("  internal waste      %s (%s of %s given)\n", a, b, c);
	free(a);
	free(b);
	free(c);
	if (kv_num(&s->memstats, "metadata_bytes", &meta) &&
	    kv_num(&s->memstats, "heap_sys", &sys)) {
		a = fmt_pct(meta, sys);
		b = fmt_bytes(meta);
		c = fmt_bytes(sys);
		printf("  metadata overhead   %s of heap_sys (%s of %s)\n",
		       a, b, c);
		free(a);
		free(b);
		free(c);
	}
}

static const struct table *sort_table;
static uint64_t (*sort_key)(const struct table *t, size_t r);

/* Largest sort_key() first; ties in file order. */
static int cmp_key(const void *a, const void *b)
{
	size_t ra = *(const size_t *)a, rb = *(const size_t *)b;
	uint64_t va = sort_key(sort_table, ra);
	uint64_t vb = sort_key(sort_table, rb);

	if (va != vb)
		return va < vb ? 1 : -1;
	return ra < rb ? -1 : ra > rb;
}

/* Row numbers of @t, largest @key first (free the result). */
static size_t *rows_by(const struct table *t,
		       uint64_t (*key)(const struct table *t, size_t r))
{
	size_t *order = xrealloc(NULL, t->nrows, sizeof(*order));
	size_t r;

	for (r = 0; r < t->nrows; r++)
		order[r] = r;
	sort_table = t;
	sort_key = key;
	qsort(order, t->nrows, sizeof(*order), cmp_key);
	return order;
}

static void print_top_classes(const struct table *t, size_t top)
{
	struct grid g = { .ncols = 7 };
	size_t *order = rows_by(t, row_inuse_bytes);
	size_t i, r;
	static const char *const hdr[] = {
		"class", "size", "inuse", "spans", "cpu_cached", "inuse_bytes",
		"waste"
	};

	printf("Top %zu classes by bytes in use\n", top);
	for (i = 0; i < g.ncols; i++)
		grid_add_str(&g, hdr[i]);
	for (i = 0; i < top && i < t->nrows; i++) {
		r = order[i];
		if (!row_inuse_bytes(t, r))
			break;
		grid_add_str(&g, cell(t, r, col_index(t, "class")));
		grid_add(&g, fmt_u64(num(t, r, "size")));
		grid_add(&g, fmt_u64(num(t, r, "inuse")));
		grid_add(&g, fmt_u64(num(t, r, "spans")));
		grid_add(&g, fmt_u64(num(t, r, "cpu_cached")));
		grid_add(&g, fmt_bytes(row_inuse_bytes(t, r)));
		grid_add(&g, fmt_pct(row_waste(t, r), num(t, r, "bytes_given")));
	}
	if (!i)
		printf("  (no objects in use)\n");
	else
		grid_print(&g, "  ");
	strv_free(&g.cells);
	free(order);
}

/* Slot bytes of a cache row: its live objects at their class's slot size. */
static uint64_t row_slot_bytes(const struct table *t, size_t r)
{
	return num(t, r, "live_objects") * num(t, r, "class_size");
}

static uint64_t row_live_bytes(const struct table *t, size_t r)
{
	return num(t, r, "live_bytes");
}

/* Typed caches in the summary: a count line and the top few by live bytes. */
static void print_top_caches(const struct table *t, size_t top)
{
	struct grid g = { .ncols = 5, .left = "lrrrl" };
	size_t *order = rows_by(t, row_live_bytes);
	size_t i, r, own = 0;
	char *b;

	for (r = 0; r < t->nrows; r++)
		own += !!num(t, r, "own");
	b = fmt_bytes(col_sum(t, "live_bytes"));
	printf("Typed caches: %zu (%zu own class, %zu merged), %" PRIu64
	       " live objects, %s\n", t->nrows, own, t->nrows - own,
	       col_sum(t, "live_objects"), b);
	free(b);
	grid_add_str(&g, "cache");
	grid_add_str(&g, "objsize");
	grid_add_str(&g, "live");
	grid_add_str(&g, "live_bytes");
	grid_add_str(&g, "kind");
	for (i = 0; i < top && i < t->nrows; i++) {
		r = order[i];
		if (!num(t, r, "live_objects"))
			break;
		grid_add_str(&g, cell(t, r, col_index(t, "name")));
		grid_add(&g, fmt_u64(num(t, r, "object_size")));
		grid_add(&g, fmt_u64(num(t, r, "live_objects")));
		grid_add(&g, fmt_bytes(num(t, r, "live_bytes")));
		grid_add_str(&g, num(t, r, "own") ? "own" : "merged");
	}
	if (i)
		grid_print(&g, "  ");
	strv_free(&g.cells);
	free(order);
}

static void view_summary(const struct snap *s)
{
	printf("MemStats\n");
	print_kvs(&s->memstats, 2);
	putchar('\n');
	print_derived(s);
	putchar('\n');
	print_top_classes(&s->classes, TOP_CLASSES);
	if ((s->have & F_CACHES) && s->caches.nrows) {
		putchar('\n');
		print_top_caches(&s->caches, TOP_CACHES);
	}
}

/*
 * Every typed cache, most live bytes first, like slabtop: its object size,
 * the class it takes slots from (a shared size class, or a class of its
 * own), live objects and bytes, the bytes their slots take and the share
 * of those lost to rounding, and the spans of an own class ("shared" for a
 * merged cache, whose spans belong to the size class).
 */
static void view_caches(const struct snap *s)
{
	const struct table *t = &s->caches;
	struct strv extra = { 0 };
	struct grid g = { .left = "l" };
	size_t *order = rows_by(t, row_live_bytes);
	uint64_t spans = 0, slot = 0;
	size_t i, r;
	static const char *const hdr[] = {
		"cache", "objsize", "align", "class", "slot", "kind", "ctor",
		"rcu", "live", "live_bytes", "slot_bytes", "waste", "spans"
	};
	const size_t nhdr = ARRAY_SIZE(hdr);

	grid_header(&g, hdr, nhdr, t, caches_cols, &extra);
	for (i = 0; i < t->nrows; i++) {
		r = order[i];
		grid_add_str(&g, cell(t, r, col_index(t, "name")));
		grid_add(&g, fmt_u64(num(t, r, "object_size")));
		grid_add(&g, fmt_u64(num(t, r, "align")));
		grid_add(&g, fmt_u64(num(t, r, "class")));
		grid_add(&g, fmt_u64(num(t, r, "class_size")));
		grid_add_str(&g, num(t, r, "own") ? "own" : "merged");
		grid_add_str(&g, num(t, r, "ctor") ? "yes" : "no");
		grid_add_str(&g, num(t, r, "rcu") ? "yes" : "no");
		grid_add(&g, fmt_u64(num(t, r, "live_objects")));
		grid_add(&g, fmt_bytes(num(t, r, "live_bytes")));
		grid_add(&g, fmt_bytes(row_slot_bytes(t, r)));
		grid_add(&g, fmt_pct((double)row_slot_bytes(t, r) -
				     (double)num(t, r, "live_bytes"),
				     row_slot_bytes(t, r)));
		grid_add_str(&g, cell(t, r, col_index(t, "spans")));
		add_extra_cells(&g, t, r, &extra);
		slot += row_slot_bytes(t, r);
		spans += num(t, r, "spans");
	}
	grid_add_str(&g, "all");
	for (i = 0; i < 7; i++)
		grid_add_str(&g, "");
	grid_add(&g, fmt_u64(col_sum(t, "live_objects")));
	grid_add(&g, fmt_bytes(col_sum(t, "live_bytes")));
	grid_add(&g, fmt_bytes(slot));
	grid_add(&g, fmt_pct((double)slot - (double)col_sum(t, "live_bytes"),
			     slot));
	grid_add(&g, fmt_u64(spans));
	for (i = 0; i < extra.n; i++)
		grid_add_str(&g, "");
	grid_print(&g, "");
	free(extra.v);
	free(order);
}

/* Live bytes of each site at the previous refresh (--watch), by name. */
static struct strv prev_sites;
static uint64_t *prev_bytes;

/* "+1.5 KiB", "-200 B", "0" or "new": the change of @site's live bytes. */
static char *site_change(const char *site, uint64_t now)
{
	char *b, *s;
	size_t i;

	for (i = 0; i < prev_sites.n; i++)
		if (!strcmp(prev_sites.v[i], site))
			break;
	if (i == prev_sites.n)
		return xstrdup("new");
	if (now == prev_bytes[i])
		return xstrdup("0");
	b = fmt_bytes(now > prev_bytes[i] ? now - prev_bytes[i] : prev_bytes[i] - now);
	s = xasprintf("%c%s", now > prev_bytes[i] ? '+' : '-', b);
	free(b);
	return s;
}

/* First line of the module parameter @name into @buf, or false. */
static bool read_param(const char *name, char *buf, int len)
{
	char *path = xasprintf(PARAMS_DIR "/%s", name);
	FILE *f = fopen(path, "r");

	free(path);
	if (!f)
		return false;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

/* "exact", "sampled, one per N KiB" from the module's parameters, or NULL. */
static char *sites_mode(void)
{
	char kib[32], exact[8];

	if (!read_param("sites_exact", exact, sizeof(exact)) ||
	    !read_param("sites_sample_kib", kib, sizeof(kib)))
		return NULL;
	if (exact[0] == 'Y' || exact[0] == '1')
		return xstrdup("exact");
	if (!strcmp(kib, "0"))
		return xstrdup("sampling off");
	return xasprintf("sampled, one per %s KiB on average: estimates", kib);
}

/*
 * Allocation call sites, most live bytes first (the top TOP_SITES), with
 * the change of their live bytes since the previous refresh under --watch
 * ("new" for a site not seen then, "-" on the first showing).
 */
static void view_sites(const struct snap *s)
{
	const struct table *t = &s->sites;
	struct grid g = { .ncols = 5, .left = "rrrrl" };
	size_t *order = rows_by(t, row_live_bytes);
	size_t i, r, site = col_index(t, "site");
	bool first = !prev_bytes;
	char *mode = sites_mode(), *b;
	static const char *const hdr[] = {
		"live_bytes", "live", "allocs", "change", "site"
	};

	b = fmt_bytes(col_sum(t, "live_bytes"));
	printf("Allocation sites: %zu, %s and %" PRIu64 " objects live%s%s%s\n",
	       t->nrows, b, col_sum(t, "live_objects"), mode ? " (" : "",
	       mode ? mode : "", mode ? ")" : "");
	free(b);
	free(mode);
	for (i = 0; i < g.ncols; i++)
		grid_add_str(&g, hdr[i]);
	for (i = 0; i < TOP_SITES && i < t->nrows; i++) {
		r = order[i];
		grid_add(&g, fmt_bytes(num(t, r, "live_bytes")));
		grid_add(&g, fmt_u64(num(t, r, "live_objects")));
		grid_add(&g, fmt_u64(num(t, r, "allocs")));
		grid_add(&g, first ? xstrdup("-") :
			 site_change(cell(t, r, site), num(t, r, "live_bytes")));
		grid_add_str(&g, cell(t, r, site));
	}
	grid_print(&g, "");
	if (t->nrows > TOP_SITES)
		printf("(%zu more sites)\n", t->nrows - TOP_SITES);
	strv_free(&prev_sites);
	prev_bytes = xrealloc(prev_bytes, t->nrows ? t->nrows : 1, sizeof(*prev_bytes));
	for (r = 0; r < t->nrows; r++) {
		strv_push(&prev_sites, xstrdup(cell(t, r, site)));
		prev_bytes[r] = num(t, r, "live_bytes");
	}
	free(order);
}

static void view_classes(const struct snap *s)
{
	const struct table *t = &s->classes;
	struct strv extra = { 0 };
	struct grid g = { 0 };
	size_t i, r;
	static const char *const hdr[] = {
		"class", "size", "pages", "objs/span", "spans", "inuse",
		"free", "cpu_cached", "mallocs", "frees", "inuse_bytes",
		"bytes_req", "bytes_given", "waste"
	};
	const size_t nhdr = ARRAY_SIZE(hdr);

	grid_header(&g, hdr, nhdr, t, classes_cols, &extra);
	for (r = 0; r < t->nrows; r++) {
		grid_add_str(&g, cell(t, r, col_index(t, "class")));
		for (i = 1; i < 10; i++)
			grid_add(&g, fmt_u64(num(t, r, classes_cols[i])));
		grid_add(&g, fmt_bytes(row_inuse_bytes(t, r)));
		grid_add(&g, fmt_bytes(num(t, r, "bytes_req")));
		grid_add(&g, fmt_bytes(num(t, r, "bytes_given")));
		grid_add(&g, fmt_pct(row_waste(t, r), num(t, r, "bytes_given")));
		add_extra_cells(&g, t, r, &extra);
	}
	grid_print(&g, "");
	free(extra.v);
}

static void view_cpus(const struct snap *s)
{
	const struct table *t = &s->cpus;
	struct strv extra = { 0 };
	struct grid g = { 0 };
	size_t i, r;
	static const char *const hdr[] = {
		"cpu", "online", "cached_objs", "cached_bytes", "small_allocs",
		"fast_hits", "hit_rate", "refills", "flushes", "frees"
	};
	static const char *const sums[] = {
		"cached_objs", "cached_bytes", "small_allocs", "fast_hits"
	};
	const size_t nhdr = ARRAY_SIZE(hdr);

	grid_header(&g, hdr, nhdr, t, cpus_cols, &extra);
	for (r = 0; r < t->nrows; r++) {
		grid_add_str(&g, cell(t, r, col_index(t, "cpu")));
		grid_add_str(&g, num(t, r, "online") ? "yes" : "no");
		grid_add(&g, fmt_u64(num(t, r, "cached_objs")));
		grid_add(&g, fmt_bytes(num(t, r, "cached_bytes")));
		grid_add(&g, fmt_u64(num(t, r, "small_allocs")));
		grid_add(&g, fmt_u64(num(t, r, "fast_hits")));
		grid_add(&g, fmt_pct(num(t, r, "fast_hits"),
				     num(t, r, "small_allocs")));
		grid_add(&g, fmt_u64(num(t, r, "refills")));
		grid_add(&g, fmt_u64(num(t, r, "flushes")));
		grid_add(&g, fmt_u64(num(t, r, "frees")));
		add_extra_cells(&g, t, r, &extra);
	}
	grid_add_str(&g, "all");
	grid_add_str(&g, "");
	for (i = 0; i < 4; i++) {
		uint64_t v = col_sum(t, sums[i]);

		grid_add(&g, i == 1 ? fmt_bytes(v) : fmt_u64(v));
	}
	grid_add(&g, fmt_pct(col_sum(t, "fast_hits"), col_sum(t, "small_allocs")));
	grid_add(&g, fmt_u64(col_sum(t, "refills")));
	grid_add(&g, fmt_u64(col_sum(t, "flushes")));
	grid_add(&g, fmt_u64(col_sum(t, "frees")));
	for (i = 0; i < extra.n; i++)
		grid_add_str(&g, "");
	grid_print(&g, "");
	free(extra.v);
}

static void print_free_blocks(const struct table *t)
{
	struct grid g = { .ncols = 3 };
	size_t r;

	grid_add_str(&g, "order");
	grid_add_str(&g, "free_blocks");
	grid_add_str(&g, "free_bytes");
	for (r = 0; r < t->nrows; r++) {
		grid_add(&g, fmt_u64(num(t, r, "order")));
		grid_add(&g, fmt_u64(num(t, r, "free_blocks")));
		grid_add(&g, fmt_bytes(num(t, r, "free_bytes")));
	}
	grid_add_str(&g, "all");
	grid_add(&g, fmt_u64(col_sum(t, "free_blocks")));
	grid_add(&g, fmt_bytes(col_sum(t, "free_bytes")));
	grid_print(&g, "  ");
}

static void print_sizes(const struct table *t)
{
	struct grid g = { .ncols = 4, .left = "rrrl" };
	uint64_t total = col_sum(t, "count"), max = 0;
	size_t r;

	for (r = 0; r < t->nrows; r++)
		if (num(t, r, "count") > max)
			max = num(t, r, "count");
	grid_add_str(&g, "requested bytes");
	grid_add_str(&g, "count");
	grid_add_str(&g, "share");
	grid_add_str(&g, "");
	for (r = 0; r < t->nrows; r++) {
		uint64_t n = num(t, r, "count");
		size_t bar = max ? (size_t)(40.0 * n / max + 0.5) : 0;
		char *hashes = xrealloc(NULL, bar + 1, 1);

		memset(hashes, '#', bar);
		hashes[bar] = '\0';
		grid_add(&g, xasprintf("%s..%s",
				       cell(t, r, col_index(t, "min_bytes")),
				       cell(t, r, col_index(t, "max_bytes"))));
		grid_add(&g, fmt_u64(n));
		grid_add(&g, fmt_pct(n, total));
		grid_add(&g, hashes);
	}
	grid_print(&g, "  ");
}

static void view_heap(const struct snap *s)
{
	printf("Page heap\n");
	print_kvs(&s->heap, 2);
	printf("\nFree blocks per buddy order\n");
	print_free_blocks(&s->heap_free);
	printf("\nRequested sizes\n");
	if (s->have & F_SIZES)
		print_sizes(&s->sizes);
	else
		printf("  n/a (no sizes file)\n");
}

/* ---------------------------------------------------------------- JSON */

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* An integer as a JSON number (normalised), anything else as a string. */
static void json_value(const char *s)
{
	uint64_t u;
	int64_t i;

	if (parse_u64(s, &u))
		printf("%" PRIu64, u);
	else if (parse_s64(s, &i))
		printf("%" PRId64, i);
	else
		json_string(s);
}

static void json_kvs_body(const struct kvs *kv, const char *indent)
{
	size_t i;

	for (i = 0; i < kv->names.n; i++) {
		printf("%s%s", i ? ",\n" : "", indent);
		json_string(kv->names.v[i]);
		printf(": ");
		json_value(kv->vals.v[i]);
	}
}

static void json_rows(const struct table *t, const char *indent)
{
	size_t r, c;

	printf("[");
	for (r = 0; r < t->nrows; r++) {
		printf("%s\n%s{", r ? "," : "", indent);
		for (c = 0; c < t->cols.n; c++) {
			printf("%s", c ? ", " : "");
			json_string(t->cols.v[c]);
			printf(": ");
			json_value(cell(t, r, c));
		}
		printf("}");
	}
	if (t->nrows)
		printf("\n%.*s", (int)strlen(indent) - 2, indent);
	printf("]");
}

static void view_json(const struct snap *s)
{
	printf("{\n  \"memstats\": {\n");
	json_kvs_body(&s->memstats, "    ");
	printf("\n  },\n  \"classes\": ");
	json_rows(&s->classes, "    ");
	printf(",\n  \"cpus\": ");
	json_rows(&s->cpus, "    ");
	printf(",\n  \"pageheap\": {\n");
	json_kvs_body(&s->heap, "    ");
	printf(",\n    \"free_blocks\": ");
	json_rows(&s->heap_free, "      ");
	printf("\n  },\n  \"sizes\": ");
	json_rows(&s->sizes, "    ");
	if (s->have & F_CACHES) {
		printf(",\n  \"caches\": ");
		json_rows(&s->caches, "    ");
	}
	if (s->have & F_SITES) {
		printf(",\n  \"sites\": ");
		json_rows(&s->sites, "    ");
	}
	printf("\n}\n");
}

/* ---------------------------------------------------------------- main */

struct view {
	const char *name;
	unsigned int need, want;
	void (*show)(const struct snap *s);
};

static const struct view views[] = {
	{ "summary", F_MEMSTATS | F_CLASSES, F_CPUS | F_CACHES, view_summary },
	{ "classes", F_CLASSES, 0, view_classes },
	{ "cpus", F_CPUS, 0, view_cpus },
	{ "heap", F_PAGEHEAP, F_SIZES, view_heap },
	{ "caches", F_CACHES, 0, view_caches },
	{ "sites", F_SITES, 0, view_sites },
	{ "json", F_MEMSTATS | F_CLASSES | F_CPUS | F_PAGEHEAP | F_SIZES,
	  F_CACHES | F_SITES, view_json },
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [VIEW] [--dir DIR] [--watch SECONDS [--count N]] [--drain]\n"
		"Show spanalloc's counters from debugfs.\n"
		"\n"
		"Views (default: a one-screen summary: MemStats, derived figures and the\n"
		"top %d size classes by bytes in use, then the top %d typed caches):\n"
		"  -c, --classes        every size class, with bytes in use and waste\n"
		"  -p, --cpus           every CPU's cache and fast-path counters\n"
		"  -H, --heap           page heap, free blocks per order, requested sizes\n"
		"  -k, --caches         every typed cache (spanalloc_cache_create), most\n"
		"                       live bytes first, with slot bytes and waste\n"
		"  -s, --sites          the top %d allocation call sites, most live bytes\n"
		"                       first; with --watch, each one's change since the\n"
		"                       previous refresh\n"
		"  -j, --json           everything as one JSON object (with the sites\n"
		"                       file, when there is one, as \"sites\")\n"
		"\n"
		"Options:\n"
		"  -d, --dir DIR        read DIR instead of " DEFAULT_DIR "\n"
		"  -w, --watch SECONDS  refresh every SECONDS until interrupted\n"
		"  -n, --count N        with --watch, stop after N refreshes\n"
		"  -D, --drain          write 1 to DIR/drain (return cached memory) first\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exits 1 if DIR or a file the view needs is missing or unparsable.\n",
		prog, TOP_CLASSES, TOP_CACHES, TOP_SITES);
}

struct opts {
	const char *dir;
	const struct view *view;
	double watch;		/* seconds, 0 = once */
	unsigned long count;	/* 0 = until interrupted */
	bool drain;
};

static void set_view(struct opts *o, const char *name)
{
	size_t i;

	if (o->view)
		die("choose one of --classes, --cpus, --heap, --caches, --sites, --json");
	for (i = 0; i < ARRAY_SIZE(views); i++)
		if (!strcmp(views[i].name, name))
			o->view = &views[i];
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "classes", no_argument, NULL, 'c' },
		{ "cpus", no_argument, NULL, 'p' },
		{ "heap", no_argument, NULL, 'H' },
		{ "caches", no_argument, NULL, 'k' },
		{ "sites", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "dir", required_argument, NULL, 'd' },
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "drain", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->dir = DEFAULT_DIR;
	while ((ch = getopt_long(argc, argv, "cpHksjd:w:n:Dh", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'c':
			set_view(o, "classes");
			break;
		case 'p':
			set_view(o, "cpus");
			break;
		case 'H':
			set_view(o, "heap");
			break;
		case 'k':
			set_view(o, "caches");
			break;
		case 's':
			set_view(o, "sites");
			break;
		case 'j':
			set_view(o, "json");
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'D':
			o->drain = true;
			break;
		case 'w':
			errno = 0;
			o->watch = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(o->watch > 0) ||
			    o->watch > 86400)
				die("--watch: not a number of seconds in (0, 86400]: %s",
				    optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, NULL) || !strtoul(optarg, NULL, 10))
				die("--count: not a positive integer: %s", optarg);
			o->count = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument: %s (see --help)", argv[optind]);
	if (o->count && !o->watch)
		die("--count needs --watch");
	if (!o->view)
		o->view = &views[0];
}

/* Write 1 to @dir/drain; never creates the file (it is debugfs's). */
static void write_drain(const char *dir)
{
	char *path = xasprintf("%s/drain", dir);
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		die("%s: %s%s", path, strerror(errno),
		    errno == ENOENT ? " (is the spanalloc module loaded?)" : "");
	if (write(fd, "1\n", 2) != 2 || close(fd))
		die("%s: write failed: %s", path, strerror(errno));
	free(path);
}

static void show_once(const struct opts *o)
{
	struct snap s;

	load(o->dir, o->view->need, o->view->want, &s);
	o->view->show(&s);
	free_snap(&s);
	if (fflush(stdout) == EOF)
		die("write error: %s", strerror(errno));
}

static void sleep_seconds(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
	/* Returns early with EINTR on a signal; the loop then sees stop. */
	nanosleep(&ts, NULL);
}

static void watch(const struct opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	bool json = !strcmp(o->view->name, "json");
	unsigned long n;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (n = 1; !stop; n++) {
		/* JSON stays a plain stream of objects, for pipes. */
		if (!json)
			printf("\033[H\033[2J%s  every %gs  %s\n\n",
			       prog, o->watch, o->dir);
		show_once(o);
		if (o->count && n >= o->count)
			break;
		sleep_seconds(o->watch);
	}
}

int main(int argc, char **argv)
{
	struct opts o;

	parse_opts(argc, argv, &o);
	if (o.drain)
		write_drain(o.dir);
	if (o.watch)
		watch(&o);
	else
		show_once(&o);
	return 0;
}
