/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP output for the in-guest test programs, in the same shape as
 * KUnit's, so one parser reads both. Each program is one suite.
 */
#ifndef STATSFS_GUEST_KTAP_H
#define STATSFS_GUEST_KTAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int ktap_case_nr;
static int ktap_failed;

/* The plan ("1..N") comes at the end, when the number of cases is known. */
static inline void ktap_suite_begin(const char *suite)
{
	printf("KTAP version 1\n1..1\n    KTAP version 1\n");
	printf("    # Subtest: %s\n", suite);
	fflush(stdout);
}

/* Reports one case; on failure the message says what was seen. */
static inline void ktap_case(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	ktap_case_nr++;
	if (!ok) {
		ktap_failed = 1;
		printf("    # %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	printf("    %s %d %s\n", ok ? "ok" : "not ok", ktap_case_nr, name);
	fflush(stdout);
}

static inline int ktap_suite_end(const char *suite)
{
	printf("    1..%d\n", ktap_case_nr);
	printf("%s 1 %s\n", ktap_failed ? "not ok" : "ok", suite);
	fflush(stdout);
	return ktap_failed;
}

/* "ok" when a call returned -1 with exactly the errno wanted. */
#define KTAP_EXPECT_ERRNO(name, call, want)					\
	do {									\
		errno = 0;							\
		long __r = (long)(call);					\
		int __e = errno;						\
		ktap_case(__r == -1 && __e == (want), name,			\
			  "%s returned %ld, errno %d (%s), want errno %d (%s)",	\
			  #call, __r, __e, strerror(__e), want, strerror(want));	\
	} while (0)

#define KTAP_EXPECT_OK(name, call)						\
	do {									\
		errno = 0;							\
		long __r = (long)(call);					\
		int __e = errno;						\
		ktap_case(__r == 0, name, "%s returned %ld, errno %d (%s)",	\
			  #call, __r, __e, strerror(__e));			\
	} while (0)

#endif /* STATSFS_GUEST_KTAP_H */
