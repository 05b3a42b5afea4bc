/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The private contract between the statsfs Rust crate and its C glue.
 *
 * Not a public header and not an input to bindgen: the Rust side declares
 * these by hand (src/vfs.rs, src/c_api.rs, src/value.rs), and the two must be
 * kept in step; the KUnit layout tests check the structs.
 */
#ifndef _STATS_FS_INTERNAL_H
#define _STATS_FS_INTERNAL_H

#include <linux/types.h>

struct stats_fs_source;

/* The file system's magic number, in statfs(2)'s f_type: "stfs". */
#define STATS_FS_MAGIC		0x73746673

/* Implemented in C (stats_fs_vfs.c), called from Rust. */
int stats_fs_vfs_init(void);
void stats_fs_vfs_exit(void);

struct dir_context;
struct seq_file;

/*
 * What a lookup found. @private becomes the new inode's i_private: the node
 * the inode stands for, owned by the inode and given back to
 * stats_fs_rust_release() when it is evicted; @ino its inode number. The
 * root's i_private is NULL. @rev is the revision of the directory's entries
 * and @unlinks that of sources leaving the tree, for the dentry to keep
 * (d_time, d_fsdata): while both are unchanged, it is valid. When nothing is
 * found (-ENOENT), @rev is for the negative dentry, 0 if it must not be kept.
 */
struct stats_fs_node_info {
	bool is_dir;
	u8 meta;	/* 0, or 1 .values, 2 .schema, 3 .stats: mode from the dir */
	umode_t mode;
	u64 ino;
	u64 rev;
	u64 unlinks;
	void *private;
};

/* Implemented in Rust (src/vfs.rs), called by the VFS glue. */
int stats_fs_rust_lookup(const void *dir, const char *name, size_t len,
			 struct stats_fs_node_info *info);
int stats_fs_rust_revalidate(const void *dir, const char *name, size_t len,
			     const void *node, u64 *rev, u64 *unlinks);
bool stats_fs_rust_revalidate_rcu(const void *dir, bool negative, u64 rev,
				  u64 unlinks);
int stats_fs_rust_revalidate_negative(const void *dir, u64 rev);
void stats_fs_rust_release(void *node);
int stats_fs_rust_readdir(const void *dir, struct dir_context *ctx, u64 from);
int stats_fs_rust_show_value(struct seq_file *m, const void *node);
int stats_fs_rust_clear_value(const void *node);
void *stats_fs_rust_walk_new(const void *node);
bool stats_fs_rust_walk_seek(void *walk, loff_t pos);
int stats_fs_rust_walk_show(struct seq_file *m, void *walk);
void stats_fs_rust_walk_free(void *walk);
void *stats_fs_rust_stats_new(const void *node, int *err);
ssize_t stats_fs_rust_stats_read(void *stats, char *buf, size_t size, loff_t pos);
void stats_fs_rust_stats_free(void *stats);

/* Implemented in C (stats_fs_vfs.c), called from Rust (src/vfs.rs). */
bool stats_fs_vfs_emit(struct dir_context *ctx, const char *name, size_t len,
		       u64 ino, bool is_dir);

/* Implemented in Rust (src/c_api.rs), called by stats_fs_source_create(). */
struct stats_fs_source *stats_fs_source_create_named(u32 flags, const char *name);

/*
 * Modules that unload with value groups still added (stats_fs_owners.c, C;
 * src/owners.rs, Rust): the notifier's registration, called at module init and
 * exit; whether @addr lies in @mod's memory; and the revocation of what @mod
 * left, which returns how many groups it revoked.
 */
int stats_fs_owners_init(void);
void stats_fs_owners_exit(void);
bool stats_fs_within_module(unsigned long addr, const void *mod);
unsigned int stats_fs_rust_module_going(const void *mod);

/* In C (stats_fs_exports.c), read by a Rust KUnit test. */
#define STATS_FS_C_LAYOUT_LEN 20
extern const size_t stats_fs_c_layout[STATS_FS_C_LAYOUT_LEN];

/* In C (stats_fs_vfs.c): the layout of struct stats_fs_node_info, for a Rust KUnit test. */
#define STATS_FS_VFS_LAYOUT_LEN 8
extern const size_t stats_fs_vfs_layout[STATS_FS_VFS_LAYOUT_LEN];

#endif /* _STATS_FS_INTERNAL_H */
