/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the benchmark programs: clocks, readers that load the
 * system while a writer is timed, and the one-line report of each target.
 *
 * Benchmarks assert nothing about their figures: each target is printed as
 * "bench target <name>: <figure> (goal <goal>): met" (or "missed"), and the
 * README keeps the table. Every benchmark ends by printing "bench done <name>",
 * which `make bench` checks, so one that stopped half-way is noticed.
 */
#ifndef STATSFS_GUEST_BENCH_UTIL_H
#define STATSFS_GUEST_BENCH_UTIL_H

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Prints one target: @figure against @goal, and whether it was met. */
static inline void bench_target(const char *name, bool met, const char *goal,
				const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline void bench_target(const char *name, bool met, const char *goal,
				const char *fmt, ...)
{
	char figure[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(figure, sizeof(figure), fmt, ap);
	va_end(ap);
	printf("# bench target %s: %s (goal %s): %s\n", name, figure, goal,
	       met ? "met" : "missed");
	fflush(stdout);
}

/* Says a benchmark ran to its end. */
static inline void bench_done(const char *name)
{
	printf("# bench done %s\n", name);
	fflush(stdout);
}

/* Opens, reads whole and closes @path, in reads of 64 KiB. */
static inline void bench_read_whole(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);

	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	if (fd >= 0)
		close(fd);
}

/*
 * Starts a reader of @path that reads it whole again and again until killed.
 * Readers run at the lowest priority (nice 19), so that a writer timed meanwhile
 * is not held up for CPU time on a machine with fewer CPUs than tasks: what is
 * measured is what statsfs makes the writer wait for, not the scheduler.
 */
static inline pid_t bench_reader(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (setpriority(PRIO_PROCESS, 0, 19))
			_exit(1);
		for (;;)
			bench_read_whole(path);
	}
	return pid;
}

static inline void bench_stop_readers(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	}
}

#endif /* STATSFS_GUEST_BENCH_UTIL_H */
