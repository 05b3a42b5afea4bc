// SPDX-License-Identifier: GPL-2.0
/*
 * Scale benchmark: statsfs and debugfs, built the debugfs way, with N sources
 * (statsfs_scale=N1,N2,...: 10 to 100,000 in `make bench`; 10 in `make check`),
 * through tests/modules/stats_fs_scale_test.ko: scale/s<i>/c/{v0,v1}.
 * Prints, per N: the cost per source of creating and removing them and their
 * memory; one open+read+close of a leaf value (warm), against debugfs and
 * against the floor (a tmpfs file of the same size, and the same file through a
 * second statsfs mount beside the tmpfs, so that both path walks cross the same
 * directories: /sys/kernel is sysfs, whose lookups cost); a stat() of the 4-level
 * path scale/s<i>/c/v0; the sum of v0 over N (statsfs's aggregate, debugfs's
 * sum over a list under a mutex, as KVM does); readdir of scale/ per entry; and
 * how long a writer (a source added and removed) waits while readers read:
 * three readers of the sum, then three of the sum and three of scale/.values.
 * The writer's wait is the time its statsfs calls took in the kernel (the
 * module times them); the readers run at nice 19, so that on two CPUs the
 * figure is what statsfs makes the writer wait, not the scheduler. Then the
 * targets, each a line "bench target ...: met|missed". debugfs is left out
 * above 10,000 sources: its dentries and inodes would not fit in the guest.
 * Both trees are up while the reads are timed, side by side, round by round,
 * each figure the best of its rounds.
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

#include "bench_util.h"
#include "harness.h"
#include "util.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MNT "/sys/kernel/stats"
#define DBG "/sys/kernel/debug"
#define ACTION "/sys/module/stats_fs_scale_test/parameters/action"
#define ADD1_NS "/sys/module/stats_fs_scale_test/parameters/add1_ns"
/* The floor: a tmpfs mounted as deep as statsfs, holding the leaf at the same path. */
#define FLOOR "/tmp/statsfs-floor/mnt"
/* statsfs mounted beside the floor, for the comparison with it. */
#define TWIN "/tmp/statsfs-floor/stats"

#define now bench_now

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

/*
 * The timings below are the best of ROUNDS rounds of @reps / ROUNDS each: under
 * TCG a round now and then runs much slower than the others, for reasons that
 * have nothing to do with the file system measured.
 */
#define ROUNDS 5

static double best(double best_us, double t0, int n)
{
	double us = (now() - t0) * 1e6 / n;

	return best_us < 0 || us < best_us ? us : best_us;
}

