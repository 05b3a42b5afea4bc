// SPDX-License-Identifier: GPL-2.0
/*
 * The rule for the locks a value's callbacks may take, shown to lockdep
 * (tests/selftests/statsfs/92-callback-locks.c loads it three times).
 *
 * A value of the source is read, which runs the value's get() under an
 * active reference to its group; the provider holds its own mutex across
 * some statsfs calls:
 *
 * - mode=0: get() takes a mutex of its own, never held across a statsfs
 *   call; the provider holds its mutex across adding values and revoking
 *   them. Allowed: lockdep stays quiet.
 * - mode=1: get() takes the provider's mutex, which the provider holds across
 *   stats_fs_source_add_values() only. Allowed: adding values waits for no
 *   reader, so lockdep stays quiet (with the old tree lock this deadlocked).
 * - mode=2: get() takes the provider's mutex, which the provider holds across
 *   stats_fs_source_revoke(). Forbidden: revoke waits for the group's
 *   callbacks in progress, and a callback waits for the mutex: a reader and
 *   the provider revoking at the same time deadlock. Lockdep reports the
 *   circular dependency between the mutex and stats_fs_active as soon as both
 *   orders have been seen once.
 */

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/stats_fs.h>

static int mode;
module_param(mode, int, 0444);
MODULE_PARM_DESC(mode, "0: get() takes its own lock; 1: the provider's, held across adding; 2: the provider's, held across revoking");

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

	lock_test_values[0].type = mode ? &provider_lock_type : &private_lock_type;
	lock_test_source = stats_fs_source_create(0, "lock_test");
	if (IS_ERR(lock_test_source))
		return PTR_ERR(lock_test_source);
	/* The provider's lock, held across adding values (modes 0 and 1). */
	if (mode != 2)
		mutex_lock(&stats_fs_lock_test_provider_lock);
	err = stats_fs_source_add_values(lock_test_source, lock_test_values,
					 &lock_test_value, 0);
	if (mode != 2)
		mutex_unlock(&stats_fs_lock_test_provider_lock);
	/* A read: get() runs under an active reference to the group. */
	if (!err)
		err = stats_fs_source_get_value(lock_test_source,
						&lock_test_values[0], &v);
	if (!err && v != lock_test_value)
		err = -EIO;
	/* The provider's lock, held across revoking (modes 0 and 2). */
	if (mode != 1)
		mutex_lock(&stats_fs_lock_test_provider_lock);
	stats_fs_source_revoke(lock_test_source);
	if (mode != 1)
		mutex_unlock(&stats_fs_lock_test_provider_lock);
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
MODULE_IMPORT_NS("STATS_FS");
