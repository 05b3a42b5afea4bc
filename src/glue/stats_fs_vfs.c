// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs VFS glue: the file system type, its superblock and mount options,
 * and the inode, dentry and file operations.
 *
 * 7.3 has no Rust abstraction for file systems, so this part stays in C, the
 * way Rust Binder keeps binderfs in C. It holds no statistics state: every
 * lookup, readdir, read and write asks the Rust core (stats_fs_core_*()),
 * which consults the live tree under the short lock of one directory. Nothing
 * here runs when sources come and go, but for the pruning of a torn-down
 * source's dentry: VFS objects exist only for what someone looked up, and a
 * dentry whose directory changed since it was found is looked at again.
 *
 * One file of about 670 lines: the file system type, the superblock, the
 * dentry and inode operations and the four kinds of file operations share
 * static tables and helpers; what each of them does is in src/fs/.
 */

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/fsnotify.h>
#include <linux/kobject.h>
#include <linux/llist.h>
#include <linux/lockref.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "stats_fs_internal.h"

#define STATS_FS_DEFAULT_MODE	0700

struct stats_fs_mount_opts {
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	unsigned int set;	/* BIT(STATS_FS_OPT_*) given on this mount or remount */
	struct net *net;	/* the network namespace shown; a reference */
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

/*
 * Nodes of freed inodes, handed back to the core in process context: what a
 * node holds may be the last reference to a source, whose release may sleep,
 * and free_inode() runs in an RCU callback.
 */
static LLIST_HEAD(stats_fs_released);

static void stats_fs_release_nodes(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&stats_fs_released);
	struct stats_fs_node *node, *next;

	llist_for_each_entry_safe(node, next, list, release)
		stats_fs_core_node_release(node);
}

static DECLARE_WORK(stats_fs_release_work, stats_fs_release_nodes);

/**
 * stats_fs_glue_flush_released() - Wait until the nodes handed back are dropped.
 *
 * Context: Process context; sleeps. Call rcu_barrier() first for the nodes of
 * inodes freed just before.
 */
void stats_fs_glue_flush_released(void)
{
	flush_work(&stats_fs_release_work);
}

/**
 * stats_fs_glue_in_task() - Whether the caller runs in task context.
 *
 * Context: Any context.
 * Return: in_task().
 */
bool stats_fs_glue_in_task(void)
{
	return in_task();
}

/* Makes the inode for what the core found in @dir; takes over @info->node. */
static struct inode *stats_fs_make_inode(struct inode *dir,
					 const struct stats_fs_node_info *info)
{
	struct inode *inode = new_inode(dir->i_sb);

	if (!inode) {
		stats_fs_core_node_release(info->node);
		return NULL;
	}
	inode->i_ino = info->ino;
	simple_inode_init_ts(inode);
	inode->i_private = info->node;
	switch (info->kind) {
	case STATS_FS_FILE_DIR:
		inode->i_mode = S_IFDIR | info->mode;
		inode->i_op = &stats_fs_dir_inode_operations;
		inode->i_fop = &stats_fs_dir_operations;
		set_nlink(inode, 2);
		break;
	case STATS_FS_FILE_VALUE:
		inode->i_mode = S_IFREG | info->mode;
		inode->i_op = &stats_fs_file_inode_operations;
		inode->i_fop = &stats_fs_value_operations;
		break;
	default:
		/* A metadata file is readable by whoever may read its directory. */
		inode->i_mode = S_IFREG | (dir->i_mode & 0444);
		inode->i_uid = dir->i_uid;
		inode->i_gid = dir->i_gid;
		inode->i_op = &stats_fs_file_inode_operations;
		inode->i_fop = info->kind == STATS_FS_FILE_STATS ?
			&stats_fs_stats_operations : &stats_fs_walk_operations;
		break;
	}
	return inode;
}

/*
 * Whether @dentry, a child of @dir, is as it was when last found valid: its
 * directory's entries have not changed since. Lockless, for RCU path walk.
 */
static bool stats_fs_dentry_current(const struct inode *dir,
				    const struct dentry *dentry)
{
	const struct stats_fs_node *node = dir->i_private;
	unsigned long rev = READ_ONCE(dentry->d_time);

	return rev && rev == (unsigned long)READ_ONCE(*node->rev);
}

