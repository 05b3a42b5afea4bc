/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test modules' own view of the statsfs file system: a kernel-internal
 * mount, so that KUnit cases (which run in kernel threads, outside any user
 * mount namespace) walk, list and read the same tree users see.
 */
#ifndef STATS_FS_TEST_VFS_H
#define STATS_FS_TEST_VFS_H

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>

/* Mounts statsfs internally; undo with kern_unmount(). */
static inline struct vfsmount *stats_fs_test_mount(void)
{
	struct file_system_type *type = get_fs_type("statsfs");
	struct vfsmount *mnt;

	if (!type)
		return ERR_PTR(-ENODEV);
	mnt = kern_mount(type);
	/* The superblock holds its own reference; put_filesystem() is not exported. */
	module_put(type->owner);
	return mnt;
}

/* Opens @rel ("." for the top) under @mnt. */
static inline struct file *stats_fs_test_open(struct vfsmount *mnt, const char *rel, int flags)
{
	return file_open_root_mnt(mnt, rel, flags, 0);
}

/* Whether @rel exists under @mnt. */
static inline bool stats_fs_test_exists(struct vfsmount *mnt, const char *rel)
{
	struct path path;

	if (vfs_path_lookup(mnt->mnt_root, mnt, rel, 0, &path))
		return false;
	path_put(&path);
	return true;
}

/* Reads up to @size - 1 bytes of @rel into @buf, NUL-terminated; returns the length or -errno. */
static inline ssize_t stats_fs_test_read(struct vfsmount *mnt, const char *rel, char *buf,
					 size_t size)
{
	struct file *f = stats_fs_test_open(mnt, rel, O_RDONLY);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, size - 1, &pos);
	fput(f);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

#endif /* STATS_FS_TEST_VFS_H */
