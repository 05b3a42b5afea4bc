/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The private contract between the statsfs Rust crate and its C glue.
 *
 * Not a public header and not an input to bindgen: the Rust side declares these
 * functions by hand in src/vfs.rs, and the two lists must be kept in step.
 */
#ifndef _STATS_FS_INTERNAL_H
#define _STATS_FS_INTERNAL_H

/* Implemented in C (stats_fs_vfs.c), called from Rust. */
int stats_fs_vfs_init(void);
void stats_fs_vfs_exit(void);

#endif /* _STATS_FS_INTERNAL_H */