/* Microseconds per open+close (no read), and per pread of an open file, over @reps. */
static void time_parts(const char *path, int reps, double *open_close, double *pread_us)
{
	int i, r, fd, n = reps / ROUNDS > 0 ? reps / ROUNDS : 1, bad = 0;
	char buf[64];
	double t0;

	*open_close = *pread_us = -1;
	for (r = 0; r < ROUNDS; r++) {
		t0 = now();
		for (i = 0; i < n; i++) {
			fd = open(path, O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		*open_close = best(*open_close, t0, n);
	}
	fd = open(path, O_RDONLY);
	for (r = 0; r < ROUNDS && fd >= 0; r++) {
		t0 = now();
		for (i = 0; i < n; i++)
			bad |= pread(fd, buf, sizeof(buf), 0) <= 0;
		*pread_us = best(*pread_us, t0, n);
	}
	if (fd < 0 || bad)
		*pread_us = -1;
	if (fd >= 0)
		close(fd);
}

/*
 * Times @k paths at once, round by round, so that whatever slows the guest
 * down for a while slows all of them: @out[i] gets the best round's
 * microseconds per open+read+close of @paths[i] (with @stat_only, per stat()).
 * A null path is skipped, and gets -1.
 */
static void time_side_by_side(const char *const *paths, int k, int reps, bool stat_only,
			      double *out)
{
	int i, j, r, n = reps / ROUNDS > 0 ? reps / ROUNDS : 1;
	struct stat st;

	for (j = 0; j < k; j++)
		out[j] = paths[j] && (stat_only ? stat(paths[j], &st) : read_once(paths[j])) == 0 ?
			 0 : -1;
	for (r = 0; r < ROUNDS; r++) {
		for (j = 0; j < k; j++) {
			double t0 = now(), us;
			int bad = 0;

			if (out[j] < 0)
				continue;
			for (i = 0; i < n; i++)
				bad |= stat_only ? stat(paths[j], &st) : read_once(paths[j]);
			us = (now() - t0) * 1e6 / n;
			out[j] = bad ? -1 : r == 0 || us < out[j] ? us : out[j];
		}
	}
}

/*
 * Makes the floor: @leaf (scale/s<i>/c/v0) in a tmpfs mounted at the same depth as
 * statsfs, holding @text, so that a path walk costs the same number of steps.
 */
static int make_floor(const char *leaf, const char *text, char *path, size_t size)
{
	char dir[160];
	int fd, r = 0;

	mkdir("/tmp/statsfs-floor", 0755);
	mkdir(FLOOR, 0755);
	mkdir(TWIN, 0755);
	if (mount("tmpfs", FLOOR, "tmpfs", 0, NULL))
		return -1;
	if (mount("statsfs", TWIN, "statsfs", 0, NULL)) {
		umount(FLOOR);
		return -1;
	}
	snprintf(dir, sizeof(dir), FLOOR "/%s", leaf);
	for (char *p = dir + strlen(FLOOR) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	snprintf(path, size, FLOOR "/%s", leaf);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		r = -1;
	close(fd);
	return r;
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

/*
 * A writer's wait in microseconds (average, maximum over 20 writers), in the
 * kernel, with readers of @sum and @values (@n_sum and @n_values of them).
 */
static void writer_wait(const char *sum, int n_sum, const char *values, int n_values,
			double *avg, double *max)
{
	pid_t pid[6] = {};
	double t, total = 0;
	char ns[32];
	int i;

	for (i = 0; i < n_sum + n_values && i < 6; i++)
		pid[i] = bench_reader(i < n_sum ? sum : values);
	usleep(200000);
	*max = 0;
	for (i = 0; i < 20; i++) {
		t = act("add1") < 0 || slurp(ADD1_NS, ns, sizeof(ns)) <= 0 ? -1 :
			strtoull(ns, NULL, 10) / 1e3;
		total += t;
		*max = t > *max ? t : *max;
	}
	*avg = total / 20;
	bench_stop_readers(pid, 6);
}

static double ratio(double a, double b)
{
	return a > 0 && b > 0 ? a / b : -1;
}

/* What one N gave, for the targets. */
struct scale_result {
	int n;
	double read_s, read_d, read_twin, read_floor, stat_s, stat_d, sum_s, sum_d;
	double w_avg, w_max;
};

static void targets(const struct scale_result *r, int count)
{
	double read_max = 0, floor_max = 0, stat_max = 0, sum1k = -1, sum10k = -1;
	double flat = -1, w_max = -1;
	int i, big = -1, mid = -1, widest = 0;

	if (count <= 0)
		return;
	for (i = 0; i < count; i++) {
		/* A figure that could not be measured fails its target. */
		double read = ratio(r[i].read_s, r[i].read_d);
		double floor = ratio(r[i].read_twin, r[i].read_floor);
		double stat = ratio(r[i].stat_s, r[i].stat_d);

		if (r[i].read_d >= 0)
			read_max = read < 0 || read_max < 0 ? -1 : read > read_max ? read : read_max;
		floor_max = floor < 0 || floor_max < 0 ? -1 : floor > floor_max ? floor : floor_max;
		if (r[i].stat_d >= 0)
			stat_max = stat < 0 || stat_max < 0 ? -1 : stat > stat_max ? stat : stat_max;
		if (r[i].n == 1000)
			sum1k = ratio(r[i].sum_s, r[i].sum_d);
		if (r[i].n == 10000) {
			sum10k = ratio(r[i].sum_s, r[i].sum_d);
			mid = i;
		}
		if (r[i].n == 100000)
			big = i;
		if (r[i].n >= r[widest].n)
			widest = i;
	}
	/* The cost per source, relative to the list walk's per node, at 100,000 and 10,000. */
	if (mid >= 0 && big >= 0)
		flat = ratio(r[big].sum_s, r[big].sum_d) / ratio(r[mid].sum_s, r[mid].sum_d);
	w_max = r[widest].w_max;
	bench_target("value_read_vs_debugfs", read_max > 0 && read_max <= 1.0,
		     "<= 1.0x at every N", "%.2fx at worst", read_max);
	bench_target("value_read_vs_tmpfs", floor_max > 0 && floor_max <= 1.3,
		     "<= 1.3x at every N", "%.2fx at worst", floor_max);
	bench_target("stat_4_levels_vs_debugfs", stat_max > 0 && stat_max <= 1.0,
		     "<= 1.0x at every N", "%.2fx at worst", stat_max);
	if (sum1k > 0 || sum10k > 0) {
		bench_target("sum_1000_vs_debugfs_list", sum1k > 0 && sum1k <= 2.0, "<= 2x",
			     "%.2fx", sum1k);
		bench_target("sum_10000_vs_debugfs_list", sum10k > 0 && sum10k <= 2.0, "<= 2x",
			     "%.2fx", sum10k);
	}
	if (flat > 0) {
		bench_target("sum_100000_vs_debugfs_list", ratio(r[big].sum_s, r[big].sum_d) <= 2.0,
			     "<= 2x", "%.2fx", ratio(r[big].sum_s, r[big].sum_d));
		bench_target("sum_per_source_flat", flat <= 1.5,
			     "against the list walk, 100,000 <= 1.5x 10,000", "%.2fx", flat);
	}
	bench_target("writer_wait_with_6_readers", w_max >= 0 && w_max <= 1000, "max <= 1 ms",
		     "max %.0f us at N=%d (avg %.0f us)", w_max, r[widest].n, r[widest].w_avg);
}

TEST(scale)
{
	const char *list = getenv("statsfs_scale") ? getenv("statsfs_scale") : "10";
	char cmd[64], leaf[128], text[64], floor[256], s_leaf[256], d_leaf[256], t_leaf[256];
	struct scale_result results[16] = {};
	const char *p = list;
	int count = 0;

	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		TH_LOG("mount: %s", strerror(errno));
	ASSERT_EQ(0, load_module("/lib/modules/tests/stats_fs_scale_test.ko") && errno != EEXIST);
	while (*p && count < 16) {
		/* `make check` only keeps the program working: fewer repetitions. */
		int n = atoi(p), reps = getenv("statsfs_scale") ? 2000 : 200;
		int areps = n < 100000 ? 100000 / n : 2;
		double c_s, r_s, c_d = -1, r_d = -1, rd_s, rd_d = -1, st_s, st_d = -1;
		double ag_s, ag_d = -1, dir_s, dir_d = -1, w_avg0, w_max0, w_avg, w_max;
		double w_avg6, w_max6, rd_f, rd_t, oc_s, pr_s, oc_t, pr_t, oc_f, pr_f;
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
		/* debugfs, the debugfs way; above 10,000 its list and its sum only. */
		if (n <= 10000) {
			m0 = used_kb();
			snprintf(cmd, sizeof(cmd), "dscale=%d", n);
			c_d = act(cmd);
			m1 = used_kb();
			mem_d = (m1 - m0) * 1024 / n;
		} else {
			snprintf(cmd, sizeof(cmd), "lscale=%d", n);
			CHECK(act(cmd) >= 0, "list_build", "%s", cmd);
		}
		/* The floor: a tmpfs file of the same text. */
		snprintf(s_leaf, sizeof(s_leaf), MNT "/%s", leaf);
		snprintf(d_leaf, sizeof(d_leaf), DBG "/%s", leaf);
		snprintf(t_leaf, sizeof(t_leaf), TWIN "/%s", leaf);
		CHECK(slurp(s_leaf, text, sizeof(text)) > 0 &&
		      make_floor(leaf, text, floor, sizeof(floor)) == 0, "floor_file", "%s",
		      strerror(errno));
		{
			const char *reads[] = { s_leaf, n <= 10000 ? d_leaf : NULL, t_leaf, floor };
			const char *sums[] = { MNT "/scale/v0", DBG "/scale/sum_v0" };
			double t[4];

			time_side_by_side(reads, 4, reps, false, t);
			rd_s = t[0], rd_d = t[1], rd_t = t[2], rd_f = t[3];
			time_side_by_side(reads, 2, reps, true, t);
			st_s = t[0], st_d = t[1];
			time_side_by_side(sums, 2, areps, false, t);
			ag_s = t[0], ag_d = t[1];
		}
		time_parts(t_leaf, reps, &oc_t, &pr_t);
		time_parts(floor, reps, &oc_f, &pr_f);
		time_parts(s_leaf, reps, &oc_s, &pr_s);
		umount(FLOOR);
		umount(TWIN);
		dir_s = time_readdir(MNT "/scale", n > 10000 ? 1 : 10, &ent);
		if (n <= 10000)
			dir_d = time_readdir(DBG "/scale", 10, &ent);
		writer_wait(NULL, 0, NULL, 0, &w_avg0, &w_max0);
		writer_wait(MNT "/scale/v0", 3, NULL, 0, &w_avg, &w_max);
		writer_wait(MNT "/scale/v0", 3, MNT "/scale/.values", 3, &w_avg6, &w_max6);
		r_s = act("scale=0");
		CHECK(rd_s > 0 && st_s > 0 && ag_s > 0 && rd_f > 0 && rd_t > 0, "statsfs_reads",
		      "%.1f %.1f %.1f %.1f %.1f", rd_s, st_s, ag_s, rd_f, rd_t);
		if (n <= 10000)
			r_d = act("dscale=0");
		else
			act("lscale=0");
		printf("# bench: scale N=%d: per source: create %.1f us (debugfs %.1f), remove %.1f us (%.1f), memory %ld B (%ld); read of a value %.1f us (debugfs %.1f, %.2fx; beside tmpfs %.1f, tmpfs %.1f, %.2fx); stat of a 4-level path %.1f us (%.1f, %.2fx); sum over N %.1f us, %.1f ns/source (%.1f, %.2fx); readdir %.2f us/entry (%.2f); writer wait in the kernel %.0f us avg, %.0f us max alone, %.0f/%.0f with 3 readers of the sum, %.0f/%.0f with 3 more of .values\n",
		       n, c_s * 1e6 / n, c_d * 1e6 / n, r_s * 1e6 / n, r_d * 1e6 / n, mem_s,
		       mem_d, rd_s, rd_d, ratio(rd_s, rd_d), rd_t, rd_f, ratio(rd_t, rd_f), st_s, st_d,
		       ratio(st_s, st_d), ag_s, ag_s * 1e3 / n, ag_d, ratio(ag_s, ag_d), dir_s,
		       dir_d, w_avg0, w_max0, w_avg, w_max, w_avg6, w_max6);
		printf("# bench: scale N=%d: a value's read in parts: open+close %.2f us (beside tmpfs %.2f, tmpfs %.2f), pread %.2f us (beside tmpfs %.2f, tmpfs %.2f)\n",
		       n, oc_s, oc_t, oc_f, pr_s, pr_t, pr_f);
		fflush(stdout);
		results[count++] = (struct scale_result){
			.n = n, .read_s = rd_s, .read_d = rd_d, .read_twin = rd_t, .read_floor = rd_f,
			.stat_s = st_s, .stat_d = st_d, .sum_s = ag_s, .sum_d = ag_d,
			.w_avg = w_avg6, .w_max = w_max6,
		};
		p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p);
	}
	targets(results, count);
	CHECK_OK("unload", unload_module("stats_fs_scale_test"));
	CHECK_OK("umount", umount(MNT));
	bench_done("scale");
}

TEST_HARNESS_MAIN
