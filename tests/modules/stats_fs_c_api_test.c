// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the statsfs C API, using nothing but <linux/stats_fs.h>, the
 * way KVM and netdev use it: one suite, one case per entry point and rule
 * (about 540 lines).
 */

#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/stats_fs.h>
#include <linux/string.h>
#include <linux/unaligned.h>

struct test_stats {
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

#define VAL(n, field, t, aggr)						\
	{ .name = n, .offset = offsetof(struct test_stats, field),	\
	  .type = &stats_fs_type_##t, .aggr_kind = aggr }

static struct stats_fs_value test_values[] = {
	VAL("u64", u64_, u64, STATS_FS_SUM),
	VAL("s64", s64_, s64, STATS_FS_MIN),
	VAL("u32", u32_, u32, STATS_FS_MAX),
	VAL("s32", s32_, s32, STATS_FS_AVG),
	VAL("u16", u16_, u16, STATS_FS_COUNT_ZERO),
	VAL("s16", s16_, s16, STATS_FS_MAX),
	VAL("u8", u8_, u8, STATS_FS_MIN),
	VAL("s8", s8_, s8, STATS_FS_SUM),
	VAL("bool", bool_, bool, STATS_FS_SUM),
	{ .name = NULL },
};

/* A second array with the same names: aggregates must not mix the two. */
static struct stats_fs_value other_values[] = {
	VAL("u64", u64_, u64, STATS_FS_SUM),
	{ .name = NULL },
};

static struct stats_fs_value floating_values[] = {
	{ .name = "gauge", .offset = offsetof(struct test_stats, u64_),
	  .type = &stats_fs_type_u64, .aggr_kind = STATS_FS_SUM,
	  .value_flag = STATS_FS_FLOATING_VALUE },
	{ .name = NULL },
};

static u64 get_doubled(struct stats_fs_value *val, void *base)
{
	return 2 * *(u32 *)(base + val->offset);
}

static const struct stats_fs_type doubled_type = { .get = get_doubled };

static char *show_onoff(u64 v)
{
	return v ? "on" : "off";
}

static struct stats_fs_value custom_values[] = {
	{ .name = "doubled", .offset = offsetof(struct test_stats, u32_),
	  .type = &doubled_type, .aggr_kind = STATS_FS_SUM },
	{ .name = "power", .offset = offsetof(struct test_stats, bool_),
	  .type = &stats_fs_type_bool, .show = show_onoff },
	{ .name = NULL },
};

static struct stats_fs_source *new_source(struct kunit *test, u32 flags,
					  const char *name)
{
	struct stats_fs_source *src = stats_fs_source_create(flags, "%s", name);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(src), "create %s: %ld", name, PTR_ERR(src));
	return src;
}

static u64 get_by_name(struct kunit *test, struct stats_fs_source *src, const char *name)
{
	u64 v = 0xdead;

	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value_by_name(src, name, &v), 0);
	return v;
}

static void plain_values_of_every_type(struct kunit *test)
{
	struct test_stats st = {
		.u64_ = U64_MAX, .s64_ = -2, .u32_ = U32_MAX, .s32_ = -3,
		.u16_ = U16_MAX, .s16_ = -4, .u8_ = U8_MAX, .s8_ = -5, .bool_ = true,
	};
	struct stats_fs_source *src = new_source(test, 0, "c_types");
	u64 v;

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(src, test_values, &st, 0), 0);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u64"), U64_MAX);
	KUNIT_EXPECT_EQ(test, (s64)get_by_name(test, src, "s64"), -2LL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u32"), (u64)U32_MAX);
	KUNIT_EXPECT_EQ(test, (s64)get_by_name(test, src, "s32"), -3LL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u16"), (u64)U16_MAX);
	KUNIT_EXPECT_EQ(test, (s64)get_by_name(test, src, "s16"), -4LL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u8"), (u64)U8_MAX);
	KUNIT_EXPECT_EQ(test, (s64)get_by_name(test, src, "s8"), -5LL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "bool"), 1ULL);
	st.u64_ = 42;
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(src, &test_values[0], &v), 0);
	KUNIT_EXPECT_EQ(test, v, 42ULL);
	stats_fs_source_put(src);
}

/*
 * root (aggregates + simple) -> mid (aggregates + simple) -> leaf (hidden)
 *                            -> side (simple, plus a group from another array)
 */
