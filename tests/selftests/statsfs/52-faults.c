// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection (failslab and fail_page_alloc, through fail-nth: only this
 * task's allocations fail).
 *
 * - c_api: tests/modules/stats_fs_fault_test.ko fails each allocation of each
 *   C API entry point in turn (KUnit suite statsfs_fault_injection, judged
 *   from the kernel log).
 * - fs_paths: mount, remount, umount, lookup, readdir, open, read, write and
 *   the metadata files, each with its 1st, 2nd, ... allocation failed until it
 *   needs no more. Each attempt works or fails with ENOMEM, and afterwards the
 *   tree (tests/modules/stats_fs_fs_test.ko's fs_test/) lists and reads as
 *   before. kmemleak, run after the in-guest tests, finds any leak.
 */
#define _GNU_SOURCE
#define STATSFS_DESTRUCTIVE "injects allocation failures into the kernel"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define MNT "/sys/kernel/stats"
#define T MNT "/fs_test"
#define ALT "/tmp/statsfs-faults"
#define MAX_NTH 2000

static int put(const char *path, const char *text)
{
	return write_file(path, text);
}

/* The number of entries getdents64 gives for the open directory @fd, or -errno. */
static int count_entries(int fd)
{
	char buf[512];
	long n, off;
	int count = 0;

	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += ((struct dirent64 *)(buf + off))->d_reclen)
			count++;
	return n < 0 ? -errno : count;
}

static int list_tree(void)
{
	int fd = open(T, O_RDONLY | O_DIRECTORY), n;

	if (fd < 0)
		return -errno;
	n = count_entries(fd);
	close(fd);
	return n;
}

/* What the tree looks like when it works. */
static int base_entries;
static char base_text[64];

static bool tree_intact(char *why, size_t size)
{
	char text[64];
	int n = list_tree(), r = slurp(T "/dev0/u64", text, sizeof(text));

	if (n != base_entries || r < 0 || strcmp(text, base_text)) {
		snprintf(why, size, "%d entries (want %d), dev0/u64 %d \"%s\"", n, base_entries,
			 r, r < 0 ? "" : text);
		return false;
	}
	return true;
}

/*
 * One file system operation with fail-nth armed around its system call, as
 * @nth: returns 0 or -errno, and sets *@injected to whether an allocation was
 * failed. Whatever it sets up unarmed, it takes down.
 */
typedef int (*fs_op)(int nth, bool *injected);

#define ARMED(nth, injected, call) ({					\
	int __fd = fail_nth(nth), __r;					\
									\
	__r = (call) < 0 ? -errno : 0;					\
	*(injected) = __fd >= 0 && fail_nth_injected(__fd);		\
	__r;								\
})

static int op_mount(int nth, bool *injected)
{
	int r = ARMED(nth, injected, mount("statsfs", ALT, "statsfs", 0, "mode=0750,uid=0"));

	if (!r && umount(ALT))
		return -errno;
	return r;
}

static int op_remount(int nth, bool *injected)
{
	return ARMED(nth, injected, mount(NULL, MNT, NULL, MS_REMOUNT, "mode=0700"));
}

static int op_umount(int nth, bool *injected)
{
	int r;

	if (mount("statsfs", ALT, "statsfs", 0, NULL))
		return -errno;
	r = ARMED(nth, injected, umount(ALT));
	if (r && umount(ALT))
		return -errno;
	return r;
}

static int op_lookup(int nth, bool *injected)
{
	struct stat st;

	/* Unused dentries go, so the walk has to look every component up. */
	put("/proc/sys/vm/drop_caches", "2");
	return ARMED(nth, injected, stat(T "/dev0/sub/u64", &st));
}

static int op_readdir(int nth, bool *injected)
{
	int fd = open(T, O_RDONLY | O_DIRECTORY), n = 0, r;

	if (fd < 0)
		return -errno;
	r = ARMED(nth, injected, n = count_entries(fd));
	close(fd);
	if (!r && n != base_entries)
		return -EBADMSG;
	return r;
}

