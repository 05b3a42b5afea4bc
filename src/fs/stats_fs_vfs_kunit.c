// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the statsfs VFS glue, run when the module loads.
 */

#include <kunit/test.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/rcupdate.h>
#include <linux/stats_fs.h>

#include "stats_fs_internal.h"

/* The file system type is registered by the time the module's tests run. */
static void stats_fs_vfs_type_registered(struct kunit *test)
{
	struct file_system_type *type = get_fs_type("statsfs");

	KUNIT_ASSERT_NOT_NULL(test, type);
	KUNIT_EXPECT_STREQ(test, type->name, "statsfs");
	KUNIT_EXPECT_PTR_EQ(test, type->owner, THIS_MODULE);
	module_put(type->owner);	/* put_filesystem() is not exported. */
}

/* A kernel-internal mount gets a root directory that starts out empty. */
static void stats_fs_vfs_kern_mount_empty_root(struct kunit *test)
{
	struct file_system_type *type = get_fs_type("statsfs");
	struct vfsmount *mnt;
	struct dentry *root;

	KUNIT_ASSERT_NOT_NULL(test, type);
	mnt = vfs_kern_mount(type, SB_KERNMOUNT, "statsfs", NULL);
	module_put(type->owner);	/* put_filesystem() is not exported. */
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "vfs_kern_mount: %ld", PTR_ERR(mnt));

	root = mnt->mnt_root;
	KUNIT_EXPECT_TRUE(test, d_is_dir(root));
	KUNIT_EXPECT_TRUE(test, simple_empty(root));
	KUNIT_EXPECT_EQ(test, root->d_sb->s_magic, (unsigned long)STATS_FS_MAGIC);
	kern_unmount(mnt);
}

/*
 * An inode's node may hold the last reference to a source, whose release may
 * sleep: it is dropped in task context, by a work item after the RCU grace
 * period that follows the inode's eviction, never in the RCU callback that
 * frees the inode (softirq).
 */
static void stats_fs_vfs_nodes_released_in_task_context(struct kunit *test)
{
	struct file_system_type *type = get_fs_type("statsfs");
	struct stats_fs_source *src;
	u64 released, outside, released_after, outside_after;
	struct vfsmount *mnt;
	struct path path;

	KUNIT_ASSERT_NOT_NULL(test, type);
	src = stats_fs_source_create(0, "vfs_kunit_release");
	KUNIT_ASSERT_FALSE(test, IS_ERR(src));
	KUNIT_ASSERT_EQ(test, stats_fs_source_register(src), 0);
	mnt = vfs_kern_mount(type, SB_KERNMOUNT, "statsfs", NULL);
	module_put(type->owner);	/* put_filesystem() is not exported. */
	KUNIT_ASSERT_FALSE(test, IS_ERR(mnt));
	released = stats_fs_core_test_releases(&outside);
	KUNIT_ASSERT_EQ(test, vfs_path_lookup(mnt->mnt_root, mnt, "vfs_kunit_release", 0,
					      &path), 0);
	/* The last reference: the source is torn down and its dentry pruned. */
	stats_fs_source_put(src);
	/* Its inode goes, and its node (holding the source's memory) after that. */
	path_put(&path);
	kern_unmount(mnt);
	rcu_barrier();
	stats_fs_glue_flush_released();
	released_after = stats_fs_core_test_releases(&outside_after);
	KUNIT_EXPECT_GT(test, released_after, released);
	KUNIT_EXPECT_EQ(test, outside_after, outside);
}

static struct kunit_case stats_fs_vfs_cases[] = {
	KUNIT_CASE(stats_fs_vfs_type_registered),
	KUNIT_CASE(stats_fs_vfs_kern_mount_empty_root),
	KUNIT_CASE(stats_fs_vfs_nodes_released_in_task_context),
	{}
};

static struct kunit_suite stats_fs_vfs_suite = {
	.name = "statsfs_vfs_c",
	.test_cases = stats_fs_vfs_cases,
};

kunit_test_suite(stats_fs_vfs_suite);