static void aggregates_over_a_mixed_tree(struct kunit *test)
{
	struct test_stats st[4] = {
		{ .u64_ = 1, .s64_ = -10, .u32_ = 7, .s32_ = -4, .u16_ = 0, .u8_ = 9, .s8_ = -1 },
		{ .u64_ = 2, .s64_ = 5, .u32_ = 1, .s32_ = -8, .u16_ = 3, .u8_ = 2, .s8_ = -2 },
		{ .u64_ = 3, .s64_ = 0, .u32_ = 30, .s32_ = 3, .u16_ = 0, .u8_ = 4, .s8_ = -3 },
		{ .u64_ = 4, .s64_ = 1, .u32_ = 2, .s32_ = 1, .u16_ = 6, .u8_ = 8, .s8_ = -4 },
	};
	struct test_stats foreign = { .u64_ = 1000 };
	struct stats_fs_source *root = new_source(test, 0, "c_aggr");
	struct stats_fs_source *mid = new_source(test, 0, "mid");
	struct stats_fs_source *leaf = new_source(test, STATS_FS_HIDDEN, "leaf");
	struct stats_fs_source *side = new_source(test, 0, "side");

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(root, test_values, &st[0], 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(root, test_values, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(mid, test_values, &st[1], 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(mid, test_values, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(leaf, test_values, &st[2], 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(side, test_values, &st[3], 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(side, other_values, &foreign, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_subordinate(mid, leaf), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_subordinate(root, mid), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_subordinate(root, side), 0);
	/* The parents hold the only references now. */
	stats_fs_source_put(leaf);
	stats_fs_source_put(side);

	KUNIT_EXPECT_EQ(test, get_by_name(test, root, "u64"), 1ULL + 2 + 3 + 4);
	KUNIT_EXPECT_EQ(test, (s64)get_by_name(test, root, "s64"), -10LL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, root, "u32"), 30ULL);
	KUNIT_EXPECT_EQ(test, (s64)get_by_name(test, root, "s32"), (-4LL - 8 + 3 + 1) / 4);
	KUNIT_EXPECT_EQ(test, get_by_name(test, root, "u16"), 2ULL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, root, "u8"), 2ULL);
	KUNIT_EXPECT_EQ(test, (s64)get_by_name(test, root, "s8"), -10LL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, mid, "u64"), 2ULL + 3);
	KUNIT_EXPECT_EQ(test, (s64)get_by_name(test, mid, "s32"), (-8LL + 3) / 2);

	stats_fs_source_put(mid);
	stats_fs_source_put(root);
}

static void empty_aggregates(struct kunit *test)
{
	struct stats_fs_source *src = new_source(test, 0, "c_empty");

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(src, test_values, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u64"), 0ULL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "s64"), (u64)S64_MAX);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u32"), 0ULL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "s32"), 0ULL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u16"), 0ULL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "s16"), (u64)S64_MIN);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u8"), U64_MAX);
	stats_fs_source_put(src);
}

static void deep_chain(struct kunit *test)
{
	struct test_stats st = { .u64_ = 2, .s8_ = -1 };
	struct stats_fs_source *top = new_source(test, 0, "c_deep");
	struct stats_fs_source *parent = top, *child;
	int i;

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(top, test_values, NULL, 0), 0);
	/* Deep enough to overflow a recursive walk's stack; the Rust core goes to 500. */
	for (i = 0; i < 300; i++) {
		child = new_source(test, 0, "level");
		KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(child, test_values, &st, 0), 0);
		KUNIT_ASSERT_EQ(test, stats_fs_source_add_subordinate(parent, child), 0);
		stats_fs_source_put(child);
		parent = child;
	}
	KUNIT_EXPECT_EQ(test, get_by_name(test, top, "u64"), 600ULL);
	KUNIT_EXPECT_EQ(test, (s64)get_by_name(test, top, "s8"), -300LL);
	stats_fs_source_put(top);
}

static void eexist_and_lookup(struct kunit *test)
{
	struct test_stats a = { .u64_ = 1 }, b = { .u64_ = 2 };
	struct stats_fs_source *src = new_source(test, 0, "c_lookup");
	u64 v = 7;

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(src, test_values, &a, 0), 0);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, test_values, &a, 0), -EEXIST);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(src, other_values, &b, 0), 0);
	/* Newest group first. */
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u64"), 2ULL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(src, &test_values[0], &v), 0);
	KUNIT_EXPECT_EQ(test, v, 1ULL);
	/* Misses set the output to 0. */
	v = 7;
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value_by_name(src, "nope", &v), -ENOENT);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	v = 7;
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(src, &floating_values[0], &v), -ENOENT);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	stats_fs_source_put(src);
}

