// SPDX-License-Identifier: GPL-2.0
/*
 * Publishes a fixed tree for the in-guest file system tests, through the C API,
 * and changes it on request: write to /sys/module/stats_fs_fs_test/parameters/action
 *
 *   remove   revoke and remove fs_test/dev1 (files held open must survive)
 *   readd    publish fs_test/dev1 again
 *   revoke   revoke fs_test/dev0 (it stays, reading 0)
 *   churn=N  publish a generation of N sources under fs_test/churn, each published
 *            empty and then given its 11 values in one group; then tear down the
 *            generation before (churn=0: only that)
 *   pin      publish fs_test/churn/pin, which stays until unpin (or unload)
 *   unpin    remove it
 *   wide=N   publish fs_wide/ with N values w0..w<N-1> in one group (wide=0 removes it):
 *            a directory of consecutive inode numbers longer than one readdir batch
 *   bench=N  publish N sources of 60 values under bench/ (no reads), or remove them (0)
 *   dbench=N the same tree the debugfs way (a file per value) in debugfs bench/
 *
 * The tree:
 *
 *   fs_test/                aggregates over dev0, dev1 and the hidden dev2
 *   fs_test/dev0/, dev1/    every default type, a floating value, a show string
 *   fs_test/dev0/sub/       a subordinate of a subordinate
 *   (dev2)                  hidden: no directory, still aggregated
 *   (hidden group)          values "secret" in dev0 that have no file
 */

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/stats_fs.h>
#include <linux/string.h>

struct fs_test_stats {
	u64 u64_;
	s64 s64_;
	u32 u32_;
	s32 s32_;
	u16 u16_;
	s16 s16_;
	u8 u8_;
	s8 s8_;
	bool bool_;
	u64 gauge;
	u8 state;
};

#define VAL(n, f, t, aggr)						\
	{ .name = n, .offset = offsetof(struct fs_test_stats, f),	\
	  .type = &stats_fs_type_##t, .aggr_kind = aggr }

/*
 * State 2 shows a text longer than 128 bytes with a two-byte UTF-8 character
 * on bytes 127 and 128: a read cut at 128 bytes would split it.
 */
static char fs_test_long_state[301];

static char *fs_test_show_state(u64 v)
{
	if (v == 2)
		return fs_test_long_state;
	return v ? "on" : "off";
}

static struct stats_fs_value fs_test_values[] = {
	VAL("u64", u64_, u64, STATS_FS_SUM),
	VAL("s64", s64_, s64, STATS_FS_MIN),
	VAL("u32", u32_, u32, STATS_FS_MAX),
	VAL("s32", s32_, s32, STATS_FS_AVG),
	VAL("u16", u16_, u16, STATS_FS_COUNT_ZERO),
	VAL("s16", s16_, s16, STATS_FS_MAX),
	VAL("u8", u8_, u8, STATS_FS_MIN),
	VAL("s8", s8_, s8, STATS_FS_SUM),
	VAL("bool", bool_, bool, STATS_FS_SUM),
	{ .name = "gauge", .offset = offsetof(struct fs_test_stats, gauge),
	  .type = &stats_fs_type_u64, .aggr_kind = STATS_FS_MAX,
	  .value_flag = STATS_FS_FLOATING_VALUE },
	{ .name = "state", .offset = offsetof(struct fs_test_stats, state),
	  .type = &stats_fs_type_u8, .show = fs_test_show_state },
	{ .name = NULL },
};

static struct stats_fs_value fs_test_secret[] = {
	VAL("secret", u64_, u64, STATS_FS_SUM),
	{ .name = NULL },
};

static struct fs_test_stats fs_test_data[4] = {
	{ .u64_ = 100, .s64_ = -7, .u32_ = 4000000000U, .s32_ = -8, .u16_ = 0,
	  .s16_ = -300, .u8_ = 200, .s8_ = -5, .bool_ = true, .gauge = 11, .state = 1 },
	{ .u64_ = 20, .s64_ = 3, .u32_ = 5, .s32_ = 2, .u16_ = 7,
	  .s16_ = 9, .u8_ = 4, .s8_ = 1, .bool_ = false, .gauge = 30, .state = 0 },
	{ .u64_ = 3, .s64_ = -9, .u32_ = 1, .s32_ = 0, .u16_ = 0,
	  .s16_ = 1, .u8_ = 9, .s8_ = 1, .bool_ = true, .gauge = 2, .state = 0 },
	{ .u64_ = 1, .u8_ = 1 },	/* dev0/sub */
};

static struct stats_fs_source *fs_test_root, *fs_test_devs[3], *fs_test_sub;
static struct stats_fs_source *fs_test_churn, *fs_test_pin;
/* The generation of churn sources published by the last churn=N. */
static struct stats_fs_source **fs_test_gen;
static int fs_test_gen_n;
static unsigned int fs_test_gen_id;
static DEFINE_MUTEX(fs_test_lock);	/* Serialises actions. */

static struct stats_fs_source *fs_test_dev(int i)
{
	struct stats_fs_source *src;
	int err;

	src = stats_fs_source_create(i == 2 ? STATS_FS_HIDDEN : 0, "dev%d", i);
	if (IS_ERR(src))
		return src;
	err = stats_fs_source_add_values(src, fs_test_values, &fs_test_data[i], 0);
	if (!err && i == 0)
		err = stats_fs_source_add_values(src, fs_test_secret, &fs_test_data[i],
						 STATS_FS_HIDDEN);
	if (!err)
		err = stats_fs_source_add_subordinate(fs_test_root, src);
	if (err) {
		stats_fs_source_put(src);
		return ERR_PTR(err);
	}
	return src;
}

static void fs_test_drop(struct stats_fs_source **src)
{
	if (IS_ERR_OR_NULL(*src))
		return;
	stats_fs_source_revoke(*src);
	stats_fs_source_remove(*src);
	stats_fs_source_put(*src);
	*src = NULL;
}

/* Tears down a generation of churn sources, in another order than built. */
static void fs_test_churn_free(struct stats_fs_source **srcs, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		if (IS_ERR_OR_NULL(srcs[i]))
			continue;
		/* Both ways out of the parent. */
		if (i % 2)
			stats_fs_source_remove_subordinate(fs_test_churn, srcs[i]);
		else
			stats_fs_source_remove(srcs[i]);
		stats_fs_source_revoke(srcs[i]);
		stats_fs_source_put(srcs[i]);
	}
	kfree(srcs);
}

