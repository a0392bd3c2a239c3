// SPDX-License-Identifier: GPL-2.0
/*
 * fsload: a deterministic file system workload that checks every byte it
 * wrote. Built static on the host (scripts/realmod.sh), run in the busybox
 * guest on a mounted minix or ext2 image by the scripts in tests/realmod/.
 *
 *   fsload [-f FILES] [-d DIRS] [-s SEED] [-m MAXSIZE] [-D] [-c] [-q] [-v] DIR
 *   fsload -T        print CLOCK_MONOTONIC in nanoseconds (busybox has no %N)
 *
 * Phases, in DIR (created if missing):
 *   mkdir   DIRS directories d000.. and a subdirectory s in each
 *   create  FILES files spread over them, written in uneven chunks; sizes
 *           0..MAXSIZE (default 128 KiB; 70% below 2 KiB, 27% below 16 KiB)
 *   verify  read every file back and compare every byte
 *   (-D: drop_caches, so inodes are evicted and read back from the disk)
 *   rename  every 3rd file to another directory (and back into subdirs)
 *   rewrite every 5th file truncated shorter, then extended by a new
 *           generation of content
 *   link    every 7th file gets a hard link, and its old name is unlinked
 *   unlink  every 4th file
 *   rmdir   the subdirectory s of every 2nd directory, after moving its
 *           files up
 *   verify  every surviving file, by its final name; count every directory
 *   (-c: remove everything it created, and DIR)
 *
 * The content of byte o of file i in generation g is a function of (SEED, i,
 * g, o): 32-byte records of the file's key, the record number and a fixed
 * filler, so a misplaced block names where it came from, and the image
 * compresses well enough to leave the guest through the console.
 *
 * Prints one summary line "fsload: ..." (-v: also the seconds each phase
 * took and the process's user and system CPU time) and exits 0, or 1 after the first errors (each printed
 * as "fsload: ERROR: ...").
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct file {
	unsigned int dir;	/* index of its directory */
	int in_sub;		/* in the subdirectory s */
	char name[16];		/* current name */
	unsigned int gen;	/* content generation */
	size_t cut;		/* bytes below this are of generation gen - 1 */
	size_t size;
	int alive;
};

static const char *root;
static unsigned int nfiles = 3000, ndirs = 100, maxsize = 128 * 1024;
static uint64_t seed = 1;
static int errors, quiet, verbose;
static struct file *files;
static unsigned char *buf, *want;
static uint64_t bytes_written, bytes_read, verified;

static void error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fsload: ERROR: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
	if (++errors >= 20) {
		printf("fsload: FAIL: too many errors, giving up\n");
		exit(1);
	}
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state = mix(rng_state);
	return rng_state;
}

static uint64_t file_key(unsigned int i, unsigned int gen)
{
	return mix(seed ^ mix(((uint64_t)gen << 32) | i));
}

/* The expected content of [off, off + len) of file i, generation gen. */
static void fill(unsigned char *p, unsigned int i, unsigned int gen, size_t off, size_t len)
{
	uint64_t key = file_key(i, gen);
	unsigned char rec[32];
	uint64_t recno = (uint64_t)-1;
	size_t k;

	memset(rec + 16, 0x5a, 16);
	memcpy(rec + 16, "fsload-filler..", 15);
	for (k = 0; k < len; k++) {
		uint64_t o = off + k;

		if (o / 32 != recno) {
			recno = o / 32;
			memcpy(rec, &key, 8);
			memcpy(rec + 8, &recno, 8);
		}
		p[k] = rec[o % 32];
	}
}

/* The expected content of a file, whose first f->cut bytes are older. */
static void fill_file(unsigned char *p, const struct file *f, unsigned int i, size_t off, size_t len)
{
	if (off < f->cut) {
		size_t n = f->cut - off < len ? f->cut - off : len;

		fill(p, i, f->gen - 1, off, n);
		p += n;
		off += n;
		len -= n;
	}
	if (len)
		fill(p, i, f->gen, off, len);
}

static char *path_of(const struct file *f, char *out, size_t n)
{
	snprintf(out, n, "%s/d%03u%s/%s", root, f->dir, f->in_sub ? "/s" : "", f->name);
	return out;
}

static size_t pick_size(void)
{
	uint64_t r = rnd() % 100;
	size_t n;

	if (r < 70)
		n = rnd() % 2048;
	else if (r < 97)
		n = 2048 + rnd() % (16384 - 2048);
	else
		n = 16384 + rnd() % (maxsize > 16384 ? maxsize - 16384 + 1 : 1);
	return n < maxsize ? n : maxsize;
}

static int write_range(int fd, const struct file *f, unsigned int i, size_t off, size_t end)
{
	while (off < end) {
		size_t chunk = 1 + rnd() % 12000;
		ssize_t w;

		if (chunk > end - off)
			chunk = end - off;
		fill(buf, i, f->gen, off, chunk);
		w = pwrite(fd, buf, chunk, off);
		if (w != (ssize_t)chunk) {
			error("write %s at %zu: %s", f->name, off, w < 0 ? strerror(errno) : "short");
			return -1;
		}
		off += chunk;
		bytes_written += chunk;
	}
	return 0;
}

