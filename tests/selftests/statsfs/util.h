/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-guest test programs: files, modules, fail-nth,
 * memory cgroups.
 */
#ifndef STATSFS_GUEST_UTIL_H
#define STATSFS_GUEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
static inline int load_module_params(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int r, e;

	if (fd < 0)
		return -1;
	r = syscall(SYS_finit_module, fd, params, 0);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* Unloads module @name without waiting; returns 0 or -1 with errno set. */
static inline int load_module(const char *ko)
{
	return load_module_params(ko, "");
}

/* Writes @text to the file @path; returns 0 or -errno. */
static inline int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Writes @msg to the kernel log, where the result judge reads it. */
static inline void kmsg(const char *msg)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, msg, strlen(msg)) < 0)
			perror("/dev/kmsg");
		close(fd);
	}
}

static inline int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/*
 * Arms /proc/thread-self/fail-nth to fail the @nth fault-injection point from
 * now on (a slab allocation here); 0 disarms it. Returns its fd, or -1.
 */
static inline int fail_nth(int nth)
{
	char buf[16];
	int fd = open("/proc/thread-self/fail-nth", O_RDWR);

	if (fd < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%d", nth);
	if (write(fd, buf, strlen(buf)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the failure armed on @fd was injected; disarms it and closes @fd. */
static inline bool fail_nth_injected(int fd)
{
	char buf[16] = "";
	bool injected;

	/* It reads "0\n" once the failure was injected, the count left otherwise. */
	injected = pread(fd, buf, sizeof(buf) - 1, 0) > 0 && atoi(buf) == 0;
	if (write(fd, "0", 1) < 0)
		injected = false;
	close(fd);
	return injected;
}

/* Runs @fn as uid and gid 1000 in a child; returns its exit status (100: setuid failed). */
static inline int as_user(int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(100);
		_exit(fn());
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The value of line @key ("Slab:") of /proc/meminfo, in KiB, or -1. */
static inline long meminfo(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* cgroup v2, with the memory controller, where the tests make their groups. */
#define CGROUP_ROOT "/sys/fs/cgroup"

/*
 * Moves the calling process into the memory cgroup @name (made if need be),
 * under cgroup v2 mounted at CGROUP_ROOT; 0 or -1 with errno set.
 */
static inline int enter_memcg(const char *name)
{
	char path[256], pid[32];

	if (mount("cgroup2", CGROUP_ROOT, "cgroup2", 0, NULL) && errno != EBUSY)
		return -1;
	if (write_file(CGROUP_ROOT "/cgroup.subtree_control", "+memory"))
		return -1;
	snprintf(path, sizeof(path), CGROUP_ROOT "/%s", name);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), CGROUP_ROOT "/%s/cgroup.procs", name);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_file(path, pid) ? -1 : 0;
}

/* Moves the calling process back to the root cgroup; 0 or -1. */
static inline int leave_memcg(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_file(CGROUP_ROOT "/cgroup.procs", pid) ? -1 : 0;
}

/* The memory charged to cgroup @name (memory.current), in bytes, or -1. */
static inline long memcg_current(const char *name)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), CGROUP_ROOT "/%s/memory.current", name);
	return slurp(path, buf, sizeof(buf)) > 0 ? strtol(buf, NULL, 10) : -1;
}

#endif /* STATSFS_GUEST_UTIL_H */