static struct dentry *stats_fs_lookup(struct inode *dir, struct dentry *dentry,
				      unsigned int flags)
{
	struct stats_fs_node_info info;
	struct dentry *res;
	struct inode *inode;
	int err;

	if (dentry->d_name.len > NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	err = stats_fs_core_lookup(dir->i_private, dentry->d_name.name,
				   dentry->d_name.len, &info);
	/* Valid while the directory's entries keep this revision. */
	WRITE_ONCE(dentry->d_time, info.rev);
	if (err == -ENOENT)
		return d_splice_alias(NULL, dentry);
	if (err)
		return ERR_PTR(err);
	inode = stats_fs_make_inode(dir, &info);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	res = d_splice_alias(inode, dentry);
	if (!IS_ERR(res) && info.kind == STATS_FS_FILE_DIR) {
		struct dentry *made = res ?: dentry;

		/* A source's directory: pruned when the source is torn down. */
		if (!made->d_fsdata)
			made->d_fsdata = stats_fs_core_dentry_made(info.node, made);
	}
	return res;
}

static int stats_fs_d_revalidate(struct inode *dir, const struct qstr *name,
				 struct dentry *dentry, unsigned int flags)
{
	struct inode *inode;
	u64 rev;

	if (stats_fs_dentry_current(dir, dentry))
		return 1;
	/* Something changed in the directory: to the core, which may sleep. */
	if (flags & LOOKUP_RCU)
		return -ECHILD;
	inode = d_inode(dentry);
	if (!stats_fs_core_revalidate(dir->i_private, name->name, name->len,
				      inode ? inode->i_private : NULL, &rev))
		return 0;
	WRITE_ONCE(dentry->d_time, rev);
	return 1;
}

/*
 * An unused dentry stays cached, like any other, while its directory is
 * unchanged; one that may be stale goes at its last dput(), rather than pin a
 * removed source or group until memory pressure.
 */
static int stats_fs_d_delete(const struct dentry *dentry)
{
	return !IS_ROOT(dentry) &&
	       !stats_fs_dentry_current(d_inode(dentry->d_parent), dentry);
}

static void stats_fs_d_release(struct dentry *dentry)
{
	if (dentry->d_fsdata)
		stats_fs_core_dentry_gone(dentry->d_fsdata, dentry);
}

static const struct dentry_operations stats_fs_dentry_operations = {
	.d_revalidate	= stats_fs_d_revalidate,
	.d_delete	= stats_fs_d_delete,
	.d_release	= stats_fs_d_release,
};

/**
 * stats_fs_glue_prune() - Drop a torn-down source's directory from the dcache.
 * @slot: Where the source keeps its directory's dentry, if one was made.
 *
 * Takes the dentry out of @slot and invalidates it, with everything cached
 * below it, so that the inodes of a source that is gone do not stay cached
 * until memory pressure. The dentry is freed after an RCU grace period, so
 * it is safe to look at under rcu_read_lock() until a reference is taken.
 *
 * Context: Process context, without statsfs's locks; may sleep.
 */
void stats_fs_glue_prune(struct dentry **slot)
{
	struct dentry *dentry;

	rcu_read_lock();
	dentry = xchg(slot, NULL);
	if (!dentry || !lockref_get_not_dead(&dentry->d_lockref)) {
		rcu_read_unlock();
		return;
	}
	rcu_read_unlock();
	d_invalidate(dentry);
	dput(dentry);
}

/**
 * stats_fs_glue_notify() - Tell a directory's watchers that a directory came or went.
 * @slot: Where the parent directory's source keeps its dentry, if one was made.
 * @name: The name of the directory that came or went, @len bytes.
 * @len: Its length.
 * @created: Whether it came (IN_CREATE) or went (IN_DELETE).
 *
 * statsfs makes a dentry only for what someone looked up, so there is nobody
 * to tell in a directory that has none: a watcher (inotify, fanotify) holds
 * its directory's inode, and so its dentry, from the watch on.
 *
 * Context: Process context, without statsfs's locks; may sleep.
 */
void stats_fs_glue_notify(struct dentry **slot, const char *name, size_t len,
			  bool created)
{
	struct qstr qname = QSTR_INIT(name, len);
	struct dentry *dir;

	rcu_read_lock();
	dir = READ_ONCE(*slot);
	if (!dir || !lockref_get_not_dead(&dir->d_lockref)) {
		rcu_read_unlock();
		return;
	}
	rcu_read_unlock();
	if (d_really_is_positive(dir))
		fsnotify_name((created ? FS_CREATE : FS_DELETE) | FS_ISDIR,
			      d_inode(dir), FSNOTIFY_EVENT_INODE, d_inode(dir),
			      &qname, 0);
	dput(dir);
}

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
 * stats_fs_glue_emit() - Report one directory entry to readdir.
 * @ctx: The readdir context passed to stats_fs_core_readdir().
 * @name: Entry name.
 * @len: Length of @name.
 * @ino: Its inode number, the one a lookup gives its inode.
 * @is_dir: Whether the entry is a directory.
 *
 * Context: Called by the core with none of its locks held.
 * Return: False when the caller's buffer is full.
 */
bool stats_fs_glue_emit(struct dir_context *ctx, const char *name, size_t len,
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
	return stats_fs_core_readdir(file_inode(file)->i_private, ctx, ctx->pos);
}

static const struct file_operations stats_fs_dir_operations = {
	.owner		= THIS_MODULE,
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= stats_fs_readdir,
	.fsync		= noop_fsync,
};

/*
 * A value file keeps no state: open allocates nothing, and every read makes
 * the text afresh from the live value, so a read from offset 0 shows a fresh
 * value.
 */
static ssize_t stats_fs_value_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return stats_fs_core_value_read(file_inode(iocb->ki_filp)->i_private,
					to, &iocb->ki_pos);
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
	err = stats_fs_core_value_clear(file_inode(file)->i_private);
	if (err)
		return err;
	*ppos += count;
	return count;
}

