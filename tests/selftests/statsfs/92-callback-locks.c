// SPDX-License-Identifier: GPL-2.0
/*
 * The locking rule for value callbacks (<linux/stats_fs.h>, struct
 * stats_fs_type): get(), clear() and show() run under an active reference to
 * their group, which revoking, removing the values and the last put wait
 * for; so a callback must not take a lock its provider holds across those.
 * tests/modules/stats_fs_lock_test.ko shows lockdep the three cases: a get()
 * taking its own mutex, and one taking the provider's mutex held only while
 * values are added (adding waits for no reader), pass quietly; a get() taking
 * the provider's mutex held across stats_fs_source_revoke() is reported as a
 * circular locking dependency, which this program announces to the result
 * judge.
 *
 * Lockdep turns itself off after its first report, so this runs in a boot of
 * its own (statsfs_mode=lockdep, scripts/check.sh), and every other test with
 * lockdep on.
 */
#define _GNU_SOURCE
#define STATSFS_DESTRUCTIVE "provokes a lockdep report on purpose, which turns lockdep off"

#include <stdlib.h>
#include <sys/klog.h>

#include "harness.h"
#include "util.h"

#define LOCK_KO "/lib/modules/ondemand/stats_fs_lock_test.ko"
#define REPORT "possible circular locking dependency detected"
#define PROVIDER_LOCK "stats_fs_lock_test_provider_lock"

/* The kernel log; the caller frees it. */
static char *kernel_log(void)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf = size > 0 ? malloc(size + 1) : NULL;
	int n;

	if (!buf)
		return NULL;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int log_has(const char *needle)
{
	char *log = kernel_log();
	int found = log && strstr(log, needle);

	free(log);
	return found;
}

TEST(callbacks_and_locks)
{
	int e;

	/* 90-lifecycle may have left statsfs unloaded; its KUnit suites ran already. */
	write_file("/sys/module/kunit/parameters/filter_glob", "statsfs_none_on_reload");
	e = load_module("/lib/modules/statsfs.ko");
	ASSERT_TRUE(e == 0 || errno == EEXIST);
	ASSERT_FALSE(log_has(REPORT));

	CHECK_OK("load_own_lock", load_module_params(LOCK_KO, "mode=0"));
	CHECK_OK("unload_own_lock", unload_module("stats_fs_lock_test"));
	CHECK(!log_has(REPORT), "own_lock_in_get_is_quiet", "lockdep reported");

	CHECK_OK("load_lock_held_across_add", load_module_params(LOCK_KO, "mode=1"));
	CHECK_OK("unload_lock_held_across_add", unload_module("stats_fs_lock_test"));
	CHECK(!log_has(REPORT), "provider_lock_held_across_add_is_quiet",
	      "lockdep reported: adding values must wait for no reader");

	kmsg("statsfs-test: expect lockdep report naming " PROVIDER_LOCK "\n");
	CHECK_OK("load_lock_held_across_revoke", load_module_params(LOCK_KO, "mode=2"));
	kmsg("statsfs-test: expect end\n");
	CHECK_OK("unload_lock_held_across_revoke", unload_module("stats_fs_lock_test"));
	CHECK(log_has(REPORT) && log_has(PROVIDER_LOCK), "provider_lock_held_across_revoke_is_reported",
	      "no lockdep report naming " PROVIDER_LOCK);
}

TEST_HARNESS_MAIN
