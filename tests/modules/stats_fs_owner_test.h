/* SPDX-License-Identifier: GPL-2.0 */
/* The owners test's pair: what module A (stats_fs_owner_test.c) lends module B. */
#ifndef STATS_FS_OWNER_TEST_H
#define STATS_FS_OWNER_TEST_H

struct stats_fs_source;

/* Module A's source "owner"; valid while module A is loaded. */
struct stats_fs_source *stats_fs_owner_test_source(void);

#endif /* STATS_FS_OWNER_TEST_H */
