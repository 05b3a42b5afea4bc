// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs VFS glue: the file system type, its superblock and mount options,
 * and the inode, dentry and file operations.
 *
 * 7.3 has no Rust abstraction for file systems, so this part stays in C, the
 * way Rust Binder keeps binderfs in C. It holds no statistics state: every
 * lookup, readdir, read and write asks the Rust core (stats_fs_rust_*()), which
 * consults the live tree under its lock. Nothing here runs when sources come
 * and go: VFS objects exist only for what someone looked up, and a dentry that
 * no longer matches the tree fails d_revalidate() and is looked up again.
 */

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "stats_fs_internal.h"

#define STATS_FS_DEFAULT_MODE	0700

struct stats_fs_mount_opts {
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	unsigned int set;	/* BIT(STATS_FS_OPT_*) given on this mount or remount */
};

enum stats_fs_opt { STATS_FS_OPT_UID, STATS_FS_OPT_GID, STATS_FS_OPT_MODE };

static const struct fs_parameter_spec stats_fs_param_specs[] = {
	fsparam_uid("uid", STATS_FS_OPT_UID),
	fsparam_gid("gid", STATS_FS_OPT_GID),
	fsparam_u32oct("mode", STATS_FS_OPT_MODE),
	{}
};

static const struct inode_operations stats_fs_dir_inode_operations;
static const struct inode_operations stats_fs_file_inode_operations;
static const struct file_operations stats_fs_dir_operations;
static const struct file_operations stats_fs_value_operations;
static const struct file_operations stats_fs_walk_operations;
static const struct file_operations stats_fs_stats_operations;

enum { STATS_FS_META_VALUES = 1, STATS_FS_META_SCHEMA, STATS_FS_META_STATS };

/* Makes the inode for what the core found in @dir; takes over @info->private. */
static struct inode *stats_fs_make_inode(struct inode *dir,
					 const struct stats_fs_node_info *info)
{
	struct inode *inode = new_inode(dir->i_sb);

	if (!inode) {
		stats_fs_rust_release(info->private);
		return NULL;
	}
	inode->i_ino = info->ino;
	simple_inode_init_ts(inode);
	inode->i_private = info->private;
	if (info->meta) {
		/* A metadata file is readable by whoever may read its directory. */
		inode->i_mode = S_IFREG | (dir->i_mode & 0444);
		inode->i_uid = dir->i_uid;
		inode->i_gid = dir->i_gid;
		inode->i_op = &stats_fs_file_inode_operations;
		inode->i_fop = info->meta == STATS_FS_META_STATS ?
			&stats_fs_stats_operations : &stats_fs_walk_operations;
	} else if (info->is_dir) {
		inode->i_mode = S_IFDIR | info->mode;
		inode->i_op = &stats_fs_dir_inode_operations;
		inode->i_fop = &stats_fs_dir_operations;
		set_nlink(inode, 2);
	} else {
		inode->i_mode = S_IFREG | info->mode;
		inode->i_op = &stats_fs_file_inode_operations;
		inode->i_fop = &stats_fs_value_operations;
	}
	return inode;
}

/*
 * What a dentry keeps to be revalidated without sleeping: the revision of its
 * directory's entries (d_time), and that of sources leaving the tree (d_fsdata).
 */
static void stats_fs_dentry_keep(struct dentry *dentry, u64 rev, u64 unlinks)
{
	WRITE_ONCE(dentry->d_time, rev);
	WRITE_ONCE(dentry->d_fsdata, (void *)(uintptr_t)unlinks);
}

