/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The private contract between the statsfs Rust crate and its C glue.
 *
 * Not a public header and not an input to bindgen: the Rust side declares
 * these by hand (src/vfs.rs, src/ffi.rs, src/value.rs), and the two must be
 * kept in step.
 */
#ifndef _STATS_FS_INTERNAL_H
#define _STATS_FS_INTERNAL_H

#include <linux/types.h>

struct stats_fs_source;

/* Implemented in C (stats_fs_vfs.c), called from Rust. */
int stats_fs_vfs_init(void);
void stats_fs_vfs_exit(void);

/* Implemented in Rust (src/ffi.rs), called by stats_fs_source_create(). */
struct stats_fs_source *stats_fs_source_create_named(u32 flags, const char *name);

/* In C (stats_fs_exports.c), read by a Rust KUnit test. */
#define STATS_FS_C_LAYOUT_LEN 12
extern const size_t stats_fs_c_layout[STATS_FS_C_LAYOUT_LEN];

#endif /* _STATS_FS_INTERNAL_H */
