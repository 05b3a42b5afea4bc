/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The private contract between the statsfs Rust crate and its C glue.
 *
 * Not a public header and not an input to bindgen: the Rust side declares the
 * stats_fs_glue_*() functions by hand (src/glue/ffi.rs) and defines the
 * stats_fs_core_*() ones; the two must be kept in step, and the KUnit layout
 * tests check the structs and enums.
 *
 * Names say the direction: stats_fs_glue_*() are C, called from Rust;
 * stats_fs_core_*() are Rust, called from C.
 */
#ifndef _STATS_FS_INTERNAL_H
#define _STATS_FS_INTERNAL_H

#include <linux/llist.h>
#include <linux/types.h>

struct dentry;
struct dir_context;
struct iov_iter;
struct module;
struct stats_fs_source;

/* The file system's magic number, in statfs(2)'s f_type: "stfs". */
#define STATS_FS_MAGIC		0x73746673

/*
 * The head of every statsfs inode's i_private, the root's included: a node
 * of the Rust core (src/fs/node.rs), owned by the inode. @rev points to the
 * revision of a directory's entries (NULL for a file), which a dentry keeps
 * in d_time while it is valid; @release links the node on the list of nodes
 * handed back to the core in process context after the inode is freed.
 */
struct stats_fs_node {
	const u64 *rev;
	struct llist_node release;
};

/* What kind of inode a lookup found (enum FileKind in src/fs/node.rs). */
enum stats_fs_file_kind {
	STATS_FS_FILE_NONE,
	STATS_FS_FILE_DIR,	/* a source's or a histogram's directory */
	STATS_FS_FILE_VALUE,	/* a value's file */
	STATS_FS_FILE_WALK,	/* .values or .schema: a seq_file */
	STATS_FS_FILE_STATS,	/* .stats: read at any offset */
};

/*
 * What a lookup found: how to make the inode, its mode (a metadata file takes
 * its directory's), its inode number, and @node, which the new inode owns.
 * @rev is what the dentry keeps in d_time (0: never trust it), for a
 * negative dentry too.
 */
struct stats_fs_node_info {
	u8 kind;
	u16 mode;
	u64 ino;
	u64 rev;
	struct stats_fs_node *node;
};

/* In Rust (src/fs/), called by the VFS glue. */
struct stats_fs_node *stats_fs_core_root_node(const void *view);
void stats_fs_core_node_release(struct stats_fs_node *node);
int stats_fs_core_lookup(const struct stats_fs_node *dir, const char *name,
			 size_t len, struct stats_fs_node_info *info);
bool stats_fs_core_revalidate(const struct stats_fs_node *dir, const char *name,
			      size_t len, const struct stats_fs_node *node,
			      u64 *rev);
void *stats_fs_core_dentry_made(const struct stats_fs_node *node,
				struct dentry *dentry);
void stats_fs_core_dentry_gone(void *source, struct dentry *dentry);
int stats_fs_core_readdir(const struct stats_fs_node *dir,
			  struct dir_context *ctx, u64 from);
ssize_t stats_fs_core_value_read(const struct stats_fs_node *node,
				 struct iov_iter *iter, loff_t *pos);
int stats_fs_core_value_clear(const struct stats_fs_node *node);
void *stats_fs_core_walk_open(const struct stats_fs_node *node);
void *stats_fs_core_walk_seek(void *file, loff_t pos);
const char *stats_fs_core_walk_text(void *file, size_t *len);
void stats_fs_core_walk_release(void *file);
void *stats_fs_core_stats_open(const struct stats_fs_node *node, int *err);
ssize_t stats_fs_core_stats_read(void *file, struct iov_iter *iter,
				 loff_t *pos);
void stats_fs_core_stats_release(void *file);

/* In C (stats_fs_vfs.c), called from Rust. */
int stats_fs_glue_vfs_init(void);
void stats_fs_glue_vfs_exit(void);
bool stats_fs_glue_emit(struct dir_context *ctx, const char *name, size_t len,
			u64 ino, bool is_dir);
void stats_fs_glue_prune(struct dentry **slot);
void stats_fs_glue_notify(struct dentry **slot, const char *name, size_t len,
			  bool created);
bool stats_fs_glue_in_task(void);
void stats_fs_glue_flush_released(void);

/* In Rust, for the KUnit tests: how many nodes were released, and outside task context. */
u64 stats_fs_core_test_releases(u64 *outside_task);

/* In C (stats_fs_active.c), called from Rust: active references. */
void stats_fs_glue_drain(atomic_t *active, int drained);
void stats_fs_glue_wake_drainer(atomic_t *active);
void stats_fs_glue_preempt_disable(void);
void stats_fs_glue_preempt_enable(void);
void stats_fs_glue_callback_enter(void);
void stats_fs_glue_callback_exit(void);

/*
 * Modules that unload with value groups still added: the notifier's
 * registration (C, stats_fs_owners.c), whether @addr lies in @mod's memory
 * (C), the tracking of a module that comes (Rust, src/glue/owners.rs), and the
 * revocation of what @mod left (Rust), which returns how many groups it
 * revoked.
 */
int stats_fs_glue_owners_init(void);
void stats_fs_glue_owners_exit(void);
bool stats_fs_glue_within_module(unsigned long addr, const struct module *mod);
void stats_fs_core_module_coming(const struct module *mod);
unsigned int stats_fs_core_module_going(const struct module *mod);

/* In Rust (src/c_api.rs), called by stats_fs_source_create() once it has the name. */
struct stats_fs_source *stats_fs_core_source_create(u32 flags, const char *name);

/* Built in: starts statsfs (src/glue/stats_fs_builtin.c). */
int stats_fs_core_builtin_init(void);

/* In C (stats_fs_exports.c), read by a Rust KUnit test. */
#define STATS_FS_C_LAYOUT_LEN 21
extern const size_t stats_fs_c_layout[STATS_FS_C_LAYOUT_LEN];

/* In C (stats_fs_vfs.c): the layout of the glue's types, for a Rust KUnit test. */
#define STATS_FS_VFS_LAYOUT_LEN 13
extern const size_t stats_fs_vfs_layout[STATS_FS_VFS_LAYOUT_LEN];

#endif /* _STATS_FS_INTERNAL_H */
