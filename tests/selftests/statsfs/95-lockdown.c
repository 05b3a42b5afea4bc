// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs stays readable under kernel lockdown, where debugfs does not.
 *
 * Raises the lockdown level to "confidentiality" for the rest of the boot, so it
 * runs last, after everything that needs debugfs (the harness's kmemleak scans,
 * the last one after 90-lifecycle unloaded statsfs, which this test loads again).
 */
#define _GNU_SOURCE
#define STATSFS_DESTRUCTIVE "locks the running kernel down until the next boot"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define MNT "/sys/kernel/stats"

static int lock_down(void)
{
	int fd = open("/sys/kernel/security/lockdown", O_WRONLY);
	int e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, "confidentiality", 15) != 15)
		e = errno;
	close(fd);
	return e;
}

TEST(statsfs_stays_readable_under_lockdown)
{
	char buf[4096];
	int r;

	/*
	 * statsfs's KUnit suites ran when it first loaded: do not run them again
	 * (writing the filter is allowed before lockdown, and only affects loads).
	 */
	write_file("/sys/module/kunit/parameters/filter_glob", "statsfs_none_on_reload");
	r = load_module("/lib/modules/statsfs.ko");
	CHECK(r == 0 || errno == EEXIST, "load_statsfs", "%s", strerror(errno));
	CHECK_OK("load_rust_sample", load_module("/lib/modules/tests/rust_stats_fs_sample.ko"));
	CHECK_OK("mount", mount("statsfs", MNT, "statsfs", 0, NULL));
	r = slurp("/sys/kernel/debug/kmemleak", buf, sizeof(buf));
	CHECK(r >= 0, "debugfs_readable_before", "debugfs read gave %d", r);

	r = lock_down();
	CHECK(r == 0, "lockdown_confidentiality", "cannot raise lockdown: %s", strerror(r));
	slurp("/sys/kernel/security/lockdown", buf, sizeof(buf));
	CHECK(strstr(buf, "[confidentiality]") != NULL, "lockdown_in_force", "%s", buf);
	r = slurp("/sys/kernel/debug/kmemleak", buf, sizeof(buf));
	CHECK(r == -EPERM, "debugfs_locked_down", "debugfs read gave %d", r);
	r = slurp(MNT "/rust_sample/worker1/jobs", buf, sizeof(buf));
	CHECK(r == 3 && !strcmp(buf, "20\n"), "statsfs_readable_under_lockdown",
		  "read %d \"%s\"", r, r > 0 ? buf : "");

	CHECK_OK("umount", umount(MNT));
	CHECK_OK("unload_rust_sample", unload_module("rust_stats_fs_sample"));
}

TEST_HARNESS_MAIN
