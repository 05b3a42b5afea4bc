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
