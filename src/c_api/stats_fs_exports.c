// SPDX-License-Identifier: GPL-2.0
/*
 * The C API of statsfs: exports of the functions and types implemented in Rust
 * (src/c_api.rs, src/c_api/types.rs), in the STATS_FS symbol namespace, plus
 * the one function Rust cannot define because it is variadic.
 */

#include <linux/export.h>
#include <linux/slab.h>
#include "../../include/linux/stats_fs.h"
#include <linux/stddef.h>

#include "stats_fs_internal.h"

struct stats_fs_source *stats_fs_source_create(u32 flags, const char *fmt, ...)
{
	struct stats_fs_source *source;
	va_list args;
	char *name;

	if (IS_ERR_OR_NULL(fmt))
		return ERR_PTR(-EINVAL);

	va_start(args, fmt);
	name = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);
	if (!name)
		return ERR_PTR(-ENOMEM);

	source = stats_fs_core_source_create(flags, name);
	kfree(name);
	return source;
}
EXPORT_SYMBOL_NS_GPL(stats_fs_source_create, "STATS_FS");

EXPORT_SYMBOL_NS_GPL(stats_fs_source_register, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_register_net, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_add_values, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_add_snapshot, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_remove_values, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_add_subordinate, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_remove_subordinate, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_get_value, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_get_value_by_name, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_clear, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_remove, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_revoke, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_get, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_source_put, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_initialized, "STATS_FS");

EXPORT_SYMBOL_NS_GPL(stats_fs_type_u8, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_type_s8, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_type_u16, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_type_s16, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_type_u32, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_type_s32, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_type_u64, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_type_s64, "STATS_FS");
EXPORT_SYMBOL_NS_GPL(stats_fs_type_bool, "STATS_FS");

/*
 * The C layout of the descriptor types, checked against their Rust mirrors in
 * include/rust/stats_fs_abi.rs by a KUnit test.
 */
const size_t stats_fs_c_layout[STATS_FS_C_LAYOUT_LEN] = {
	sizeof(struct stats_fs_value),
	offsetof(struct stats_fs_value, name),
	offsetof(struct stats_fs_value, offset),
	offsetof(struct stats_fs_value, type),
	offsetof(struct stats_fs_value, aggr_kind),
	offsetof(struct stats_fs_value, value_flag),
	offsetof(struct stats_fs_value, show),
	offsetof(struct stats_fs_value, kind),
	offsetof(struct stats_fs_value, unit),
	offsetof(struct stats_fs_value, unit_base),
	offsetof(struct stats_fs_value, exponent),
	offsetof(struct stats_fs_value, hist_buckets),
	offsetof(struct stats_fs_value, hist_bucket_size),
	sizeof(struct stats_fs_type),
	offsetof(struct stats_fs_type, get),
	offsetof(struct stats_fs_type, clear),
	offsetof(struct stats_fs_type, sign),
	offsetof(struct stats_fs_type, size),
	sizeof(enum stats_fs_aggr),
	STATS_FS_HIST_MAX_BUCKETS,
	STATS_FS_SNAPSHOT_MAX,
};