static const struct file_operations stats_fs_value_operations = {
	.owner		= THIS_MODULE,
	.read_iter	= stats_fs_value_read_iter,
	.write		= stats_fs_value_write,
	.llseek		= default_llseek,
	.splice_read	= copy_splice_read,
};

/*
 * .values and .schema: a seq_file whose records are the sources of the
 * subtree, walked by the core. Each record's lines are made as the seq_file
 * moves to it, where running out of memory is an error pointer; ->show only
 * copies them. A read from offset 0 starts a new walk.
 */
static void *stats_fs_walk_start(struct seq_file *m, loff_t *pos)
{
	return stats_fs_core_walk_seek(m->private, *pos);
}

static void *stats_fs_walk_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return stats_fs_core_walk_seek(m->private, *pos);
}

static void stats_fs_walk_stop(struct seq_file *m, void *v)
{
}

static int stats_fs_walk_show(struct seq_file *m, void *v)
{
	size_t len;
	const char *text = stats_fs_core_walk_text(v, &len);

	seq_write(m, text, len);
	return 0;
}

static const struct seq_operations stats_fs_walk_seq_operations = {
	.start	= stats_fs_walk_start,
	.next	= stats_fs_walk_next,
	.stop	= stats_fs_walk_stop,
	.show	= stats_fs_walk_show,
};

static int stats_fs_walk_open(struct inode *inode, struct file *file)
{
	void *walk = stats_fs_core_walk_open(inode->i_private);
	int err;

	if (!walk)
		return -ENOMEM;
	err = seq_open(file, &stats_fs_walk_seq_operations);
	if (err) {
		stats_fs_core_walk_release(walk);
		return err;
	}
	((struct seq_file *)file->private_data)->private = walk;
	return 0;
}

static int stats_fs_walk_release(struct inode *inode, struct file *file)
{
	stats_fs_core_walk_release(((struct seq_file *)file->private_data)->private);
	return seq_release(inode, file);
}

static const struct file_operations stats_fs_walk_operations = {
	.owner		= THIS_MODULE,
	.open		= stats_fs_walk_open,
	.read_iter	= seq_read_iter,
	.llseek		= seq_lseek,
	.release	= stats_fs_walk_release,
	.splice_read	= copy_splice_read,
};

/* .stats: KVM's binary layout, read at any offset. */
static int stats_fs_stats_open(struct inode *inode, struct file *file)
{
	int err = -ENOMEM;

	file->private_data = stats_fs_core_stats_open(inode->i_private, &err);
	return file->private_data ? 0 : err;
}

static ssize_t stats_fs_stats_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return stats_fs_core_stats_read(iocb->ki_filp->private_data, to,
					&iocb->ki_pos);
}

static int stats_fs_stats_release(struct inode *inode, struct file *file)
{
	stats_fs_core_stats_release(file->private_data);
	return 0;
}

static const struct file_operations stats_fs_stats_operations = {
	.owner		= THIS_MODULE,
	.open		= stats_fs_stats_open,
	.read_iter	= stats_fs_stats_read_iter,
	.llseek		= default_llseek,
	.release	= stats_fs_stats_release,
	.splice_read	= copy_splice_read,
};

/*
 * An inode's node is handed back after an RCU grace period, with the inode:
 * d_revalidate() reads a directory's node in RCU walk, without a reference.
 */