static void clear_and_refusals(struct kunit *test)
{
	struct test_stats a = { .u64_ = 5 }, b = { .u64_ = 6 };
	struct stats_fs_source *parent = new_source(test, 0, "c_clear");
	struct stats_fs_source *child = new_source(test, 0, "child");

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(parent, test_values, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(parent, floating_values, &a, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(parent, custom_values, &a, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(child, test_values, &b, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_subordinate(parent, child), 0);

	KUNIT_EXPECT_EQ(test, stats_fs_source_clear(parent, &floating_values[0]), -EPERM);
	KUNIT_EXPECT_EQ(test, stats_fs_source_clear(parent, &custom_values[0]), -EPERM);
	KUNIT_EXPECT_EQ(test, a.u64_, 5ULL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_clear(parent, &test_values[0]), 0);
	KUNIT_EXPECT_EQ(test, b.u64_, 0ULL);
	KUNIT_EXPECT_EQ(test, a.u64_, 5ULL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_clear(parent, &other_values[0]), -ENOENT);

	stats_fs_source_put(child);
	stats_fs_source_put(parent);
}

static void revoke_and_hidden(struct kunit *test)
{
	struct test_stats a = { .u64_ = 5, .u8_ = 1 }, b = { .u64_ = 6, .u8_ = 9 };
	struct stats_fs_source *parent = new_source(test, 0, "c_revoke");
	struct stats_fs_source *c1 = new_source(test, STATS_FS_HIDDEN, "c1");
	struct stats_fs_source *c2 = new_source(test, 0, "c2");
	u64 v;

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(parent, test_values, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(c1, test_values, &a, STATS_FS_HIDDEN), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(c2, test_values, &b, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_subordinate(parent, c1), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_subordinate(parent, c2), 0);
	KUNIT_EXPECT_EQ(test, get_by_name(test, parent, "u64"), 11ULL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, parent, "u8"), 1ULL);

	stats_fs_source_revoke(c1);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(c1, &test_values[0], &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, parent, "u64"), 6ULL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, parent, "u8"), 9ULL);
	stats_fs_source_revoke(c2);
	/* Everything revoked: the empty set, not stale memory. */
	KUNIT_EXPECT_EQ(test, get_by_name(test, parent, "u8"), U64_MAX);

	stats_fs_source_remove_subordinate(parent, c2);
	stats_fs_source_remove_subordinate(parent, c2);	/* not a child: no-op */
	stats_fs_source_put(c2);
	stats_fs_source_put(c1);
	stats_fs_source_put(parent);
}

static void custom_types(struct kunit *test)
{
	struct test_stats a = { .u32_ = 21, .bool_ = true };
	struct stats_fs_source *src = new_source(test, 0, "c_custom");

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(src, custom_values, &a, 0), 0);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "doubled"), 42ULL);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "power"), 1ULL);
	stats_fs_source_put(src);
}

