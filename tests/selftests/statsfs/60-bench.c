// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark: what 1,000 sources x 60 values cost in kernel memory with nobody
 * reading them, in statsfs and in debugfs (one file per value, the debugfs
 * way), and how long reading every value once takes both ways. Measured in the
 * same boot; prints "# bench:" lines and asserts nothing about the figures.
 *
 * Memory is the growth of Slab and of used pages (MemTotal - MemFree) in
 * /proc/meminfo, minus the counters themselves (both trees read the same
 * 1,000 x 60 u64 array). On the debug kernel every object carries KASAN
 * redzones, so absolute figures are inflated; the ratio is the point.
 *
 * Then a big tree read whole: statsfs_million=N sources of 60 values (16,667 in
 * `make bench`: a million values; 100 in `make check`), through .values and
 * .stats, with the time and the peak of Slab above the tree's own while each
 * is read (sampled every 10 ms by another process).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "bulk_util.h"
#include "harness.h"
#include "util.h"

#define VALUES 60

/* 1,000 for `make bench`; a quick run in `make check` keeps the code exercised. */
static int sources = 5;
#define ACTION "/sys/module/stats_fs_fs_test/parameters/action"

struct mem {
	long slab_kb;
	long used_kb;
};

static struct mem sample(void)
{
	struct mem m;

	sync();
	usleep(300000);
	m.slab_kb = meminfo("Slab:");
	m.used_kb = meminfo("MemTotal:") - meminfo("MemFree:");
	return m;
}

static int act(const char *cmd)
{
	int fd = open(ACTION, O_WRONLY), e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		e = errno;
	close(fd);
	return e;
}

#define now bench_now

/* Reads every file under @root once; returns how many were read. */
static long read_all(const char *root)
{
	char path[256], buf[64];
	long files = 0;
	int i, j, fd;

	for (i = 0; i < sources; i++) {
		for (j = 0; j < VALUES; j++) {
			snprintf(path, sizeof(path), "%s/s%d/v%d", root, i, j);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			if (read(fd, buf, sizeof(buf)) > 0)
				files++;
			close(fd);
		}
	}
	return files;
}

static void report(const char *fs, struct mem before, struct mem after, double secs,
		   long files)
{
	long data_kb = (long)sources * VALUES * 8 / 1024;
	long slab = after.slab_kb - before.slab_kb;
	long used = after.used_kb - before.used_kb - data_kb;

	printf("# bench: %-7s slab %+6ld KiB, pages %+6ld KiB (counters excluded): %5ld B/source, %4ld B/value; read %ld values in %.2f s (%.1f us/value)\n",
	       fs, slab, used, used * 1024 / sources, used * 1024 / (sources * VALUES),
	       files, secs, secs * 1e6 / (files ? files : 1));
	fflush(stdout);
}

TEST(statsfs_against_debugfs)
{
	struct mem m0, m1, m2, m3;
	double t0, t1, t2, t3, t_values = 0;
	long n1, n2;

	char cmd[32];

	if (getenv("statsfs_bench"))
		sources = atoi(getenv("statsfs_bench"));
	printf("# bench: %d sources x %d values\n", sources, VALUES);
	CHECK_OK("load_fs_test", load_module("/lib/modules/tests/stats_fs_fs_test.ko"));
	CHECK_OK("mount", mount("statsfs", "/sys/kernel/stats", "statsfs", 0, NULL));

	m0 = sample();
	snprintf(cmd, sizeof(cmd), "bench=%d", sources);
	CHECK(act(cmd) == 0, "statsfs_publish", "%s failed", cmd);
	m1 = sample();
	t0 = now();
	n1 = read_all("/sys/kernel/stats/bench");
	t1 = now();
	CHECK(n1 == sources * VALUES, "statsfs_read_all", "read %ld values", n1);
	{
		/* The same values in one read of bench/.values. */
		size_t len;
		long lines = 0;
		double tv0 = now();
		char *text = read_chunked("/sys/kernel/stats/bench/.values", 1 << 20, &len);
		double tv1 = now();

		for (size_t i = 0; text && i < len; i++)
			lines += text[i] == '\n';
		free(text);
		CHECK(lines == sources * VALUES, "values_file_has_every_value", "%ld lines", lines);
		t_values = tv1 - tv0;
	}
	CHECK(act("bench=0") == 0, "statsfs_unpublish", "bench=0 failed");

	m2 = sample();
	snprintf(cmd, sizeof(cmd), "dbench=%d", sources);
	CHECK(act(cmd) == 0, "debugfs_publish", "%s failed", cmd);
	m3 = sample();
	t2 = now();
	n2 = read_all("/sys/kernel/debug/bench");
	t3 = now();
	CHECK(n2 == sources * VALUES, "debugfs_read_all", "read %ld values", n2);
	CHECK(act("dbench=0") == 0, "debugfs_unpublish", "dbench=0 failed");

	report("statsfs", m0, m1, t1 - t0, n1);
	report("debugfs", m2, m3, t3 - t2, n2);
	{
		long s = m1.used_kb - m0.used_kb - (long)sources * VALUES * 8 / 1024;
		long d = m3.used_kb - m2.used_kb - (long)sources * VALUES * 8 / 1024;

		printf("# bench: statsfs/debugfs memory %.1f%% (target <= 5%%), read time %.2fx\n",
		       d > 0 ? 100.0 * s / d : -1.0, (t3 - t2) > 0 ? (t1 - t0) / (t3 - t2) : -1.0);
		printf("# bench: all %d values in one read of bench/.values: %.3f s; %.1fx faster than per-file statsfs, %.1fx faster than per-file debugfs\n",
		       sources * VALUES, t_values, (t1 - t0) / t_values, (t3 - t2) / t_values);
	}

	CHECK_OK("umount", umount("/sys/kernel/stats"));
	CHECK_OK("unload_fs_test", unload_module("stats_fs_fs_test"));
}

