// SPDX-License-Identifier: GPL-2.0
/*
 * Every C API entry point with its 1st, 2nd, ... allocation failed, until it
 * needs no more: the call fails with -ENOMEM or succeeds, leaves nothing
 * half-done (checked through the API and through the file system, on a
 * mount of its own), and the same call without failures then works. The
 * failures come from fail-nth (current->fail_nth, what
 * /proc/thread-self/fail-nth sets), so only this task's allocations fail;
 * tests/selftests/statsfs/52-faults.c sets failslab and fail_page_alloc up,
 * loads this module, and runs the file system paths the same way from user
 * space. kmemleak, run after the in-guest tests, finds anything leaked.
 * About 530 lines: a case per entry point, each with its own check of what a
 * failure may leave.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stats_fs.h>

#include "stats_fs_test_vfs.h"

/* No entry point needs anywhere near this many allocations. */
#define FI_MAX 1000

struct fi_data {
	u64 a;
	u32 b;
};

static struct fi_data fi_data[2] = { { .a = 5, .b = 7 }, { .a = 11, .b = 13 } };

static struct stats_fs_value fi_values[] = {
	{ .name = "a", .offset = offsetof(struct fi_data, a), .type = &stats_fs_type_u64,
	  .aggr_kind = STATS_FS_SUM },
	{ .name = "b", .offset = offsetof(struct fi_data, b), .type = &stats_fs_type_u32,
	  .aggr_kind = STATS_FS_MAX },
	{ .name = NULL },
};

/* Fails this task's @nth allocation from now on. */
static void fi_arm(unsigned int nth)
{
	current->fail_nth = nth;
}

/* Disarms; returns whether an allocation was failed since fi_arm(). */
static bool fi_disarm(void)
{
	bool injected = !current->fail_nth;

	current->fail_nth = 0;
	return injected;
}

static struct vfsmount *fi_mnt;

/* Whether @rel exists in statsfs. */
static bool fi_exists(struct kunit *test, const char *rel)
{
	return stats_fs_test_exists(fi_mnt, rel);
}

/* The number in the file @rel, or -1 - errno. */
static long long fi_read(struct kunit *test, const char *rel)
{
	char buf[32];
	ssize_t n = stats_fs_test_read(fi_mnt, rel, buf, sizeof(buf));
	long long v;

	if (n < 0)
		return -1 + n;
	return kstrtoll(strim(buf), 10, &v) ? -1 - EINVAL : v;
}

/* A registered source "fi" with fi_values on fi_data[0]. */
static struct stats_fs_source *fi_source(struct kunit *test)
{
	struct stats_fs_source *src = stats_fs_source_create(0, "fi");

	KUNIT_ASSERT_FALSE(test, IS_ERR(src));
	KUNIT_ASSERT_EQ(test, 0, stats_fs_source_add_values(src, fi_values, &fi_data[0], 0));
	KUNIT_ASSERT_EQ(test, 0, stats_fs_source_register(src));
	return src;
}

/*
 * Runs @call with its 1st, 2nd, ... allocation failed until it is not failed,
 * each time between @setup and @check (which gets the call's result, and
 * whether an allocation was failed). Returns how many calls failed.
 */
struct fi_case {
	void (*setup)(struct kunit *test, void *ctx);
	int (*call)(void *ctx);
	void (*check)(struct kunit *test, void *ctx, int err, bool injected);
};

static int fi_run(struct kunit *test, const struct fi_case *c, void *ctx)
{
	unsigned int nth;
	int failures = 0;
	bool injected = true;

	for (nth = 1; nth < FI_MAX && injected; nth++) {
		int err;

		if (c->setup)
			c->setup(test, ctx);
		fi_arm(nth);
		err = c->call(ctx);
		injected = fi_disarm();
		if (err) {
			failures++;
			KUNIT_EXPECT_EQ_MSG(test, err, -ENOMEM, "allocation %u", nth);
			KUNIT_EXPECT_TRUE_MSG(test, injected, "failed unprovoked: %d", err);
		}
		c->check(test, ctx, err, injected);
		if (test->status == KUNIT_FAILURE)
			break;
	}
	KUNIT_EXPECT_LT(test, nth, FI_MAX);
	kunit_info(test, "%u runs, %d failed with -ENOMEM", nth - 1, failures);
	return failures;
}

