// SPDX-License-Identifier: GPL-2.0
/*
 * sa-insmod - load a kernel module with exactly one finit_module() call.
 *
 * busybox insmod retries a failed finit_module() with init_module(), so a
 * module whose init fails (say a benchmark returning -EAGAIN to unload
 * itself) runs its init twice. This loader never retries. The guest image
 * built by scripts/harness/vm.sh installs it as /sbin/insmod and /sbin/sa-insmod.
 *
 * Usage: insmod FILE.ko [param=value ...]
 * Exit status: 0 on success, else the errno of finit_module() (e.g. 11 for
 * EAGAIN, 22 for EINVAL), or 1/2 for open and usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len = 1;
	char *params;
	int fd, i, err;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE.ko [param=value ...]\n", argv[0]);
		return 2;
	}
	for (i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	params = calloc(1, len);
	if (!params)
		return 1;
	for (i = 2; i < argc; i++) {
		if (i > 2)
			strcat(params, " ");
		strcat(params, argv[i]);
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "insmod: can't open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (syscall(SYS_finit_module, fd, params, 0) != 0) {
		err = errno;
		fprintf(stderr, "insmod: ERROR: could not insert module %s: %s (errno %d)\n",
			argv[1], strerror(err), err);
		return err & 0xff ? err & 0xff : 1;
	}
	return 0;
}
