// SPDX-License-Identifier: GPL-2.0
/*
 * Values a module adds to a source it does not own (tests/modules/: module A,
 * stats_fs_owner_test.ko, owns the source "owner"; module B,
 * stats_fs_visitor_test.ko, adds "hits" to it from its own memory):
 *
 * - B takes them back with stats_fs_source_remove_values() before it unloads;
 *   A's files keep reading under KASAN.
 * - B forgets (forget=1): statsfs revokes B's group as B unloads, with a WARN
 *   naming B (expected: the test marks it in the kernel log for the judge);
 *   a file held open across the unload reads 0, the name is gone, A is intact.
 */
#define _GNU_SOURCE
#define STATSFS_DESTRUCTIVE "provokes a WARN on purpose (fatal with panic_on_warn)"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bulk_util.h"
#include "harness.h"
#include "util.h"

#define MNT "/sys/kernel/stats"
#define OWNER_KO "/lib/modules/owners/stats_fs_owner_test.ko"
#define VISITOR_KO "/lib/modules/owners/stats_fs_visitor_test.ko"

/* The number a value file shows, or -1 - errno. */
static long long read_number(const char *path)
{
	char buf[64];
	int n = slurp(path, buf, sizeof(buf));

	return n < 0 ? -1 + n : strtoll(buf, NULL, 10);
}

/* Whether the kernel log holds @needle. */
static int klog_has(const char *needle)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf = size > 0 ? malloc(size + 1) : NULL;
	int n, found = 0;

	if (!buf)
		return 0;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n > 0) {
		buf[n] = '\0';
		found = strstr(buf, needle) != NULL;
	}
	free(buf);
	return found;
}

FIXTURE(owners) {
	int mounted;
};

FIXTURE_SETUP(owners)
{
	self->mounted = !mount("statsfs", MNT, "statsfs", 0, NULL);
	ASSERT_EQ(0, load_module(OWNER_KO));
}

FIXTURE_TEARDOWN(owners)
{
	unload_module("stats_fs_visitor_test");
	CHECK_OK("unload_owner", unload_module("stats_fs_owner_test"));
	if (self->mounted)
		umount(MNT);
}

TEST_F(owners, remove_values_before_unload)
{
	struct stat st;

	CHECK(read_number(MNT "/owner/own") == 11, "owner_reads", "own");
	CHECK_OK("load_visitor", load_module(VISITOR_KO));
	CHECK(read_number(MNT "/owner/hits") == 42, "visitor_reads", "hits");
	CHECK_OK("unload_visitor", unload_module("stats_fs_visitor_test"));
	CHECK_ERRNO("visitor_gone", stat(MNT "/owner/hits", &st), ENOENT);
	CHECK(read_number(MNT "/owner/own") == 11, "owner_intact", "own");
	/* And again: the pair can be added after it was taken back. */
	CHECK_OK("reload_visitor", load_module(VISITOR_KO));
	CHECK(read_number(MNT "/owner/hits") == 42, "visitor_reads_again", "hits");
}

TEST_F(owners, forgotten_values_are_revoked_on_unload)
{
	char buf[64];
	struct stat st;
	ssize_t n;
	int fd;

	CHECK_OK("load_forgetful_visitor",
		 load_module_params(VISITOR_KO, "forget=1"));
	fd = open(MNT "/owner/hits", O_RDONLY);
	CHECK(fd >= 0, "open_across_unload", "%s", strerror(errno));
	/* The judge accepts this one WARN, from statsfs's module notifier. */
	kmsg("statsfs-test: expect WARN from stats_fs_owners.c:stats_fs_module_notify\n");
	CHECK_OK("unload_forgetful_visitor", unload_module("stats_fs_visitor_test"));
	kmsg("statsfs-test: expect end\n");
	CHECK(klog_has("statsfs: module stats_fs_visitor_test unloaded with 1 value groups"),
	      "warn_names_module", "no WARN naming the module in the kernel log");
	/* Nothing of the module is touched: the open file reads 0, the name is gone. */
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	CHECK(n == 2 && !memcmp(buf, "0\n", 2), "open_file_reads_0", "read %zd", n);
	close(fd);
	CHECK_ERRNO("name_gone", stat(MNT "/owner/hits", &st), ENOENT);
	CHECK(read_number(MNT "/owner/own") == 11, "owner_intact", "own");
	/*
	 * The bulk record of the owner's directory, with the revoked group among its
	 * groups and a live one after it: the visitor again.
	 */
	CHECK_OK("load_visitor_again", load_module(VISITOR_KO));
	{
		size_t len;
		char *text = read_chunked(MNT "/owner/.values", 7, &len);

		CHECK(text && strstr(text, "own 11\n") && strstr(text, "hits 42\n"),
		      "values_record_past_a_revoked_group", "%s", text ? text : strerror(errno));
		free(text);
	}
	CHECK_OK("unload_visitor_again", unload_module("stats_fs_visitor_test"));
}

TEST_HARNESS_MAIN
