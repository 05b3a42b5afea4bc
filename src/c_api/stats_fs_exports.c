// SPDX-License-Identifier: GPL-2.0
/*
 * The C API of statsfs: exports of the functions and types implemented in Rust
 * (src/ffi.rs, src/value.rs), plus the one function Rust cannot define because
 * it is variadic.
 */

#include <linux/export.h>
#include <linux/slab.h>
#include "../include/linux/stats_fs.h"
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

	source = stats_fs_source_create_named(flags, name);
	kfree(name);
	return source;
}
EXPORT_SYMBOL_GPL(stats_fs_source_create);

EXPORT_SYMBOL_GPL(stats_fs_source_register);
EXPORT_SYMBOL_GPL(stats_fs_source_add_values);
EXPORT_SYMBOL_GPL(stats_fs_source_remove_values);
EXPORT_SYMBOL_GPL(stats_fs_source_add_subordinate);
EXPORT_SYMBOL_GPL(stats_fs_source_remove_subordinate);
EXPORT_SYMBOL_GPL(stats_fs_source_get_value);
EXPORT_SYMBOL_GPL(stats_fs_source_get_value_by_name);
EXPORT_SYMBOL_GPL(stats_fs_source_clear);
EXPORT_SYMBOL_GPL(stats_fs_source_remove);
EXPORT_SYMBOL_GPL(stats_fs_source_revoke);
EXPORT_SYMBOL_GPL(stats_fs_source_get);
EXPORT_SYMBOL_GPL(stats_fs_source_put);
EXPORT_SYMBOL_GPL(stats_fs_initialized);

EXPORT_SYMBOL_GPL(stats_fs_type_u8);
EXPORT_SYMBOL_GPL(stats_fs_type_s8);
EXPORT_SYMBOL_GPL(stats_fs_type_u16);
EXPORT_SYMBOL_GPL(stats_fs_type_s16);
EXPORT_SYMBOL_GPL(stats_fs_type_u32);
EXPORT_SYMBOL_GPL(stats_fs_type_s32);
EXPORT_SYMBOL_GPL(stats_fs_type_u64);
EXPORT_SYMBOL_GPL(stats_fs_type_s64);
EXPORT_SYMBOL_GPL(stats_fs_type_bool);

/*
 * The C layout of the descriptor types, checked against their Rust mirrors in
 * src/value.rs by a KUnit test.
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
	sizeof(enum stat_aggr),
	STATS_FS_HIST_MAX_BUCKETS,
};