static void verify_file(unsigned int i)
{
	struct file *f = &files[i];
	char path[256];
	struct stat st;
	size_t off = 0;
	int fd;

	path_of(f, path, sizeof(path));
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		error("open %s: %s", path, strerror(errno));
		return;
	}
	if (fstat(fd, &st) || (size_t)st.st_size != f->size)
		error("%s: size %lld, expected %zu", path, (long long)st.st_size, f->size);
	for (;;) {
		ssize_t r = read(fd, buf, 65536);

		if (r < 0) {
			error("read %s: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		fill_file(want, f, i, off, r);
		if (memcmp(buf, want, r)) {
			size_t k = 0;

			while (buf[k] == want[k])
				k++;
			error("%s: wrong byte at offset %zu (gen %u, cut %zu)", path, off + k,
			      f->gen, f->cut);
			break;
		}
		off += r;
		bytes_read += r;
	}
	if (off != f->size)
		error("%s: read %zu bytes, expected %zu", path, off, f->size);
	close(fd);
	verified++;
}

static void verify_all(const char *phase)
{
	unsigned int i;

	for (i = 0; i < nfiles; i++)
		if (files[i].alive)
			verify_file(i);
	if (!quiet)
		printf("fsload: %s: verified %" PRIu64 " files so far\n", phase, verified);
}

static void drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0 || write(fd, "3", 1) != 1)
		error("drop_caches: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void do_mkdir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		error("mkdir %s: %s", path, strerror(errno));
}