/*
 * Publishes a generation of @n sources under fs_test/churn, each empty first and
 * then given the 11 test values in one group (a reader sees none of them or all),
 * and tears down the generation before: while readers run, what goes away lies
 * both before and after what stays (fs_test/churn/pin, fs_test/dev1 once readded).
 */
static int fs_test_churn_once(int n)
{
	struct stats_fs_source **srcs = NULL;
	int i, err = 0;

	if (n) {
		srcs = kcalloc(n, sizeof(*srcs), GFP_KERNEL);
		if (!srcs)
			return -ENOMEM;
	}
	fs_test_gen_id++;
	for (i = 0; i < n && !err; i++) {
		srcs[i] = stats_fs_source_create(0, "c%u_%d", fs_test_gen_id, i);
		if (IS_ERR(srcs[i])) {
			err = PTR_ERR(srcs[i]);
			break;
		}
		err = stats_fs_source_add_subordinate(fs_test_churn, srcs[i]);
		if (!err)
			err = stats_fs_source_add_values(srcs[i], fs_test_values,
							 &fs_test_data[i % 3], 0);
	}
	if (fs_test_gen)
		fs_test_churn_free(fs_test_gen, fs_test_gen_n);
	fs_test_gen = srcs;
	fs_test_gen_n = n;
	if (err) {
		fs_test_churn_free(fs_test_gen, fs_test_gen_n);
		fs_test_gen = NULL;
		fs_test_gen_n = 0;
	}
	return err;
}

/* The benchmark tree: N sources x 60 u64 values, under bench/. */
#define BENCH_VALUES 60
static struct stats_fs_value *bench_desc;
static u64 *bench_data;
static struct stats_fs_source *bench_root, **bench_srcs;
static int bench_n;

static void fs_test_bench_free(void)
{
	int i;

	for (i = 0; i < bench_n; i++)
		fs_test_drop(&bench_srcs[i]);
	fs_test_drop(&bench_root);
	kvfree(bench_srcs);
	kvfree(bench_data);
	bench_srcs = NULL;
	bench_data = NULL;
	bench_n = 0;
}