struct fi_ctx {
	struct stats_fs_source *src, *child;
	u64 value;
};

/* stats_fs_source_create() */

static int create_call(void *p)
{
	struct fi_ctx *ctx = p;

	ctx->src = stats_fs_source_create(0, "fi");
	return IS_ERR(ctx->src) ? PTR_ERR(ctx->src) : 0;
}

static void create_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;

	if (err)
		return;
	KUNIT_EXPECT_EQ(test, 0, stats_fs_source_add_values(ctx->src, fi_values, &fi_data[0], 0));
	KUNIT_EXPECT_EQ(test, 0, stats_fs_source_register(ctx->src));
	KUNIT_EXPECT_EQ(test, 5, fi_read(test, "fi/a"));
	stats_fs_source_put(ctx->src);
	KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi"));
}

static void create_fails_cleanly(struct kunit *test)
{
	static const struct fi_case c = { .call = create_call, .check = create_check };
	struct fi_ctx ctx = { };

	KUNIT_EXPECT_GT(test, fi_run(test, &c, &ctx), 0);
}

/* stats_fs_source_register() */

static void register_setup(struct kunit *test, void *p)
{
	struct fi_ctx *ctx = p;

	ctx->src = stats_fs_source_create(0, "fi");
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->src));
	KUNIT_ASSERT_EQ(test, 0, stats_fs_source_add_values(ctx->src, fi_values, &fi_data[0], 0));
}

static int register_call(void *p)
{
	return stats_fs_source_register(((struct fi_ctx *)p)->src);
}

static void register_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;

	/* Not registered at all, then registered as if nothing happened. */
	if (err) {
		KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi"));
		KUNIT_EXPECT_EQ(test, 0, stats_fs_source_register(ctx->src));
	}
	KUNIT_EXPECT_EQ(test, 5, fi_read(test, "fi/a"));
	KUNIT_EXPECT_EQ(test, 7, fi_read(test, "fi/b"));
	stats_fs_source_put(ctx->src);
	KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi"));
}

static void register_fails_cleanly(struct kunit *test)
{
	static const struct fi_case c = {
		.setup = register_setup, .call = register_call, .check = register_check,
	};
	struct fi_ctx ctx = { };

	fi_run(test, &c, &ctx);
}

/* stats_fs_source_add_values(), simple and aggregate */

static void add_values_setup(struct kunit *test, void *p)
{
	struct fi_ctx *ctx = p;

	ctx->src = stats_fs_source_create(0, "fi");
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->src));
	KUNIT_ASSERT_EQ(test, 0, stats_fs_source_register(ctx->src));
}

static int add_values_call(void *p)
{
	return stats_fs_source_add_values(((struct fi_ctx *)p)->src, fi_values, &fi_data[1], 0);
}

static int add_aggregates_call(void *p)
{
	return stats_fs_source_add_values(((struct fi_ctx *)p)->src, fi_values, NULL, 0);
}

static void add_values_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;
	u64 v = 1;

	if (err) {
		err = stats_fs_source_get_value(ctx->src, &fi_values[0], &v);
		KUNIT_EXPECT_EQ(test, -ENOENT, err);
		KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi/a"));
		KUNIT_EXPECT_EQ(test, 0, add_values_call(ctx));
	}
	KUNIT_EXPECT_EQ(test, 0, stats_fs_source_get_value(ctx->src, &fi_values[0], &v));
	KUNIT_EXPECT_EQ(test, 11, v);
	KUNIT_EXPECT_EQ(test, 11, fi_read(test, "fi/a"));
	KUNIT_EXPECT_EQ(test, -EEXIST, add_values_call(ctx));
	stats_fs_source_put(ctx->src);
}

static void add_aggregates_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;

	if (err) {
		KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi/a"));
		KUNIT_EXPECT_EQ(test, 0, add_aggregates_call(ctx));
	}
	/* An aggregate over nothing yet: SUM 0, MAX 0. */
	KUNIT_EXPECT_EQ(test, 0, fi_read(test, "fi/a"));
	KUNIT_EXPECT_EQ(test, 0, stats_fs_source_add_values(ctx->src, fi_values, &fi_data[1], 0));
	stats_fs_source_put(ctx->src);
}

