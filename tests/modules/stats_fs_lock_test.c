// SPDX-License-Identifier: GPL-2.0
/*
 * The rule for the locks a value's callbacks may take, shown to lockdep
 * (tests/selftests/statsfs/92-callback-locks.c loads it twice).
 *
 * The provider holds its own mutex across a statsfs call that takes the tree
 * lock for writing (stats_fs_source_add_values()), as a subsystem holding its
 * lock while it adds a device's values does. Then a value of the source is
 * read, which runs the value's get() under the tree lock held for reading.
 *
 * - violate=0: get() takes a mutex that is never held across a statsfs call
 *   (allowed by the rule): lockdep stays quiet.
 * - violate=1: get() takes the provider's mutex (forbidden by the rule):
 *   provider lock -> tree lock, then tree lock -> provider lock. A reader
 *   and the provider adding values at the same time deadlock; lockdep reports
 *   the circular dependency as soon as both orders have been seen once.
 */

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/stats_fs.h>

static bool violate;
module_param(violate, bool, 0444);
MODULE_PARM_DESC(violate, "get() takes the lock held across statsfs calls");

static DEFINE_MUTEX(stats_fs_lock_test_provider_lock);
static DEFINE_MUTEX(stats_fs_lock_test_value_lock);

static u64 lock_test_value = 42;

static u64 read_under(struct mutex *lock, struct stats_fs_value *val, void *base)
{
	u64 v;

	mutex_lock(lock);
	v = *(u64 *)(base + val->offset);
	mutex_unlock(lock);
	return v;
}

static u64 private_lock_get(struct stats_fs_value *val, void *base)
{
	return read_under(&stats_fs_lock_test_value_lock, val, base);
}

static u64 provider_lock_get(struct stats_fs_value *val, void *base)
{
	return read_under(&stats_fs_lock_test_provider_lock, val, base);
}

static const struct stats_fs_type private_lock_type = {
	.get = private_lock_get, .size = sizeof(u64),
};

static const struct stats_fs_type provider_lock_type = {
	.get = provider_lock_get, .size = sizeof(u64),
};

static struct stats_fs_value lock_test_values[] = {
	{ .name = "locked", .offset = 0, .aggr_kind = STATS_FS_SUM,
	  .value_flag = STATS_FS_FLOATING_VALUE },
	{ .name = NULL },
};

static struct stats_fs_source *lock_test_source;

static int __init lock_test_init(void)
{
	u64 v = 0;
	int err;

	lock_test_values[0].type = violate ? &provider_lock_type : &private_lock_type;
	lock_test_source = stats_fs_source_create(0, "lock_test");
	if (IS_ERR(lock_test_source))
		return PTR_ERR(lock_test_source);
	/* The provider's lock, held across a call that takes the tree lock to write. */
	mutex_lock(&stats_fs_lock_test_provider_lock);
	err = stats_fs_source_add_values(lock_test_source, lock_test_values, &lock_test_value,
					 0);
	mutex_unlock(&stats_fs_lock_test_provider_lock);
	/* A read: get() under the tree lock held for reading. */
	if (!err)
		err = stats_fs_source_get_value(lock_test_source, &lock_test_values[0], &v);
	if (!err && v != lock_test_value)
		err = -EIO;
	if (err)
		stats_fs_source_put(lock_test_source);
	return err;
}
module_init(lock_test_init);

static void __exit lock_test_exit(void)
{
	stats_fs_source_put(lock_test_source);
}
module_exit(lock_test_exit);

MODULE_DESCRIPTION("statsfs: the locking rule for value callbacks, shown to lockdep");
MODULE_LICENSE("GPL");