static struct dentry *stats_fs_lookup(struct inode *dir, struct dentry *dentry,
				      unsigned int flags)
{
	struct stats_fs_node_info info;
	struct inode *inode;
	int err;

	if (dentry->d_name.len > NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	err = stats_fs_rust_lookup(dir->i_private, dentry->d_name.name,
				   dentry->d_name.len, &info);
	if (err == -ENOENT) {
		/* Valid while the directory's entries keep this revision. */
		stats_fs_dentry_keep(dentry, info.rev, 0);
		return d_splice_alias(NULL, dentry);
	}
	if (err)
		return ERR_PTR(err);
	inode = stats_fs_make_inode(dir, &info);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	stats_fs_dentry_keep(dentry, info.rev, info.unlinks);
	return d_splice_alias(inode, dentry);
}

static int stats_fs_d_revalidate(struct inode *dir, const struct qstr *name,
				 struct dentry *dentry, unsigned int flags)
{
	struct inode *inode;
	u64 rev, unlinks;

	/*
	 * Without sleeping when nothing changed since the dentry was last found
	 * valid; otherwise out of RCU walk, to the core and its lock.
	 */
	if (flags & LOOKUP_RCU) {
		inode = d_inode_rcu(dentry);
		if (stats_fs_rust_revalidate_rcu(dir->i_private, !inode,
						 READ_ONCE(dentry->d_time),
						 (uintptr_t)READ_ONCE(dentry->d_fsdata)))
			return 1;
		return -ECHILD;
	}
	inode = d_inode(dentry);
	/* A negative dentry holds while its directory's entries are unchanged. */
	if (!inode)
		return stats_fs_rust_revalidate_negative(dir->i_private,
							 dentry->d_time);
	if (!stats_fs_rust_revalidate(dir->i_private, name->name, name->len,
				      inode->i_private, &rev, &unlinks))
		return 0;
	stats_fs_dentry_keep(dentry, rev, unlinks);
	return 1;
}

/*
 * Unused dentries stay on the LRU like any other, where memory pressure
 * reclaims them; d_revalidate() keeps cached ones honest.
 */
static const struct dentry_operations stats_fs_dentry_operations = {
	.d_revalidate	= stats_fs_d_revalidate,
};

/*
 * Modes and owners come from the mount options, the same for every file of a
 * kind, and times mean nothing here: a chmod, chown or utimes of one inode
 * would not even outlive its eviction, so it is refused. The truncation of an
 * open(O_TRUNC), which a shell's "echo 0 > file" asks for before it writes,
 * is accepted and does nothing.
 */
static int stats_fs_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
			    struct iattr *attr)
{
	if ((attr->ia_valid & (ATTR_SIZE | ATTR_OPEN)) == (ATTR_SIZE | ATTR_OPEN))
		return 0;
	return -EPERM;
}

static const struct inode_operations stats_fs_dir_inode_operations = {
	.lookup		= stats_fs_lookup,
	.setattr	= stats_fs_setattr,
};

static const struct inode_operations stats_fs_file_inode_operations = {
	.setattr	= stats_fs_setattr,
};

/**
 * stats_fs_vfs_emit() - Report one directory entry to readdir.
 * @ctx: The readdir context passed to stats_fs_rust_readdir().
 * @name: Entry name.
 * @len: Length of @name.
 * @ino: Its inode number, the one a lookup gives its inode.
 * @is_dir: Whether the entry is a directory.
 *
 * Context: Called by the core without its lock held.
 * Return: False when the caller's buffer is full.
 */
bool stats_fs_vfs_emit(struct dir_context *ctx, const char *name, size_t len,
		       u64 ino, bool is_dir)
{
	if (!dir_emit(ctx, name, len, ino, is_dir ? DT_DIR : DT_REG))
		return false;
	/* Positions are inode numbers: the next call resumes after this entry. */
	ctx->pos = ino + 1;
	return true;
}

static int stats_fs_readdir(struct file *file, struct dir_context *ctx)
{
	if (!dir_emit_dots(file, ctx))
		return 0;
	/* After the dots (positions 0 and 1) come the entries, from inode 2 on. */
	return stats_fs_rust_readdir(file_inode(file)->i_private, ctx, ctx->pos);
}

static const struct file_operations stats_fs_dir_operations = {
	.owner		= THIS_MODULE,
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= stats_fs_readdir,
	.fsync		= noop_fsync,
};

/* A value file is a seq_file: every read from offset 0 shows a fresh value. */
static int stats_fs_value_show(struct seq_file *m, void *v)
{
	return stats_fs_rust_show_value(m, m->private);
}

static int stats_fs_value_open(struct inode *inode, struct file *file)
{
	int err = single_open(file, stats_fs_value_show, inode->i_private);

	/*
	 * seq_open() turns pwrite() off; writes are ours, not the seq_file's,
	 * and answer any offset but 0 with -EINVAL.
	 */
	if (!err)
		file->f_mode |= FMODE_PWRITE;
	return err;
}

static ssize_t stats_fs_value_write(struct file *file, const char __user *buf,
				    size_t count, loff_t *ppos)
{
	char text[2];
	int err;

	/* Only "0" or "0\n", written whole at the start of the file, clears. */
	if (*ppos != 0 || count == 0 || count > 2)
		return -EINVAL;
	if (copy_from_user(text, buf, count))
		return -EFAULT;
	if (text[0] != '0' || (count == 2 && text[1] != '\n'))
		return -EINVAL;
	err = stats_fs_rust_clear_value(file_inode(file)->i_private);
	if (err)
		return err;
	*ppos += count;
	return count;
}

static const struct file_operations stats_fs_value_operations = {
	.owner		= THIS_MODULE,
	.open		= stats_fs_value_open,
	.read_iter	= seq_read_iter,
	.write		= stats_fs_value_write,
	.release	= single_release,
	.llseek		= seq_lseek,
};

/*
 * .values and .schema: a seq_file whose records are the sources of the subtree,
 * walked by the core; a read from offset 0 starts a new walk.
 */
