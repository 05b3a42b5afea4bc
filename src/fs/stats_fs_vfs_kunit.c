// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the statsfs VFS glue, run when the module loads.
 */

#include <kunit/test.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>

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

static struct kunit_case stats_fs_vfs_cases[] = {
	KUNIT_CASE(stats_fs_vfs_type_registered),
	KUNIT_CASE(stats_fs_vfs_kern_mount_empty_root),
	{}
};

static struct kunit_suite stats_fs_vfs_suite = {
	.name = "statsfs_vfs_c",
	.test_cases = stats_fs_vfs_cases,
};

kunit_test_suite(stats_fs_vfs_suite);
