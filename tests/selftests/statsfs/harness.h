/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-guest test programs are kselftests, on the kernel's
 * tools/testing/selftests/kselftest_harness.h: each TEST() or TEST_F() is one
 * case, run in a child process, and the program prints TAP. /init wraps each
 * program's TAP as one KTAP suite (20-fs gives guest_fs).
 *
 * Within a case, CHECK() names each expectation, so that a failure says which
 * one; like EXPECT_*(), it does not stop the case.
 */
#ifndef STATSFS_GUEST_HARNESS_H
#define STATSFS_GUEST_HARNESS_H

#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"

/*
 * The harness kills a case after 30 s; under TCG with KASAN and lockdep some
 * take longer (a stress run, 50 VMs). /init's guest timeout still bounds a hang.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 600

/*
 * kselftest's SKIP() sets the case's result to "skip" even after a failed check,
 * which would hide that failure: here a case that failed stays failed.
 */
#undef SKIP
#define SKIP(statement, fmt, ...)						\
	do {									\
		if (_metadata->exit_code == KSFT_FAIL) {			\
			TH_LOG("not skipped, failed before: " fmt, ##__VA_ARGS__); \
			statement;						\
		}								\
		snprintf(_metadata->results->reason,				\
			 sizeof(_metadata->results->reason), fmt, ##__VA_ARGS__); \
		TH_LOG("SKIP %s", _metadata->results->reason);			\
		_metadata->exit_code = KSFT_SKIP;				\
		_metadata->trigger = 0;						\
		statement;							\
	} while (0)

/*
 * A program that changes the running kernel beyond its own test modules (locks it
 * down, unloads or reloads kvm or statsfs, injects faults, provokes a WARN or a
 * lockdep report) defines STATSFS_DESTRUCTIVE to say what it does before including
 * this file. It runs only in the test guest (whose kernel command line has
 * statsfs_mode=) or with STATSFS_SELFTESTS_DESTRUCTIVE=1; elsewhere it skips as a
 * whole and says why, as the kernel's selftests are run on real machines.
 */
#ifdef STATSFS_DESTRUCTIVE
#include <stdio.h>
#include <stdlib.h>

static void __attribute__((constructor)) statsfs_destructive_gate(void)
{
	const char *opt_in = getenv("STATSFS_SELFTESTS_DESTRUCTIVE");
	char cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	if (strstr(cmdline, "statsfs_mode=") || (opt_in && !strcmp(opt_in, "1")))
		return;
	printf("TAP version 13\n1..0 # SKIP this test %s; it runs in the statsfs test guest, "
	       "or here with STATSFS_SELFTESTS_DESTRUCTIVE=1\n", STATSFS_DESTRUCTIVE);
	exit(KSFT_SKIP);
}
#endif

/* Expects @ok; on failure logs @name and the message. */
#define CHECK(ok, name, fmt, ...)						\
	EXPECT_TRUE(ok) TH_LOG("%s: " fmt, name, ##__VA_ARGS__)

/* Expects @call to return 0. */
#define CHECK_OK(name, call)							\
	do {									\
		errno = 0;							\
		long __r = (long)(call);					\
		int __e = errno;						\
		CHECK(__r == 0, name, "%s returned %ld, errno %d (%s)", #call,	\
		      __r, __e, strerror(__e));					\
	} while (0)

/* Expects @call to return -1 with errno @want. */
#define CHECK_ERRNO(name, call, want)						\
	do {									\
		errno = 0;							\
		long __r = (long)(call);					\
		int __e = errno;						\
		CHECK(__r == -1 && __e == (want), name,				\
		      "%s returned %ld, errno %d (%s), want errno %d (%s)",	\
		      #call, __r, __e, strerror(__e), want, strerror(want));	\
	} while (0)

/* What a helper that CHECK()s needs from the case that calls it. */
#define TEST_METADATA struct __test_metadata *_metadata

#endif /* STATSFS_GUEST_HARNESS_H */