static void add_values_fails_cleanly(struct kunit *test)
{
	static const struct fi_case simple = {
		.setup = add_values_setup, .call = add_values_call, .check = add_values_check,
	};
	static const struct fi_case aggregates = {
		.setup = add_values_setup, .call = add_aggregates_call,
		.check = add_aggregates_check,
	};
	struct fi_ctx ctx = { };

	KUNIT_EXPECT_GT(test, fi_run(test, &simple, &ctx), 0);
	KUNIT_EXPECT_GT(test, fi_run(test, &aggregates, &ctx), 0);
}

/* stats_fs_source_add_subordinate() */

static void add_sub_setup(struct kunit *test, void *p)
{
	struct fi_ctx *ctx = p;

	ctx->src = stats_fs_source_create(0, "fi");
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->src));
	KUNIT_ASSERT_EQ(test, 0, stats_fs_source_add_values(ctx->src, fi_values, NULL, 0));
	KUNIT_ASSERT_EQ(test, 0, stats_fs_source_register(ctx->src));
	ctx->child = stats_fs_source_create(0, "child");
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->child));
	KUNIT_ASSERT_EQ(test, 0, stats_fs_source_add_values(ctx->child, fi_values, &fi_data[1], 0));
}

static int add_sub_call(void *p)
{
	struct fi_ctx *ctx = p;

	return stats_fs_source_add_subordinate(ctx->src, ctx->child);
}

static void add_sub_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;

	if (err) {
		KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi/child"));
		KUNIT_EXPECT_EQ(test, 0, fi_read(test, "fi/a"));
		KUNIT_EXPECT_EQ(test, 0, add_sub_call(ctx));
	}
	KUNIT_EXPECT_EQ(test, 11, fi_read(test, "fi/child/a"));
	KUNIT_EXPECT_EQ(test, 11, fi_read(test, "fi/a"));
	KUNIT_EXPECT_EQ(test, 13, fi_read(test, "fi/b"));
	stats_fs_source_put(ctx->child);
	stats_fs_source_put(ctx->src);
	KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi"));
}

static void add_subordinate_fails_cleanly(struct kunit *test)
{
	static const struct fi_case c = {
		.setup = add_sub_setup, .call = add_sub_call, .check = add_sub_check,
	};
	struct fi_ctx ctx = { };

	KUNIT_EXPECT_GT(test, fi_run(test, &c, &ctx), 0);
}

/*
 * The entry points that take things away or read: they may allocate (revoke
 * compacts its list), but whatever fails, they do their whole job.
 */

static void registered_setup(struct kunit *test, void *p)
{
	struct fi_ctx *ctx = p;

	ctx->src = fi_source(test);
}

static void sub_setup(struct kunit *test, void *p)
{
	add_sub_setup(test, p);
	KUNIT_ASSERT_EQ(test, 0, add_sub_call(p));
}

static int remove_values_call(void *p)
{
	return stats_fs_source_remove_values(((struct fi_ctx *)p)->src, fi_values, &fi_data[0]);
}

static int remove_sub_call(void *p)
{
	struct fi_ctx *ctx = p;

	stats_fs_source_remove_subordinate(ctx->src, ctx->child);
	return 0;
}

static int remove_call(void *p)
{
	stats_fs_source_remove(((struct fi_ctx *)p)->src);
	return 0;
}

static int revoke_call(void *p)
{
	stats_fs_source_revoke(((struct fi_ctx *)p)->src);
	return 0;
}

static int get_value_call(void *p)
{
	struct fi_ctx *ctx = p;

	return stats_fs_source_get_value(ctx->src, &fi_values[0], &ctx->value);
}

static int get_value_by_name_call(void *p)
{
	struct fi_ctx *ctx = p;

	return stats_fs_source_get_value_by_name(ctx->src, "a", &ctx->value);
}

static int clear_call(void *p)
{
	return stats_fs_source_clear(((struct fi_ctx *)p)->src, &fi_values[0]);
}

static int get_put_call(void *p)
{
	struct fi_ctx *ctx = p;

	stats_fs_source_get(ctx->src);
	stats_fs_source_put(ctx->src);
	return 0;
}

static int put_call(void *p)
{
	stats_fs_source_put(((struct fi_ctx *)p)->src);
	return 0;
}