static int op_open(int nth, bool *injected)
{
	int fd = -1, r = ARMED(nth, injected, fd = open(T "/dev0/u64", O_RDONLY));

	if (fd >= 0)
		close(fd);
	return r;
}

static int op_read(int nth, bool *injected)
{
	char text[64] = "";
	int fd = open(T "/dev0/u64", O_RDONLY), r;

	if (fd < 0)
		return -errno;
	r = ARMED(nth, injected, read(fd, text, sizeof(text) - 1));
	close(fd);
	if (!r && strcmp(text, base_text))
		return -EBADMSG;
	return r;
}

static int op_write(int nth, bool *injected)
{
	int fd = open(T "/dev1/u16", O_WRONLY), r;

	if (fd < 0)
		return -errno;
	r = ARMED(nth, injected, write(fd, "0", 1));
	close(fd);
	return r;
}

static int read_all(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n;
}

static int op_values(int nth, bool *injected)
{
	return ARMED(nth, injected, read_all(T "/.values"));
}

static int op_schema(int nth, bool *injected)
{
	return ARMED(nth, injected, read_all(T "/.schema"));
}

static int op_stats(int nth, bool *injected)
{
	return ARMED(nth, injected, read_all(T "/.stats"));
}

static const struct {
	const char *name;
	fs_op op;
} fs_ops[] = {
	{ "mount", op_mount }, { "remount", op_remount }, { "umount", op_umount },
	{ "lookup", op_lookup }, { "readdir", op_readdir }, { "open", op_open },
	{ "read", op_read }, { "write", op_write }, { "values", op_values },
	{ "schema", op_schema }, { "stats", op_stats },
};

FIXTURE(faults) {
	int mounted;
};

FIXTURE_SETUP(faults)
{
	ASSERT_EQ(0, put("/sys/kernel/debug/failslab/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, put("/sys/kernel/debug/failslab/verbose", "0"));
	ASSERT_EQ(0, put("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, put("/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N"));
	ASSERT_EQ(0, put("/sys/kernel/debug/fail_page_alloc/min-order", "0"));
	ASSERT_EQ(0, put("/sys/kernel/debug/fail_page_alloc/verbose", "0"));
	self->mounted = !mount("statsfs", MNT, "statsfs", 0, NULL);
	ASSERT_EQ(0, load_module("/lib/modules/tests/stats_fs_fs_test.ko"));
	mkdir(ALT, 0700);
}

FIXTURE_TEARDOWN(faults)
{
	unload_module("stats_fs_fs_test");
	if (self->mounted)
		umount(MNT);
}

TEST_F(faults, c_api)
{
	CHECK_OK("load_fault_test",
		 load_module("/lib/modules/ondemand/stats_fs_fault_test.ko"));
	CHECK_OK("unload_fault_test", unload_module("stats_fs_fault_test"));
}

TEST_F(faults, fs_paths)
{
	char why[160], name[64];
	size_t i;

	base_entries = list_tree();
	ASSERT_LT(0, base_entries);
	ASSERT_LT(0, slurp(T "/dev0/u64", base_text, sizeof(base_text)));
	for (i = 0; i < sizeof(fs_ops) / sizeof(fs_ops[0]); i++) {
		int nth, r = 0, failures = 0;
		bool injected = true;

		why[0] = '\0';
		for (nth = 1; nth < MAX_NTH && injected && !why[0]; nth++) {
			r = fs_ops[i].op(nth, &injected);
			if (r && (r != -ENOMEM || !injected))
				snprintf(why, sizeof(why), "allocation %d: %s (%s)", nth,
					 strerror(-r), injected ? "injected" : "nothing failed");
			failures += r != 0;
			if (!why[0])
				tree_intact(why, sizeof(why));
		}
		printf("# %s: %d runs, %d failed with ENOMEM\n", fs_ops[i].name, nth - 1,
		       failures);
		snprintf(name, sizeof(name), "%s_fails_cleanly", fs_ops[i].name);
		CHECK(!why[0] && !injected, name, "%s", why);
	}
}

TEST_HARNESS_MAIN
