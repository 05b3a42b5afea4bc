// SPDX-License-Identifier: GPL-2.0
/*
 * Scale benchmark: statsfs and debugfs, built the debugfs way, with N sources
 * (statsfs_scale=N1,N2,...: 10 to 100,000 in `make bench`; 10 in `make check`), through tests/modules/stats_fs_scale_test.ko: scale/s<i>/c/{v0,v1}.
 * Prints, per N: the cost per source of creating and removing them and their
 * memory; one open+read+close of a leaf value (warm); a stat() of the 4-level
 * path scale/s<i>/c/v0; the sum of v0 over N (statsfs's aggregate, debugfs's
 * sum over a list under a mutex, as KVM does); readdir of scale/ per entry; and
 * how long a writer (a source added and removed) waits while three readers read
 * the aggregate in a loop. Asserts nothing about the figures. debugfs is left
 * out above 10,000 sources: its dentries and inodes would not fit in the guest.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "util.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MNT "/sys/kernel/stats"
#define DBG "/sys/kernel/debug"
#define ACTION "/sys/module/stats_fs_scale_test/parameters/action"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Slab + used pages, in KiB, after things settle. */
static long used_kb(void)
{
	sync();
	usleep(300000);
	return meminfo("MemTotal:") - meminfo("MemFree:");
}

/* Writes @cmd to the module's action; seconds it took, or -1. */
static double act(const char *cmd)
{
	double t0 = now();
	int fd = open(ACTION, O_WRONLY), r;

	if (fd < 0)
		return -1;
	r = write(fd, cmd, strlen(cmd));
	close(fd);
	return r < 0 ? -1 : now() - t0;
}

static int read_once(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 ? 0 : -1;
}

/* Microseconds per open+read+close of @path, over @reps. */
static double time_reads(const char *path, int reps)
{
	double t0;
	int i, bad = read_once(path);

	t0 = now();
	for (i = 0; i < reps; i++)
		bad |= read_once(path);
	return bad ? -1 : (now() - t0) * 1e6 / reps;
}

static double time_stats(const char *path, int reps)
{
	struct stat st;
	double t0;
	int i, bad = stat(path, &st);

	t0 = now();
	for (i = 0; i < reps; i++)
		bad |= stat(path, &st);
	return bad ? -1 : (now() - t0) * 1e6 / reps;
}

/* Microseconds per entry listed, over @reps listings of @dir. */
static double time_readdir(const char *dir, int reps, long *entries)
{
	double t0 = now();
	int i;

	*entries = 0;
	for (i = 0; i < reps; i++) {
		DIR *d = opendir(dir);

		while (d && readdir(d))
			++*entries;
		if (d)
			closedir(d);
	}
	return *entries ? (now() - t0) * 1e6 / *entries : -1;
}

