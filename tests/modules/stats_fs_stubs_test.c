// SPDX-License-Identifier: GPL-2.0
/*
 * The !CONFIG_STATS_FS stubs of <linux/stats_fs.h>: they compile cleanly with
 * -Wall -Werror and report -ENODEV, so a subsystem built without statsfs can
 * tell "no statsfs" from a real error.
 */

#include <kunit/test.h>

/* Pretend statsfs is not configured, for this file only. */
#undef CONFIG_STATS_FS
#undef CONFIG_STATS_FS_MODULE
#include <linux/stats_fs.h>

static struct stats_fs_value stub_values[] = { { .name = NULL } };

static void stubs_report_enodev(struct kunit *test)
{
	struct stats_fs_source *src = stats_fs_source_create(0, "stub%d", 1);
	u64 v = 7;

	KUNIT_EXPECT_EQ(test, PTR_ERR(src), -ENODEV);
	KUNIT_EXPECT_EQ(test, stats_fs_source_register(src), -ENODEV);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, stub_values, &v, 0), -ENODEV);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_subordinate(src, src), -ENODEV);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(src, stub_values, &v), -ENODEV);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	v = 7;
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value_by_name(src, "x", &v), -ENODEV);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_clear(src, stub_values), -ENODEV);
	KUNIT_EXPECT_FALSE(test, stats_fs_initialized());
	stats_fs_source_remove_subordinate(src, src);
	stats_fs_source_remove(src);
	stats_fs_source_revoke(src);
	stats_fs_source_get(src);
	stats_fs_source_put(src);
}

static struct kunit_case stats_fs_stub_cases[] = {
	KUNIT_CASE(stubs_report_enodev),
	{}
};

static struct kunit_suite stats_fs_stub_suite = {
	.name = "statsfs_c_stubs",
	.test_cases = stats_fs_stub_cases,
};

kunit_test_suite(stats_fs_stub_suite);
