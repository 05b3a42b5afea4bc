// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs VFS glue: the file system type, its superblock and the mount point.
 *
 * 7.3 has no Rust abstraction for file systems, so this part stays in C, the
 * way Rust Binder keeps binderfs in C. The statistics model lives in Rust.
 */

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include "stats_fs_internal.h"

#define STATS_FS_MAGIC	0x73746673	/* "stfs" */

static int stats_fs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	static const struct tree_descr no_files[] = { { "" } };

	return simple_fill_super(sb, STATS_FS_MAGIC, no_files);
}

static int stats_fs_get_tree(struct fs_context *fc)
{
	/* One tree shared by every mount, like debugfs. */
	return get_tree_single(fc, stats_fs_fill_super);
}

static const struct fs_context_operations stats_fs_context_ops = {
	.get_tree	= stats_fs_get_tree,
};

static int stats_fs_init_fs_context(struct fs_context *fc)
{
	fc->ops = &stats_fs_context_ops;
	return 0;
}

static struct file_system_type stats_fs_type = {
	/* A mounted superblock pins the module: no unload while mounted. */
	.owner			= THIS_MODULE,
	.name			= "statsfs",
	.init_fs_context	= stats_fs_init_fs_context,
	.kill_sb		= kill_anon_super,
};
MODULE_ALIAS_FS("statsfs");

/**
 * stats_fs_vfs_init() - Create /sys/kernel/stats and register the file system.
 *
 * Context: Module init; may sleep.
 * Return: 0, or a negative errno with nothing left registered.
 */
int stats_fs_vfs_init(void)
{
	int err;

	err = sysfs_create_mount_point(kernel_kobj, "stats");
	if (err)
		return err;

	err = register_filesystem(&stats_fs_type);
	if (err)
		sysfs_remove_mount_point(kernel_kobj, "stats");
	return err;
}

/**
 * stats_fs_vfs_exit() - Undo stats_fs_vfs_init().
 *
 * Context: Module exit; may sleep. Nothing is mounted: a mount holds a
 * reference on this module.
 */
void stats_fs_vfs_exit(void)
{
	unregister_filesystem(&stats_fs_type);
	sysfs_remove_mount_point(kernel_kobj, "stats");
}