static void error_returns(struct kunit *test)
{
	struct stats_fs_source *a = new_source(test, 0, "c_errors");
	struct stats_fs_source *b = new_source(test, 0, "b");
	static struct stats_fs_value bad_name[] = {
		{ .name = "a/b", .type = &stats_fs_type_u64 }, { .name = NULL },
	};
	static struct stats_fs_value no_type[] = { { .name = "x" }, { .name = NULL } };
	char long_name[NAME_MAX + 2];
	u64 v;

	KUNIT_EXPECT_EQ(test, PTR_ERR(stats_fs_source_create(0, "a/b")), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(stats_fs_source_create(0, "..")), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(stats_fs_source_create(0, ".meta")), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(stats_fs_source_create(0, "%s", "")), -EINVAL);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	KUNIT_EXPECT_EQ(test, PTR_ERR(stats_fs_source_create(0, "%s", long_name)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(stats_fs_source_create(0x100, "ok")), -EINVAL);

	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(a, bad_name, &v, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(a, no_type, &v, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(a, NULL, &v, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(NULL, test_values, &v, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(ERR_PTR(-ENOMEM), test_values, &v, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_register(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_subordinate(a, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_subordinate(a, a), -EINVAL);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_subordinate(a, b), 0);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_subordinate(b, a), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_subordinate(a, b), -EBUSY);
	KUNIT_EXPECT_EQ(test, stats_fs_source_register(b), -EBUSY);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(NULL, test_values, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value_by_name(a, NULL, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_clear(NULL, test_values), -EINVAL);
	/* Ignored, as documented. */
	stats_fs_source_revoke(NULL);
	stats_fs_source_get(NULL);
	stats_fs_source_put(NULL);
	stats_fs_source_put(ERR_PTR(-EINVAL));
	stats_fs_source_remove_subordinate(NULL, b);
	KUNIT_EXPECT_TRUE(test, stats_fs_initialized());

	stats_fs_source_put(b);
	stats_fs_source_put(a);
}

/*
 * Error pointers from a caller are refused like NULL: as the descriptor array,
 * a descriptor's name, type, show function or a type's callbacks, the base,
 * the name, the value to read or clear, the place to store a value.
 */
static void error_pointers_are_einval(struct kunit *test)
{
	struct stats_fs_source *src = new_source(test, 0, "c_err_ptrs");
	struct stats_fs_value *vals = kunit_kcalloc(test, 2, sizeof(*vals), GFP_KERNEL);
	struct stats_fs_type *bad_type = kunit_kzalloc(test, sizeof(*bad_type), GFP_KERNEL);
	struct test_stats a = { .u64_ = 4 };
	const char *bad_fmt = ERR_PTR(-EINVAL);
	u64 v = 7;

	KUNIT_ASSERT_NOT_NULL(test, vals);
	KUNIT_ASSERT_NOT_NULL(test, bad_type);
	KUNIT_EXPECT_EQ(test, PTR_ERR(stats_fs_source_create(0, bad_fmt)), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, ERR_PTR(-ENOMEM), &a, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, test_values, ERR_PTR(-ENOMEM), 0),
			-EINVAL);

	vals[0] = test_values[0];
	vals[0].name = (char *)ERR_PTR(-EFAULT);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, vals, &a, 0), -EINVAL);
	vals[0] = test_values[0];
	vals[0].type = ERR_PTR(-EFAULT);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, vals, &a, 0), -EINVAL);
	vals[0] = test_values[0];
	vals[0].show = (char *(*)(u64))ERR_PTR(-EFAULT);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, vals, &a, 0), -EINVAL);
	vals[0] = test_values[0];
	bad_type->get = (u64 (*)(struct stats_fs_value *, void *))ERR_PTR(-EFAULT);
	vals[0].type = bad_type;
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, vals, &a, 0), -EINVAL);
	bad_type->get = get_doubled;
	bad_type->clear = (void (*)(struct stats_fs_value *, void *))ERR_PTR(-EFAULT);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, vals, &a, 0), -EINVAL);
	/* Nothing of the refused groups was added. */
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value_by_name(src, "u64", &v), -ENOENT);

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(src, test_values, &a, 0), 0);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(src, ERR_PTR(-EINVAL), &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value_by_name(src, ERR_PTR(-EINVAL), &v),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(src, &test_values[0], ERR_PTR(-EINVAL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value_by_name(src, "u64", ERR_PTR(-EINVAL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_clear(src, ERR_PTR(-EINVAL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_subordinate(src, ERR_PTR(-EINVAL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_subordinate(ERR_PTR(-EINVAL), src), -EINVAL);
	stats_fs_source_remove_subordinate(src, ERR_PTR(-EINVAL));
	stats_fs_source_remove(ERR_PTR(-EINVAL));
	stats_fs_source_revoke(ERR_PTR(-EINVAL));
	stats_fs_source_get(ERR_PTR(-EINVAL));
	/* Still intact. */
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u64"), 4ULL);
	stats_fs_source_put(src);
}

static u64 get_unaligned_doubled(struct stats_fs_value *val, void *base)
{
	return 2 * get_unaligned((u32 *)(base + val->offset));
}

static const struct stats_fs_type unaligned_doubled_type = { .get = get_unaligned_doubled };

struct packed_stats {
	u8 pad;
	u64 count;
	u32 small;
} __packed;

/*
 * The default types read through atomics: a field that is not naturally
 * aligned (a __packed struct, or an odd base) is refused when added. A custom
 * type reads its field as it likes, so it is not checked.
 */
static void misaligned_default_types_are_einval(struct kunit *test)
{
	static struct stats_fs_value packed_u64[] = {
		{ .name = "count", .offset = offsetof(struct packed_stats, count),
		  .type = &stats_fs_type_u64, .aggr_kind = STATS_FS_SUM },
		{ .name = NULL },
	};
	static struct stats_fs_value packed_u32[] = {
		{ .name = "small", .offset = offsetof(struct packed_stats, small),
		  .type = &stats_fs_type_u32, .aggr_kind = STATS_FS_SUM },
		{ .name = NULL },
	};
	static struct stats_fs_value packed_u8[] = {
		{ .name = "pad", .offset = offsetof(struct packed_stats, pad),
		  .type = &stats_fs_type_u8, .aggr_kind = STATS_FS_SUM },
		{ .name = NULL },
	};
	static struct stats_fs_value packed_custom[] = {
		{ .name = "doubled", .offset = offsetof(struct packed_stats, small),
		  .type = &unaligned_doubled_type, .aggr_kind = STATS_FS_SUM },
		{ .name = NULL },
	};
	struct stats_fs_source *src = new_source(test, 0, "c_packed");
	u64 *aligned = kunit_kzalloc(test, 4 * sizeof(u64), GFP_KERNEL);
	struct packed_stats *p;

	KUNIT_ASSERT_NOT_NULL(test, aligned);
	p = (struct packed_stats *)aligned;
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, packed_u64, p, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, packed_u32, p, 0), -EINVAL);
	/* As aggregates (no base) too: the offset alone is misaligned. */
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, packed_u64, NULL, 0), -EINVAL);
	/* An aligned offset at an odd base. */
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, test_values,
							 (char *)aligned + 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, packed_u8, p, 0), 0);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, packed_custom, p, 0), 0);
	put_unaligned(21, &p->small);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "doubled"), 42ULL);
	stats_fs_source_put(src);
}

