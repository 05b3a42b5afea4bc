// SPDX-License-Identifier: GPL-2.0
/*
 * Module B of the owners test (tests/selftests/statsfs/45-owners.c): it adds
 * a group of its own (descriptors, a custom type and counters, all in this
 * module's memory) to module A's source, and takes it back with
 * stats_fs_source_remove_values() before it unloads; with forget=1 it does
 * not, and statsfs must revoke the group as the module goes.
 */

#include <linux/module.h>
#include <linux/stats_fs.h>

#include "stats_fs_owner_test.h"

static bool forget;
module_param(forget, bool, 0444);
MODULE_PARM_DESC(forget, "Unload without taking the values back (a bug statsfs survives)");

static struct {
	u64 hits;
} visitor_stats = { .hits = 42 };

static u64 visitor_get(struct stats_fs_value *val, void *base)
{
	return *(u64 *)(base + val->offset);
}

static const struct stats_fs_type visitor_type = { .get = visitor_get };

static struct stats_fs_value visitor_values[] = {
	{ .name = "hits", .offset = 0, .type = &visitor_type,
	  .aggr_kind = STATS_FS_SUM },
	{ .name = NULL },
};

static int __init visitor_init(void)
{
	return stats_fs_source_add_values(stats_fs_owner_test_source(), visitor_values,
					  &visitor_stats, 0);
}
module_init(visitor_init);

static void __exit visitor_exit(void)
{
	if (!forget)
		stats_fs_source_remove_values(stats_fs_owner_test_source(), visitor_values,
					      &visitor_stats);
}
module_exit(visitor_exit);

MODULE_DESCRIPTION("statsfs owners test: a module that adds values to another's source");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
