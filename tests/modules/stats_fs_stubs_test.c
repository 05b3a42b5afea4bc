// SPDX-License-Identifier: GPL-2.0
/*
 * The !CONFIG_STATS_FS stubs of <linux/stats_fs.h>: they compile cleanly with
 * -Wall -Werror and report -ENODEV, so a subsystem built without statsfs can
 * tell "no statsfs" from a real error. Its descriptor tables point to every
 * default type, as KVM's do: this module is built and linked against the stub
 * branch and loaded while statsfs is not, so an unresolved symbol would stop
 * it loading.
 */

#include <kunit/test.h>
#include <linux/module.h>

/* Pretend statsfs is not configured, for this file only. */
#undef CONFIG_STATS_FS
#undef CONFIG_STATS_FS_MODULE
#undef STATS_FS_OUT_OF_TREE
#include <linux/stats_fs.h>

struct stub_stats {
	u64 u64_;
	s64 s64_;
	u32 u32_;
	s32 s32_;
	u16 u16_;
	s16 s16_;
	u8 u8_;
	s8 s8_;
	bool bool_;
};

#define STUB_VAL(field, t)						\
	{ .name = #t, .offset = offsetof(struct stub_stats, field),	\
	  .type = &stats_fs_type_##t, .aggr_kind = STATS_FS_SUM }

static struct stats_fs_value stub_values[] = {
	STUB_VAL(u64_, u64),
	STUB_VAL(s64_, s64),
	STUB_VAL(u32_, u32),
	STUB_VAL(s32_, s32),
	STUB_VAL(u16_, u16),
	STUB_VAL(s16_, s16),
	STUB_VAL(u8_, u8),
	STUB_VAL(s8_, s8),
	STUB_VAL(bool_, bool),
	{ .name = NULL },
};

static void stubs_report_enodev(struct kunit *test)
{
	struct stats_fs_source *src = stats_fs_source_create(0, "stub%d", 1);
	struct stub_stats stats = {};
	u64 v = 7;

	KUNIT_EXPECT_EQ(test, PTR_ERR(src), -ENODEV);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, stub_values, &stats, 0), -ENODEV);
	KUNIT_EXPECT_EQ(test, stats_fs_source_register(src), -ENODEV);
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

MODULE_DESCRIPTION("statsfs: the !CONFIG_STATS_FS stubs, loaded without statsfs");
MODULE_LICENSE("GPL");