/*
 * Reads @path whole in reads of 1 MiB; returns the seconds it took, or -1,
 * with the bytes read in @bytes and the peak of Slab meanwhile in @peak_kb.
 */
static double read_with_peak(const char *path, size_t *bytes, long *peak_kb)
{
	volatile long *shared = mmap(NULL, 2 * sizeof(long), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	static char buf[1 << 20];
	double t0, t;
	ssize_t r = 0;
	pid_t pid;
	int fd;

	if (shared == MAP_FAILED)
		return -1;
	shared[0] = meminfo("Slab:");
	shared[1] = 0;
	pid = fork();
	if (pid == 0) {
		while (!shared[1]) {
			long slab = meminfo("Slab:");

			if (slab > shared[0])
				shared[0] = slab;
			usleep(10000);
		}
		_exit(0);
	}
	*bytes = 0;
	t0 = now();
	fd = open(path, O_RDONLY);
	while (fd >= 0 && (r = read(fd, buf, sizeof(buf))) > 0)
		*bytes += r;
	t = now() - t0;
	if (fd >= 0)
		close(fd);
	shared[1] = 1;
	waitpid(pid, NULL, 0);
	*peak_kb = shared[0];
	munmap((void *)shared, 2 * sizeof(long));
	return fd < 0 || r < 0 ? -1 : t;
}

TEST(big_tree_read_whole)
{
	int n = getenv("statsfs_million") ? atoi(getenv("statsfs_million")) : 100;
	double t_values, t_stats;
	long base, peak_values, peak_stats;
	size_t values_len, stats_len;
	char cmd[32];

	CHECK_OK("load_fs_test", load_module("/lib/modules/tests/stats_fs_fs_test.ko"));
	CHECK_OK("mount", mount("statsfs", "/sys/kernel/stats", "statsfs", 0, NULL));
	snprintf(cmd, sizeof(cmd), "bench=%d", n);
	CHECK(act(cmd) == 0, "publish", "%s failed", cmd);
	base = sample().slab_kb;
	t_values = read_with_peak("/sys/kernel/stats/bench/.values", &values_len, &peak_values);
	t_stats = read_with_peak("/sys/kernel/stats/bench/.stats", &stats_len, &peak_stats);
	CHECK(t_values > 0 && t_stats > 0, "read_whole", "%s", strerror(errno));
	printf("# bench: a tree of %d sources x %d values (%d values): .values %zu bytes in %.2f s, peak slab +%ld KiB; .stats %zu bytes in %.2f s, peak slab +%ld KiB\n",
	       n, VALUES, n * VALUES, values_len, t_values, peak_values - base, stats_len,
	       t_stats, peak_stats - base);
	bench_target("big_tree_read_whole", t_values > 0 && t_stats > 0, "both read whole",
		     "%d values: .values %.2f s (+%ld KiB slab), .stats %.2f s (+%ld KiB slab)",
		     n * VALUES, t_values, peak_values - base, t_stats, peak_stats - base);
	CHECK(act("bench=0") == 0, "unpublish", "bench=0 failed");
	CHECK_OK("umount", umount("/sys/kernel/stats"));
	CHECK_OK("unload_fs_test", unload_module("stats_fs_fs_test"));
	bench_done("bulk");
}

TEST_HARNESS_MAIN