/* Entries of a directory, without . and .. */
static long count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	long n = 0;

	if (!d) {
		error("opendir %s: %s", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static char phases[512];
static uint64_t phase_t;

/* -v: the seconds since the previous phase ended, under NAME */
static void phase(const char *name)
{
	uint64_t t = now_ns();
	size_t n = strlen(phases);

	snprintf(phases + n, sizeof(phases) - n, " %s %.2f", name, (t - phase_t) / 1e9);
	phase_t = t;
}

static void usage(void)
{
	fprintf(stderr, "usage: fsload [-f FILES] [-d DIRS] [-s SEED] [-m MAXSIZE] [-D] [-c] [-q] [-v] DIR\n"
		"       fsload -T\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int renamed = 0, rewritten = 0, linked = 0, unlinked = 0, rmdirs = 0;
	unsigned int i, d, ndir_total, alive = 0;
	int opt, drop = 0, clean = 0;
	uint64_t t0 = now_ns();
	char path[256], path2[256];
	long entries = 0;

	while ((opt = getopt(argc, argv, "f:d:s:m:DcqvT")) != -1) {
		switch (opt) {
		case 'f':
			nfiles = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			ndirs = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			maxsize = strtoul(optarg, NULL, 0);
			break;
		case 'D':
			drop = 1;
			break;
		case 'c':
			clean = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'T':
			printf("%" PRIu64 "\n", now_ns());
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || !nfiles || !ndirs || ndirs > 1000 || nfiles > 99999)
		usage();
	root = argv[optind];
	rng_state = mix(seed);
	files = calloc(nfiles, sizeof(*files));
	buf = malloc(65536);
	want = malloc(65536);
	if (!files || !buf || !want)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	phase_t = t0;

	/* mkdir */
	do_mkdir(root);
	for (d = 0; d < ndirs; d++) {
		snprintf(path, sizeof(path), "%s/d%03u", root, d);
		do_mkdir(path);
		snprintf(path, sizeof(path), "%s/d%03u/s", root, d);
		do_mkdir(path);
	}
	phase("mkdir");

	/* create */
	for (i = 0; i < nfiles; i++) {
		struct file *f = &files[i];
		int fd;

		f->dir = i % ndirs;
		f->in_sub = (i / ndirs) % 3 == 2;
		snprintf(f->name, sizeof(f->name), "f%05u", i);
		f->size = pick_size();
		path_of(f, path, sizeof(path));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			error("create %s: %s", path, strerror(errno));
			continue;
		}
		f->alive = 1;
		write_range(fd, f, i, 0, f->size);
		if (close(fd))
			error("close %s: %s", path, strerror(errno));
	}
	phase("create");
	verify_all("create");
	phase("verify");
	if (drop) {
		drop_caches();
		phase("drop");
		verify_all("after drop_caches");
		phase("verify");
	}

	/* rename: every 3rd file to another directory, some into subdirs */
	for (i = 0; i < nfiles; i += 3) {
		struct file *f = &files[i];

		if (!f->alive)
			continue;
		path_of(f, path, sizeof(path));
		f->dir = (f->dir + 1 + i % 7) % ndirs;
		f->in_sub = (i % 2) && ((i / ndirs) % 3 != 2);
		snprintf(f->name, sizeof(f->name), "r%05u", i);
		path_of(f, path2, sizeof(path2));
		if (rename(path, path2))
			error("rename %s %s: %s", path, path2, strerror(errno));
		renamed++;
	}
	phase("rename");

	/* rewrite: truncate shorter, then new content past the cut */
	for (i = 1; i < nfiles; i += 5) {
		struct file *f = &files[i];
		size_t cut, newsize;
		int fd;

		if (!f->alive)
			continue;
		path_of(f, path, sizeof(path));
		fd = open(path, O_WRONLY);
		if (fd < 0) {
			error("open %s: %s", path, strerror(errno));
			continue;
		}
		/*
		 * keep a prefix (often mid-block, sometimes past the direct
		 * blocks), then a new generation from there on
		 */
		cut = f->size ? rnd() % f->size : 0;
		if (ftruncate(fd, cut))
			error("truncate %s: %s", path, strerror(errno));
		f->gen++;
		f->cut = cut;
		newsize = cut + pick_size();
		write_range(fd, f, i, cut, newsize);
		f->size = newsize;
		close(fd);
		rewritten++;
	}
	phase("rewrite");

	/* link: a second name, then drop the first */
	for (i = 3; i < nfiles; i += 7) {
		struct file *f = &files[i];

		if (!f->alive)
			continue;
		path_of(f, path, sizeof(path));
		snprintf(f->name, sizeof(f->name), "l%05u", i);
		path_of(f, path2, sizeof(path2));
		if (link(path, path2))
			error("link %s %s: %s", path, path2, strerror(errno));
		else if (unlink(path))
			error("unlink %s: %s", path, strerror(errno));
		linked++;
	}
	phase("link");

	/* unlink every 4th file */
	for (i = 2; i < nfiles; i += 4) {
		struct file *f = &files[i];

		if (!f->alive)
			continue;
		path_of(f, path, sizeof(path));
		if (unlink(path))
			error("unlink %s: %s", path, strerror(errno));
		f->alive = 0;
		unlinked++;
	}
	phase("unlink");

	/* rmdir: move the files of every 2nd subdirectory up, remove it */
	for (i = 0; i < nfiles; i++) {
		struct file *f = &files[i];

		if (!f->alive || !f->in_sub || f->dir % 2)
			continue;
		path_of(f, path, sizeof(path));
		f->in_sub = 0;
		path_of(f, path2, sizeof(path2));
		if (rename(path, path2))
			error("rename %s %s: %s", path, path2, strerror(errno));
	}
	for (d = 0; d < ndirs; d += 2) {
		snprintf(path, sizeof(path), "%s/d%03u/s", root, d);
		if (rmdir(path))
			error("rmdir %s: %s", path, strerror(errno));
		rmdirs++;
	}
	phase("rmdir");

	if (drop) {
		drop_caches();
		phase("drop");
	}
	verify_all("final");
	for (i = 0; i < nfiles; i++)
		alive += files[i].alive;
	for (d = 0; d < ndirs; d++) {
		snprintf(path, sizeof(path), "%s/d%03u", root, d);
		entries += count_dir(path);
		if (d % 2) {
			snprintf(path, sizeof(path), "%s/d%03u/s", root, d);
			entries += count_dir(path);
		}
	}
	ndir_total = 2 * ndirs - rmdirs;
	/* files + the remaining subdirectories */
	if (entries != (long)alive + (long)(ndirs - rmdirs))
		error("directories hold %ld entries, expected %u files + %u subdirectories",
		      entries, alive, ndirs - rmdirs);
	phase("verify");

	if (clean) {
		for (i = 0; i < nfiles; i++) {
			if (!files[i].alive)
				continue;
			path_of(&files[i], path, sizeof(path));
			if (unlink(path))
				error("unlink %s: %s", path, strerror(errno));
		}
		for (d = 0; d < ndirs; d++) {
			if (d % 2) {
				snprintf(path, sizeof(path), "%s/d%03u/s", root, d);
				if (rmdir(path))
					error("rmdir %s: %s", path, strerror(errno));
			}
			snprintf(path, sizeof(path), "%s/d%03u", root, d);
			if (rmdir(path))
				error("rmdir %s: %s", path, strerror(errno));
		}
		if (rmdir(root))
			error("rmdir %s: %s", root, strerror(errno));
		phase("remove");
	}

	printf("fsload: %s: files %u dirs %u (left %u files, %u dirs%s) renamed %u rewritten %u linked %u unlinked %u rmdir %u; "
	       "wrote %" PRIu64 " read %" PRIu64 " bytes, verified %" PRIu64 " files, errors %d, %.2f s\n",
	       root, nfiles, 2 * ndirs, alive, ndir_total, clean ? ", then removed" : "",
	       renamed, rewritten, linked, unlinked, rmdirs, bytes_written, bytes_read,
	       verified, errors, (now_ns() - t0) / 1e9);
	if (verbose) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		printf("fsload: phases (s):%s\n", phases);
		printf("fsload: cpu (s): user %.2f sys %.2f\n",
		       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
		       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	}
	return errors ? 1 : 0;
}
