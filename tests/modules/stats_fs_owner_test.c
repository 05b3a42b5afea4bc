// SPDX-License-Identifier: GPL-2.0
/*
 * Module A of the owners test (tests/selftests/statsfs/45-owners.c): it owns
 * the source "owner", with one value of its own, and lends the source to
 * module B (stats_fs_visitor_test.c), which adds values to it.
 */

#include <linux/module.h>
#include <linux/stats_fs.h>

#include "stats_fs_owner_test.h"

static struct {
	u64 own;
} owner_stats = { .own = 11 };

static struct stats_fs_value owner_values[] = {
	{ .name = "own", .offset = 0, .type = &stats_fs_type_u64,
	  .aggr_kind = STATS_FS_SUM },
	{ .name = NULL },
};

static struct stats_fs_source *owner_source;

struct stats_fs_source *stats_fs_owner_test_source(void)
{
	return owner_source;
}
EXPORT_SYMBOL_GPL(stats_fs_owner_test_source);

static int __init owner_init(void)
{
	int err;

	owner_source = stats_fs_source_create(0, "owner");
	if (IS_ERR(owner_source))
		return PTR_ERR(owner_source);
	err = stats_fs_source_add_values(owner_source, owner_values, &owner_stats, 0);
	if (!err)
		err = stats_fs_source_register(owner_source);
	if (err)
		stats_fs_source_put(owner_source);
	return err;
}
module_init(owner_init);

static void __exit owner_exit(void)
{
	stats_fs_source_remove(owner_source);
	stats_fs_source_put(owner_source);
}
module_exit(owner_exit);

MODULE_DESCRIPTION("statsfs owners test: the module that owns a source");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