static void remove_values_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;

	if (err)
		KUNIT_EXPECT_EQ(test, 0, remove_values_call(ctx));
	KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi/a"));
	KUNIT_EXPECT_EQ(test, -ENOENT, remove_values_call(ctx));
	stats_fs_source_put(ctx->src);
}

static void remove_sub_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;

	KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi/child"));
	KUNIT_EXPECT_EQ(test, 0, fi_read(test, "fi/a"));
	/* The child is free to go elsewhere. */
	KUNIT_EXPECT_EQ(test, 0, stats_fs_source_register(ctx->child));
	KUNIT_EXPECT_EQ(test, 11, fi_read(test, "child/a"));
	stats_fs_source_put(ctx->child);
	stats_fs_source_put(ctx->src);
}

static void remove_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;

	KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi"));
	KUNIT_EXPECT_EQ(test, 0, stats_fs_source_register(ctx->src));
	KUNIT_EXPECT_EQ(test, 5, fi_read(test, "fi/a"));
	stats_fs_source_put(ctx->src);
}

static void revoke_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;
	u64 v = 1;

	KUNIT_EXPECT_EQ(test, 0, stats_fs_source_get_value(ctx->src, &fi_values[0], &v));
	KUNIT_EXPECT_EQ(test, 0, v);
	KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi/a"));
	/* The pair may be added again, and is live. */
	KUNIT_EXPECT_EQ(test, 0, stats_fs_source_add_values(ctx->src, fi_values, &fi_data[0], 0));
	KUNIT_EXPECT_EQ(test, 5, fi_read(test, "fi/a"));
	stats_fs_source_put(ctx->src);
}

static void read_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;

	KUNIT_EXPECT_EQ(test, 0, err);
	KUNIT_EXPECT_EQ(test, 5, ctx->value);
	stats_fs_source_put(ctx->src);
}

static void clear_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;

	KUNIT_EXPECT_EQ(test, 0, err);
	KUNIT_EXPECT_EQ(test, 0, fi_read(test, "fi/a"));
	fi_data[0].a = 5;
	stats_fs_source_put(ctx->src);
}

static void get_put_check(struct kunit *test, void *p, int err, bool injected)
{
	struct fi_ctx *ctx = p;

	KUNIT_EXPECT_EQ(test, 5, fi_read(test, "fi/a"));
	stats_fs_source_put(ctx->src);
}

static void put_check(struct kunit *test, void *p, int err, bool injected)
{
	KUNIT_EXPECT_FALSE(test, fi_exists(test, "fi"));
}

static void removal_and_reads_complete(struct kunit *test)
{
	static const struct fi_case cases[] = {
		{ registered_setup, remove_values_call, remove_values_check },
		{ sub_setup, remove_sub_call, remove_sub_check },
		{ registered_setup, remove_call, remove_check },
		{ registered_setup, revoke_call, revoke_check },
		{ registered_setup, get_value_call, read_check },
		{ registered_setup, get_value_by_name_call, read_check },
		{ registered_setup, clear_call, clear_check },
		{ registered_setup, get_put_call, get_put_check },
		{ registered_setup, put_call, put_check },
	};
	struct fi_ctx ctx = { };
	int i;

	for (i = 0; i < ARRAY_SIZE(cases) && test->status != KUNIT_FAILURE; i++)
		fi_run(test, &cases[i], &ctx);
}

static int fi_suite_init(struct kunit_suite *suite)
{
	fi_mnt = stats_fs_test_mount();
	return PTR_ERR_OR_ZERO(fi_mnt);
}

static void fi_suite_exit(struct kunit_suite *suite)
{
	kern_unmount(fi_mnt);
}

static struct kunit_case fi_cases[] = {
	KUNIT_CASE(create_fails_cleanly),
	KUNIT_CASE(register_fails_cleanly),
	KUNIT_CASE(add_values_fails_cleanly),
	KUNIT_CASE(add_subordinate_fails_cleanly),
	KUNIT_CASE(removal_and_reads_complete),
	{}
};

static struct kunit_suite fi_suite = {
	.name = "statsfs_fault_injection",
	.suite_init = fi_suite_init,
	.suite_exit = fi_suite_exit,
	.test_cases = fi_cases,
};

kunit_test_suite(fi_suite);

MODULE_DESCRIPTION("statsfs: the C API with each allocation failed in turn");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