static void *stats_fs_walk_start(struct seq_file *m, loff_t *pos)
{
	return stats_fs_rust_walk_seek(m->private, *pos) ? m->private : NULL;
}

static void *stats_fs_walk_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return stats_fs_rust_walk_seek(m->private, *pos) ? m->private : NULL;
}

static void stats_fs_walk_stop(struct seq_file *m, void *v)
{
}

static int stats_fs_walk_show(struct seq_file *m, void *v)
{
	return stats_fs_rust_walk_show(m, v);
}

static const struct seq_operations stats_fs_walk_seq_operations = {
	.start	= stats_fs_walk_start,
	.next	= stats_fs_walk_next,
	.stop	= stats_fs_walk_stop,
	.show	= stats_fs_walk_show,
};

static int stats_fs_walk_open(struct inode *inode, struct file *file)
{
	void *walk = stats_fs_rust_walk_new(inode->i_private);
	int err;

	if (!walk)
		return -ENOMEM;
	err = seq_open(file, &stats_fs_walk_seq_operations);
	if (err) {
		stats_fs_rust_walk_free(walk);
		return err;
	}
	((struct seq_file *)file->private_data)->private = walk;
	return 0;
}

static int stats_fs_walk_release(struct inode *inode, struct file *file)
{
	stats_fs_rust_walk_free(((struct seq_file *)file->private_data)->private);
	return seq_release(inode, file);
}

static const struct file_operations stats_fs_walk_operations = {
	.owner		= THIS_MODULE,
	.open		= stats_fs_walk_open,
	.read_iter	= seq_read_iter,
	.llseek		= seq_lseek,
	.release	= stats_fs_walk_release,
};

/* .stats: KVM's binary layout, read at any offset through a bounce page. */
static int stats_fs_stats_open(struct inode *inode, struct file *file)
{
	int err = -ENOMEM;

	file->private_data = stats_fs_rust_stats_new(inode->i_private, &err);
	return file->private_data ? 0 : err;
}

static ssize_t stats_fs_stats_read(struct file *file, char __user *buf,
				   size_t count, loff_t *ppos)
{
	char *page = (char *)__get_free_page(GFP_KERNEL);
	ssize_t done = 0, n;

	if (!page)
		return -ENOMEM;
	while (done < count) {
		n = stats_fs_rust_stats_read(file->private_data, page,
					     min_t(size_t, count - done, PAGE_SIZE),
					     *ppos);
		if (n <= 0) {
			if (n < 0 && !done)
				done = n;
			break;
		}
		if (copy_to_user(buf + done, page, n)) {
			if (!done)
				done = -EFAULT;
			break;
		}
		done += n;
		*ppos += n;
	}
	free_page((unsigned long)page);
	return done;
}

static int stats_fs_stats_release(struct inode *inode, struct file *file)
{
	stats_fs_rust_stats_free(file->private_data);
	return 0;
}

static const struct file_operations stats_fs_stats_operations = {
	.owner		= THIS_MODULE,
	.open		= stats_fs_stats_open,
	.read		= stats_fs_stats_read,
	.llseek		= default_llseek,
	.release	= stats_fs_stats_release,
};

/*
 * An inode's node is released after an RCU grace period, with the inode:
 * d_revalidate() reads a directory's node in RCU walk, without a reference.
 */
static void stats_fs_free_inode(struct inode *inode)
{
	if (inode->i_private)
		stats_fs_rust_release(inode->i_private);
	free_inode_nonrcu(inode);
}

static void stats_fs_apply_options(struct super_block *sb, bool remount)
{
	struct stats_fs_mount_opts *opts = sb->s_fs_info;
	struct inode *root = d_inode(sb->s_root);

	if (!remount || opts->set & BIT(STATS_FS_OPT_MODE))
		root->i_mode = S_IFDIR | opts->mode;
	if (!remount || opts->set & BIT(STATS_FS_OPT_UID))
		root->i_uid = opts->uid;
	if (!remount || opts->set & BIT(STATS_FS_OPT_GID))
		root->i_gid = opts->gid;
}

static int stats_fs_show_options(struct seq_file *m, struct dentry *root)
{
	struct inode *inode = d_inode(root);

	if (!uid_eq(inode->i_uid, GLOBAL_ROOT_UID))
		seq_printf(m, ",uid=%u", from_kuid_munged(&init_user_ns, inode->i_uid));
	if (!gid_eq(inode->i_gid, GLOBAL_ROOT_GID))
		seq_printf(m, ",gid=%u", from_kgid_munged(&init_user_ns, inode->i_gid));
	if ((inode->i_mode & S_IALLUGO) != STATS_FS_DEFAULT_MODE)
		seq_printf(m, ",mode=%o", inode->i_mode & S_IALLUGO);
	return 0;
}

static const struct super_operations stats_fs_super_operations = {
	.statfs		= simple_statfs,
	.drop_inode	= inode_just_drop,
	.free_inode	= stats_fs_free_inode,
	.show_options	= stats_fs_show_options,
};