static int fs_test_bench(int n)
{
	static char names[BENCH_VALUES][8];
	int i, err = 0;

	fs_test_bench_free();
	if (n <= 0)
		return 0;
	if (!bench_desc) {
		bench_desc = kcalloc(BENCH_VALUES + 1, sizeof(*bench_desc), GFP_KERNEL);
		if (!bench_desc)
			return -ENOMEM;
		for (i = 0; i < BENCH_VALUES; i++) {
			snprintf(names[i], sizeof(names[i]), "v%d", i);
			bench_desc[i].name = names[i];
			bench_desc[i].offset = i * sizeof(u64);
			bench_desc[i].type = &stats_fs_type_u64;
			bench_desc[i].aggr_kind = STATS_FS_SUM;
		}
	}
	bench_srcs = kvcalloc(n, sizeof(*bench_srcs), GFP_KERNEL);
	bench_data = kvcalloc((size_t)n * BENCH_VALUES, sizeof(u64), GFP_KERNEL);
	if (!bench_srcs || !bench_data) {
		fs_test_bench_free();
		return -ENOMEM;
	}
	bench_root = stats_fs_source_create(0, "bench");
	if (IS_ERR(bench_root)) {
		err = PTR_ERR(bench_root);
		bench_root = NULL;
		fs_test_bench_free();
		return err;
	}
	err = stats_fs_source_register(bench_root);
	for (i = 0; i < n && !err; i++) {
		bench_srcs[i] = stats_fs_source_create(0, "s%d", i);
		if (IS_ERR(bench_srcs[i])) {
			err = PTR_ERR(bench_srcs[i]);
			bench_srcs[i] = NULL;
			break;
		}
		bench_n = i + 1;
		bench_data[(size_t)i * BENCH_VALUES] = i;
		err = stats_fs_source_add_values(bench_srcs[i], bench_desc,
						 &bench_data[(size_t)i * BENCH_VALUES], 0);
		if (!err)
			err = stats_fs_source_add_subordinate(bench_root, bench_srcs[i]);
	}
	if (err)
		fs_test_bench_free();
	return err;
}

/* fs_wide/: one source of up to WIDE_MAX values in one group. */
#define WIDE_MAX 500
static struct stats_fs_source *wide_src;
static struct stats_fs_value *wide_desc;
static u64 wide_data[WIDE_MAX];

static int fs_test_wide(int n)
{
	static char names[WIDE_MAX][8];
	int i, err;

	fs_test_drop(&wide_src);
	kfree(wide_desc);
	wide_desc = NULL;
	if (!n)
		return 0;
	wide_desc = kcalloc(n + 1, sizeof(*wide_desc), GFP_KERNEL);
	if (!wide_desc)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "w%d", i);
		wide_desc[i].name = names[i];
		wide_desc[i].offset = i * sizeof(u64);
		wide_desc[i].type = &stats_fs_type_u64;
		wide_data[i] = i;
	}
	wide_src = stats_fs_source_create(0, "fs_wide");
	err = PTR_ERR_OR_ZERO(wide_src);
	if (!err)
		err = stats_fs_source_add_values(wide_src, wide_desc, wide_data, 0);
	if (!err)
		err = stats_fs_source_register(wide_src);
	if (err)
		fs_test_drop(&wide_src);
	return err;
}

/* The same tree in debugfs, one file per value, created the debugfs way. */
static struct dentry *dbench_root;
static u64 *dbench_data;

static void fs_test_dbench_free(void)
{
	debugfs_remove(dbench_root);
	dbench_root = NULL;
	kvfree(dbench_data);
	dbench_data = NULL;
}

static int fs_test_dbench(int n)
{
	char name[16];
	int i, j;

	fs_test_dbench_free();
	if (n <= 0)
		return 0;
	dbench_data = kvcalloc((size_t)n * BENCH_VALUES, sizeof(u64), GFP_KERNEL);
	if (!dbench_data)
		return -ENOMEM;
	dbench_root = debugfs_create_dir("bench", NULL);
	for (i = 0; i < n; i++) {
		struct dentry *dir;

		snprintf(name, sizeof(name), "s%d", i);
		dir = debugfs_create_dir(name, dbench_root);
		for (j = 0; j < BENCH_VALUES; j++) {
			snprintf(name, sizeof(name), "v%d", j);
			debugfs_create_u64(name, 0644, dir,
					   &dbench_data[(size_t)i * BENCH_VALUES + j]);
		}
	}
	return 0;
}