/*
 * A module that adds values to a source it does not own takes them back with
 * stats_fs_source_remove_values(); a revoked pair may be added again.
 */
static void remove_values_and_readd(struct kunit *test)
{
	struct test_stats a = { .u64_ = 5 }, b = { .u64_ = 6 };
	struct stats_fs_source *src = new_source(test, 0, "c_remove_values");
	u64 v;

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(src, test_values, &a, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(src, other_values, &b, 0), 0);
	KUNIT_EXPECT_EQ(test, stats_fs_source_remove_values(src, other_values, &b), 0);
	KUNIT_EXPECT_EQ(test, stats_fs_source_remove_values(src, other_values, &b), -ENOENT);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(src, &other_values[0], &v), -ENOENT);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u64"), 5ULL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_remove_values(NULL, other_values, &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_remove_values(src, NULL, &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_remove_values(src, ERR_PTR(-EINVAL), &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_remove_values(src, other_values, ERR_PTR(-EINVAL)),
			-EINVAL);

	stats_fs_source_revoke(src);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(src, &test_values[0], &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	KUNIT_EXPECT_EQ(test, stats_fs_source_add_values(src, test_values, &a, 0), 0);
	KUNIT_EXPECT_EQ(test, get_by_name(test, src, "u64"), 5ULL);
	stats_fs_source_put(src);
}

static void register_and_references(struct kunit *test)
{
	struct test_stats a = { .u64_ = 3 };
	struct stats_fs_source *root = new_source(test, 0, "c_register");
	struct stats_fs_source *dup = new_source(test, 0, "c_register");
	u64 v;

	KUNIT_ASSERT_EQ(test, stats_fs_source_add_values(root, test_values, &a, 0), 0);
	KUNIT_ASSERT_EQ(test, stats_fs_source_register(root), 0);
	KUNIT_EXPECT_EQ(test, stats_fs_source_register(root), -EBUSY);
	KUNIT_EXPECT_EQ(test, stats_fs_source_register(dup), -EEXIST);
	stats_fs_source_get(root);
	stats_fs_source_put(root);
	KUNIT_EXPECT_EQ(test, stats_fs_source_get_value(root, &test_values[0], &v), 0);
	KUNIT_EXPECT_EQ(test, v, 3ULL);
	stats_fs_source_put(root);
	/* The name is free again once the last reference is gone. */
	KUNIT_EXPECT_EQ(test, stats_fs_source_register(dup), 0);
	stats_fs_source_put(dup);
}

static struct kunit_case stats_fs_c_api_cases[] = {
	KUNIT_CASE(plain_values_of_every_type),
	KUNIT_CASE(aggregates_over_a_mixed_tree),
	KUNIT_CASE(empty_aggregates),
	KUNIT_CASE(deep_chain),
	KUNIT_CASE(eexist_and_lookup),
	KUNIT_CASE(clear_and_refusals),
	KUNIT_CASE(revoke_and_hidden),
	KUNIT_CASE(custom_types),
	KUNIT_CASE(error_returns),
	KUNIT_CASE(register_and_references),
	KUNIT_CASE(error_pointers_are_einval),
	KUNIT_CASE(misaligned_default_types_are_einval),
	KUNIT_CASE(remove_values_and_readd),
	{}
};

static struct kunit_suite stats_fs_c_api_suite = {
	.name = "statsfs_c_api",
	.test_cases = stats_fs_c_api_cases,
};

kunit_test_suite(stats_fs_c_api_suite);

MODULE_DESCRIPTION("KUnit tests of the statsfs C API");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
