// SPDX-License-Identifier: GPL-2.0
/*
 * The model test: tests/modules/stats_fs_model_test.ko runs random sequences
 * of C API calls against a reference model as it loads (KUnit suite
 * statsfs_model, judged from the kernel log), comparing the file system at
 * MNT too; meanwhile two processes walk MNT and read every file and every
 * .values, where the only error allowed is ENOENT (an entry that went away
 * between readdir and open).
 *
 * statsfs_model_steps, statsfs_model_seed and statsfs_model_full=1 in the
 * environment (from the kernel command line) change the length, replay a seed,
 * and compare everything after every step instead of the spaced-out full
 * comparisons that fit `make check`'s time.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define MNT "/sys/kernel/stats"
#define MODEL_KO "/lib/modules/ondemand/stats_fs_model_test.ko"
#define READERS 2

struct shared {
	volatile int stop;
	long walks[READERS], reads[READERS], errors[READERS];
	char first_error[READERS][160];
};

static void note_error(struct shared *sh, int r, const char *what, const char *path)
{
	if (errno == ENOENT)
		return;
	if (!sh->errors[r]++)
		snprintf(sh->first_error[r], sizeof(sh->first_error[r]), "%s %s: %s", what,
			 path, strerror(errno));
}

static void walk(struct shared *sh, int r, const char *dir, int depth)
{
	char path[4096], buf[4096];
	struct dirent *e;
	DIR *d = opendir(dir);
	int fd;

	if (!d) {
		note_error(sh, r, "opendir", dir);
		return;
	}
	snprintf(path, sizeof(path), "%s/.values", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		note_error(sh, r, "open", path);
	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	if (fd >= 0)
		close(fd);
	while ((e = readdir(d)) && !sh->stop) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			if (depth < 8)
				walk(sh, r, path, depth + 1);
			continue;
		}
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			note_error(sh, r, "open", path);
			continue;
		}
		if (read(fd, buf, sizeof(buf)) < 0)
			note_error(sh, r, "read", path);
		sh->reads[r]++;
		close(fd);
	}
	closedir(d);
}

FIXTURE(model) {
	int unused;
};

FIXTURE_SETUP(model)
{
}

FIXTURE_TEARDOWN(model)
{
}

#define KUNIT_TIMEOUT "/sys/module/kunit/parameters/timeout"

/*
 * A day: long runs on demand (statsfs_model_full=1: about 6 ms a step) are
 * bounded by the guest's timeout, not by the harness's or KUnit's (300 s).
 */
TEST_F_TIMEOUT(model, random_sequences_against_the_model, 86400)
{
	char old_timeout[32] = "";
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const char *steps = getenv("statsfs_model_steps");
	const char *seed = getenv("statsfs_model_seed");
	const char *full = getenv("statsfs_model_full");
	bool every_step = full && !strcmp(full, "1");
	char params[256];
	pid_t pid[READERS];
	int r, status, mounted;

	ASSERT_NE(MAP_FAILED, sh);
	mounted = !mount("statsfs", MNT, "statsfs", 0, NULL);
	for (r = 0; r < READERS; r++) {
		pid[r] = fork();
		ASSERT_LE(0, pid[r]);
		if (!pid[r]) {
			while (!sh->stop) {
				walk(sh, r, MNT, 0);
				sh->walks[r]++;
				/* Leave the model most of a CPU. */
				usleep(20000);
			}
			_exit(0);
		}
	}
	snprintf(params, sizeof(params), "steps=%s seed=%s full_every=%d fs_every=%d",
		 steps ? steps : "100000", seed ? seed : "0", every_step ? 1 : 64,
		 every_step ? 1 : 256);
	slurp(KUNIT_TIMEOUT, old_timeout, sizeof(old_timeout));
	write_file(KUNIT_TIMEOUT, "43200");
	CHECK_OK("load_model_test", load_module_params(MODEL_KO, params));
	if (old_timeout[0])
		write_file(KUNIT_TIMEOUT, old_timeout);
	sh->stop = 1;
	for (r = 0; r < READERS; r++) {
		waitpid(pid[r], &status, 0);
		printf("# reader %d: %ld walks, %ld file reads, %ld errors%s%s\n", r,
		       sh->walks[r], sh->reads[r], sh->errors[r], sh->errors[r] ? ": " : "",
		       sh->first_error[r]);
		CHECK(sh->errors[r] == 0 && sh->walks[r] > 0, "reader_saw_no_errors", "reader %d", r);
	}
	CHECK_OK("unload_model_test", unload_module("stats_fs_model_test"));
	if (mounted)
		umount(MNT);
}

TEST_HARNESS_MAIN