static int fs_test_action(const char *val, const struct kernel_param *kp)
{
	int n, err = 0;

	mutex_lock(&fs_test_lock);
	if (sysfs_streq(val, "remove")) {
		fs_test_drop(&fs_test_devs[1]);
	} else if (sysfs_streq(val, "readd")) {
		if (!fs_test_devs[1]) {
			fs_test_devs[1] = fs_test_dev(1);
			if (IS_ERR(fs_test_devs[1])) {
				err = PTR_ERR(fs_test_devs[1]);
				fs_test_devs[1] = NULL;
			}
		}
	} else if (sysfs_streq(val, "revoke")) {
		stats_fs_source_revoke(fs_test_devs[0]);
	} else if (sscanf(val, "state=%d", &n) == 1 && n >= 0 && n <= 2) {
		WRITE_ONCE(fs_test_data[0].state, n);
	} else if (sscanf(val, "churn=%d", &n) == 1 && n >= 0 && n <= 100000) {
		err = fs_test_churn_once(n);
	} else if (sysfs_streq(val, "pin")) {
		if (!fs_test_pin) {
			fs_test_pin = stats_fs_source_create(0, "pin");
			err = PTR_ERR_OR_ZERO(fs_test_pin);
			if (!err)
				err = stats_fs_source_add_values(fs_test_pin, fs_test_values,
								 &fs_test_data[0], 0);
			if (!err)
				err = stats_fs_source_add_subordinate(fs_test_churn, fs_test_pin);
			if (err) {
				fs_test_drop(&fs_test_pin);
				fs_test_pin = NULL;
			}
		}
	} else if (sysfs_streq(val, "unpin")) {
		fs_test_drop(&fs_test_pin);
	} else if (sscanf(val, "wide=%d", &n) == 1 && n >= 0 && n <= WIDE_MAX) {
		err = fs_test_wide(n);
	} else if (sscanf(val, "bench=%d", &n) == 1 && n >= 0 && n <= 100000) {
		err = fs_test_bench(n);
	} else if (sscanf(val, "dbench=%d", &n) == 1 && n >= 0 && n <= 100000) {
		err = fs_test_dbench(n);
	} else {
		err = -EINVAL;
	}
	mutex_unlock(&fs_test_lock);
	return err;
}

static const struct kernel_param_ops fs_test_action_ops = {
	.set = fs_test_action,
};
module_param_cb(action, &fs_test_action_ops, NULL, 0200);
MODULE_PARM_DESC(action,
		 "remove, readd, revoke, state=N, churn=N, pin, unpin, wide=N, bench=N, dbench=N");

static void fs_test_teardown(void)
{
	int i;

	fs_test_bench_free();
	fs_test_dbench_free();
	kfree(bench_desc);
	if (fs_test_gen)
		fs_test_churn_free(fs_test_gen, fs_test_gen_n);
	fs_test_gen = NULL;
	fs_test_wide(0);
	fs_test_drop(&fs_test_pin);
	fs_test_drop(&fs_test_churn);
	fs_test_drop(&fs_test_sub);
	for (i = 0; i < ARRAY_SIZE(fs_test_devs); i++)
		fs_test_drop(&fs_test_devs[i]);
	fs_test_drop(&fs_test_root);
}

static int __init fs_test_init(void)
{
	int i, err;

	memset(fs_test_long_state, 'a', 127);
	fs_test_long_state[127] = '\xc3';
	fs_test_long_state[128] = '\xa9';
	memset(fs_test_long_state + 129, 'b', 171);
	fs_test_root = stats_fs_source_create(0, "fs_test");
	if (IS_ERR(fs_test_root))
		return PTR_ERR(fs_test_root);
	err = stats_fs_source_add_values(fs_test_root, fs_test_values, NULL, 0);
	if (err)
		goto fail;
	for (i = 0; i < ARRAY_SIZE(fs_test_devs); i++) {
		fs_test_devs[i] = fs_test_dev(i);
		if (IS_ERR(fs_test_devs[i])) {
			err = PTR_ERR(fs_test_devs[i]);
			fs_test_devs[i] = NULL;
			goto fail;
		}
	}
	fs_test_sub = stats_fs_source_create(0, "sub");
	err = PTR_ERR_OR_ZERO(fs_test_sub);
	if (!err)
		err = stats_fs_source_add_values(fs_test_sub, fs_test_values, &fs_test_data[3], 0);
	if (!err)
		err = stats_fs_source_add_subordinate(fs_test_devs[0], fs_test_sub);
	if (err)
		goto fail;
	fs_test_churn = stats_fs_source_create(0, "churn");
	err = PTR_ERR_OR_ZERO(fs_test_churn);
	if (!err)
		err = stats_fs_source_add_values(fs_test_churn, fs_test_values, NULL, 0);
	if (!err)
		err = stats_fs_source_add_subordinate(fs_test_root, fs_test_churn);
	if (!err)
		err = stats_fs_source_register(fs_test_root);
	if (err)
		goto fail;
	return 0;
fail:
	fs_test_teardown();
	return err;
}

static void __exit fs_test_exit(void)
{
	fs_test_teardown();
}

module_init(fs_test_init);
module_exit(fs_test_exit);

MODULE_DESCRIPTION("statsfs file system test publisher");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