/* Writer latency in microseconds (average, maximum) over 20 writers, with @readers reading @path. */
static void writer_wait(const char *path, int readers, double *avg, double *max)
{
	pid_t pid[3];
	double t, sum = 0;
	int i;

	for (i = 0; i < readers; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			for (;;)
				read_once(path);
	}
	usleep(100000);
	*max = 0;
	for (i = 0; i < 20; i++) {
		t = act("add1") * 1e6;
		sum += t;
		*max = t > *max ? t : *max;
	}
	*avg = sum / 20;
	for (i = 0; i < readers; i++) {
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
}

static double ratio(double a, double b)
{
	return a > 0 && b > 0 ? a / b : -1;
}

TEST(scale)
{
	const char *list = getenv("statsfs_scale") ? getenv("statsfs_scale") : "10";
	char cmd[64], leaf[128];
	const char *p = list;

	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		TH_LOG("mount: %s", strerror(errno));
	ASSERT_EQ(0, load_module("/lib/modules/tests/stats_fs_scale_test.ko") && errno != EEXIST);
	while (*p) {
		/* `make check` only keeps the program working: fewer repetitions. */
		int n = atoi(p), reps = getenv("statsfs_scale") ? 2000 : 200;
		int areps = n < 100000 ? 100000 / n : 2;
		double c_s, r_s, c_d = -1, r_d = -1, rd_s, rd_d = -1, st_s, st_d = -1;
		double ag_s, ag_d = -1, dir_s, dir_d = -1, w_avg0, w_max0, w_avg, w_max;
		long m0, m1, mem_s, mem_d = -1, ent;

		areps = areps < 3 ? 3 : areps > reps ? reps : areps;
		snprintf(leaf, sizeof(leaf), "scale/s%d/c/v0", n / 2);
		/* statsfs */
		m0 = used_kb();
		snprintf(cmd, sizeof(cmd), "scale=%d", n);
		c_s = act(cmd);
		m1 = used_kb();
		mem_s = (m1 - m0) * 1024 / n;
		CHECK(c_s >= 0, "statsfs_build", "%s", cmd);
		snprintf(cmd, sizeof(cmd), MNT "/%s", leaf);
		rd_s = time_reads(cmd, reps);
		st_s = time_stats(cmd, reps);
		ag_s = time_reads(MNT "/scale/v0", areps);
		dir_s = time_readdir(MNT "/scale", n > 10000 ? 1 : 10, &ent);
		writer_wait(MNT "/scale/v0", 0, &w_avg0, &w_max0);
		writer_wait(MNT "/scale/v0", 3, &w_avg, &w_max);
		r_s = act("scale=0");
		CHECK(rd_s > 0 && st_s > 0 && ag_s > 0, "statsfs_reads", "%.1f %.1f %.1f", rd_s, st_s,
		      ag_s);
		/* debugfs, the debugfs way */
		if (n <= 10000) {
			m0 = used_kb();
			snprintf(cmd, sizeof(cmd), "dscale=%d", n);
			c_d = act(cmd);
			m1 = used_kb();
			mem_d = (m1 - m0) * 1024 / n;
			snprintf(cmd, sizeof(cmd), DBG "/%s", leaf);
			rd_d = time_reads(cmd, reps);
			st_d = time_stats(cmd, reps);
			ag_d = time_reads(DBG "/scale/sum_v0", areps);
			dir_d = time_readdir(DBG "/scale", n > 10000 ? 1 : 10, &ent);
			r_d = act("dscale=0");
		}
		if (n <= 10000)
			printf("# bench: scale N=%d: per source: create %.1f us (debugfs %.1f), remove %.1f us (%.1f), memory %ld B (%ld); read of a value %.1f us (debugfs %.1f, %.2fx); stat of a 4-level path %.1f us (%.1f, %.2fx); sum over N %.1f us (%.1f, %.2fx); readdir %.2f us/entry (%.2f); writer wait %.0f us avg, %.0f us max with 3 readers of the sum (%.0f/%.0f alone)\n",
			       n, c_s * 1e6 / n, c_d * 1e6 / n, r_s * 1e6 / n, r_d * 1e6 / n, mem_s,
			       mem_d, rd_s, rd_d, ratio(rd_s, rd_d), st_s, st_d, ratio(st_s, st_d),
			       ag_s, ag_d, ratio(ag_s, ag_d), dir_s, dir_d, w_avg, w_max, w_avg0,
			       w_max0);
		else
			printf("# bench: scale N=%d (debugfs not built, it would not fit): per source: create %.1f us, remove %.1f us, memory %ld B; read of a value %.1f us; stat of a 4-level path %.1f us; sum over N %.1f us; readdir %.2f us/entry; writer wait %.0f us avg, %.0f us max with 3 readers of the sum (%.0f/%.0f alone)\n",
			       n, c_s * 1e6 / n, r_s * 1e6 / n, mem_s, rd_s, st_s, ag_s, dir_s,
			       w_avg, w_max, w_avg0, w_max0);
		fflush(stdout);
		p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p);
	}
	CHECK_OK("unload", unload_module("stats_fs_scale_test"));
	CHECK_OK("umount", umount(MNT));
}

TEST_HARNESS_MAIN