static int stats_fs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	static const struct tree_descr no_files[] = { { "" } };
	int err;

	err = simple_fill_super(sb, STATS_FS_MAGIC, no_files);
	if (err)
		return err;
	sb->s_op = &stats_fs_super_operations;
	set_default_d_op(sb, &stats_fs_dentry_operations);
	/* The root directory stands for the registered sources (i_private NULL). */
	d_inode(sb->s_root)->i_op = &stats_fs_dir_inode_operations;
	d_inode(sb->s_root)->i_fop = &stats_fs_dir_operations;
	/* sget_fc() moved the options of the first mount to sb->s_fs_info. */
	stats_fs_apply_options(sb, false);
	return 0;
}

static int stats_fs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct stats_fs_mount_opts *opts = fc->s_fs_info;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, stats_fs_param_specs, param, &result);
	if (opt < 0)
		return opt;	/* fs_parse() logged "statsfs: Unknown parameter ..." */

	switch (opt) {
	case STATS_FS_OPT_UID:
		opts->uid = result.uid;
		break;
	case STATS_FS_OPT_GID:
		opts->gid = result.gid;
		break;
	case STATS_FS_OPT_MODE:
		if (result.uint_32 & ~S_IALLUGO)
			return invalfc(fc, "mode %o has more than permission bits",
				       result.uint_32);
		opts->mode = result.uint_32;
		break;
	}
	opts->set |= BIT(opt);
	return 0;
}

static int stats_fs_reconfigure(struct fs_context *fc)
{
	struct super_block *sb = fc->root->d_sb;
	struct stats_fs_mount_opts *sb_opts = sb->s_fs_info;
	struct stats_fs_mount_opts *new_opts = fc->s_fs_info;

	sync_filesystem(sb);
	*sb_opts = *new_opts;
	stats_fs_apply_options(sb, true);
	return 0;
}

static int stats_fs_get_tree(struct fs_context *fc)
{
	int err;

	/* One tree shared by every mount, like debugfs. */
	err = get_tree_single(fc, stats_fs_fill_super);
	if (err)
		return err;
	/* A later mount of the existing tree applies its options too. */
	if (fc->s_fs_info)
		return stats_fs_reconfigure(fc);
	return 0;
}

static void stats_fs_free_fc(struct fs_context *fc)
{
	kfree(fc->s_fs_info);
}

static const struct fs_context_operations stats_fs_context_ops = {
	.free		= stats_fs_free_fc,
	.parse_param	= stats_fs_parse_param,
	.get_tree	= stats_fs_get_tree,
	.reconfigure	= stats_fs_reconfigure,
};

static int stats_fs_init_fs_context(struct fs_context *fc)
{
	struct stats_fs_mount_opts *opts = kzalloc_obj(*opts);

	if (!opts)
		return -ENOMEM;
	opts->uid = GLOBAL_ROOT_UID;
	opts->gid = GLOBAL_ROOT_GID;
	opts->mode = STATS_FS_DEFAULT_MODE;
	fc->s_fs_info = opts;
	fc->ops = &stats_fs_context_ops;
	return 0;
}

static void stats_fs_kill_sb(struct super_block *sb)
{
	struct stats_fs_mount_opts *opts = sb->s_fs_info;

	kill_anon_super(sb);
	kfree(opts);
}

static struct file_system_type stats_fs_type = {
	/* A mounted superblock pins the module: no unload while mounted. */
	.owner			= THIS_MODULE,
	.name			= "statsfs",
	.init_fs_context	= stats_fs_init_fs_context,
	.parameters		= stats_fs_param_specs,
	.kill_sb		= stats_fs_kill_sb,
};
MODULE_ALIAS_FS("statsfs");

/* The layout of struct stats_fs_node_info, checked against src/vfs.rs by KUnit. */
const size_t stats_fs_vfs_layout[STATS_FS_VFS_LAYOUT_LEN] = {
	sizeof(struct stats_fs_node_info),
	offsetof(struct stats_fs_node_info, is_dir),
	offsetof(struct stats_fs_node_info, meta),
	offsetof(struct stats_fs_node_info, mode),
	offsetof(struct stats_fs_node_info, ino),
	offsetof(struct stats_fs_node_info, rev),
	offsetof(struct stats_fs_node_info, unlinks),
	offsetof(struct stats_fs_node_info, private),
};

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
 * Context: Module exit; may sleep. Nothing is mounted and no file is open:
 * both hold a reference on this module.
 */
void stats_fs_vfs_exit(void)
{
	unregister_filesystem(&stats_fs_type);
	sysfs_remove_mount_point(kernel_kobj, "stats");
	/* The last inodes' free_inode() calls into this module: wait for them. */
	rcu_barrier();
}
