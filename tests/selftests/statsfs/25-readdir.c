// SPDX-License-Identifier: GPL-2.0
/*
 * readdir positions are stable: a directory listed one entry per getdents64()
 * call, while other entries of it are removed and added between the calls,
 * lists every entry that exists throughout exactly once (POSIX lets a listing
 * miss or show only the entries that come or go during it), and never lists a
 * name twice.
 *
 * The directory is scale/ of tests/modules/stats_fs_scale_test.ko with 200
 * sources s0..s199; a child process removes and re-adds the odd ones, and adds
 * and removes s200, in a loop, while the parent lists scale/ 6 times.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define MNT "/sys/kernel/stats"
#define ACTION "/sys/module/stats_fs_scale_test/parameters/action"
#define SOURCES 200

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int act(const char *cmd)
{
	int fd = open(ACTION, O_WRONLY), r;

	if (fd < 0)
		return -1;
	r = write(fd, cmd, strlen(cmd));
	close(fd);
	return r < 0 ? -1 : 0;
}

/* Lists @dir one entry per call; counts how often each s<i> is seen in @seen. */
static int list_one_by_one(const char *dir, int *seen, int *others)
{
	/* Room for one entry with a short name, not two. */
	char buf[sizeof(struct linux_dirent64) + 16] __attribute__((aligned(8)));
	int fd = open(dir, O_RDONLY | O_DIRECTORY), calls = 0;
	long n;

	if (fd < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		struct linux_dirent64 *d = (void *)buf;
		int i;

		calls++;
		if (d->d_name[0] == 's' && sscanf(d->d_name + 1, "%d", &i) == 1 &&
		    i >= 0 && i <= SOURCES)
			seen[i]++;
		else
			(*others)++;
	}
	close(fd);
	return n < 0 ? -1 : calls;
}

TEST(listing_while_siblings_come_and_go)
{
	int seen[SOURCES + 1], others, round, i, calls, mounted, loaded;
	char cmd[32];
	pid_t churn;

	mounted = !mount("statsfs", MNT, "statsfs", 0, NULL);
	loaded = !load_module("/lib/modules/tests/stats_fs_scale_test.ko");
	ASSERT_EQ(0, act("scale=200"));
	churn = fork();
	ASSERT_GE(churn, 0);
	if (churn == 0) {
		for (;;) {
			for (i = 1; i < SOURCES; i += 2) {
				snprintf(cmd, sizeof(cmd), "toggle=%d", i);
				act(cmd);
			}
			act("add1");
		}
	}
	for (round = 0; round < 6; round++) {
		memset(seen, 0, sizeof(seen));
		others = 0;
		calls = list_one_by_one(MNT "/scale", seen, &others);
		CHECK(calls > 0, "listed", "round %d: %s", round, strerror(errno));
		for (i = 0; i <= SOURCES; i++) {
			if (i % 2 == 0 && i < SOURCES) {
				CHECK(seen[i] == 1, "present_throughout_listed_once",
				      "round %d: s%d seen %d times", round, i, seen[i]);
			} else {
				CHECK(seen[i] <= 1, "coming_and_going_at_most_once",
				      "round %d: s%d seen %d times", round, i, seen[i]);
			}
		}
		/* ".", ".." and the aggregates v0 and v1. */
		CHECK(others == 4, "other_entries_once", "round %d: %d others", round, others);
	}
	kill(churn, SIGKILL);
	waitpid(churn, NULL, 0);
	CHECK_OK("remove", act("scale=0"));
	if (loaded)
		CHECK_OK("unload", unload_module("stats_fs_scale_test"));
	if (mounted)
		CHECK_OK("umount", umount(MNT));
}

TEST_HARNESS_MAIN
