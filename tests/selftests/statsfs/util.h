/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-guest test programs: files and modules.
 */
#ifndef STATSFS_GUEST_UTIL_H
#define STATSFS_GUEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Reads a whole small file into @buf, NUL-terminated; returns its length or -errno. */
static inline int slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

/* Loads the module in file @ko; returns 0 or -1 with errno set. */
static inline int load_module(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int r, e;

	if (fd < 0)
		return -1;
	r = syscall(SYS_finit_module, fd, "", 0);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* Unloads module @name without waiting; returns 0 or -1 with errno set. */
static inline int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

#endif /* STATSFS_GUEST_UTIL_H */