static void stats_fs_free_inode(struct inode *inode)
{
	struct stats_fs_node *node = inode->i_private;

	if (node && llist_add(&node->release, &stats_fs_released))
		schedule_work(&stats_fs_release_work);
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

/*
 * The key of the view a superblock shows: its network namespace. A kernel
 * without networking has no namespace (fc->net_ns is NULL), and one view.
 */
static const void *stats_fs_view(const struct stats_fs_mount_opts *opts)
{
	static const char no_net;

	return opts->net ? (const void *)opts->net : &no_net;
}

static int stats_fs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	static const struct tree_descr no_files[] = { { "" } };
	/* sget_fc() moved the options of the first mount to sb->s_fs_info. */
	struct stats_fs_mount_opts *opts = sb->s_fs_info;
	struct inode *root;
	int err;

	err = simple_fill_super(sb, STATS_FS_MAGIC, no_files);
	if (err)
		return err;
	sb->s_op = &stats_fs_super_operations;
	set_default_d_op(sb, &stats_fs_dentry_operations);
	/* The root directory stands for the sources its namespace shows. */
	root = d_inode(sb->s_root);
	root->i_private = stats_fs_core_root_node(stats_fs_view(opts));
	if (!root->i_private)
		return -ENOMEM;
	root->i_op = &stats_fs_dir_inode_operations;
	root->i_fop = &stats_fs_dir_operations;
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
	/* The options; the superblock keeps its namespace. */
	sb_opts->uid = new_opts->uid;
	sb_opts->gid = new_opts->gid;
	sb_opts->mode = new_opts->mode;
	sb_opts->set = new_opts->set;
	stats_fs_apply_options(sb, true);
	return 0;
}

static int stats_fs_test_super(struct super_block *sb, struct fs_context *fc)
{
	const struct stats_fs_mount_opts *opts = sb->s_fs_info;

	return opts->net == fc->net_ns;
}

/*
 * One superblock per network namespace: a mount shows the sources registered
 * for every namespace and those registered for the mounting task's network
 * namespace (stats_fs_source_register_net()), as sysfs shows that
 * namespace's network devices. The superblock holds a reference on it.
 */
static int stats_fs_get_tree(struct fs_context *fc)
{
	struct stats_fs_mount_opts *opts = fc->s_fs_info;
	struct super_block *sb;
	int err;

	opts->net = get_net(fc->net_ns);
	/* A new superblock takes the options, and the reference, from fc. */
	sb = sget_fc(fc, stats_fs_test_super, set_anon_super_fc);
	if (IS_ERR(sb))
		return PTR_ERR(sb);
	if (!sb->s_root) {
		err = stats_fs_fill_super(sb, fc);
		if (err) {
			deactivate_locked_super(sb);
			return err;
		}
		sb->s_flags |= SB_ACTIVE;
	}
	fc->root = dget(sb->s_root);
	/* A later mount of an existing tree applies its options too. */
	if (fc->s_fs_info)
		return stats_fs_reconfigure(fc);
	return 0;
}

static void stats_fs_free_opts(struct stats_fs_mount_opts *opts)
{
	if (opts && opts->net)
		put_net(opts->net);
	kfree(opts);
}

static void stats_fs_free_fc(struct fs_context *fc)
{
	stats_fs_free_opts(fc->s_fs_info);
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
	stats_fs_free_opts(opts);
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

/* The layout of the glue's types, checked against src/fs/ by KUnit. */
const size_t stats_fs_vfs_layout[STATS_FS_VFS_LAYOUT_LEN] = {
	sizeof(struct stats_fs_node),
	offsetof(struct stats_fs_node, rev),
	offsetof(struct stats_fs_node, release),
	sizeof(struct stats_fs_node_info),
	offsetof(struct stats_fs_node_info, kind),
	offsetof(struct stats_fs_node_info, mode),
	offsetof(struct stats_fs_node_info, ino),
	offsetof(struct stats_fs_node_info, rev),
	offsetof(struct stats_fs_node_info, node),
	STATS_FS_FILE_DIR,
	STATS_FS_FILE_VALUE,
	STATS_FS_FILE_WALK,
	STATS_FS_FILE_STATS,
};

/**
 * stats_fs_glue_vfs_init() - Create /sys/kernel/stats and register the file system.
 *
 * Context: Init; may sleep.
 * Return: 0, or a negative errno with nothing left registered.
 */
int stats_fs_glue_vfs_init(void)
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
 * stats_fs_glue_vfs_exit() - Undo stats_fs_glue_vfs_init().
 *
 * Context: Module exit; may sleep. Nothing is mounted and no file is open:
 * both hold a reference on this module.
 */
void stats_fs_glue_vfs_exit(void)
{
	unregister_filesystem(&stats_fs_type);
	sysfs_remove_mount_point(kernel_kobj, "stats");
	/* The last inodes' free_inode() hand their nodes to this module: wait. */
	rcu_barrier();
	stats_fs_glue_flush_released();
}
