/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats_fs.h - publish kernel statistics in statsfs (/sys/kernel/stats)
 *
 * (About 590 lines, most of them the kernel-doc of each entry point: its
 * context, its errors and what it waits for.)
 *
 * A source is a directory of values; a value group is an array of value
 * descriptors plus the base address of the structure the values live in. A
 * group added with a NULL base holds aggregates: each of its values combines the
 * same value over every simple group in the source's subtree that was added
 * from the same descriptor array. See Documentation/filesystems/stats_fs.rst.
 *
 * Source-compatible with the statsfs v3 API (2020): its three enums without
 * the stats_fs_ prefix (enum stat_aggr, enum source_value_common_flags, enum
 * stat_fs_value_flag) remain as aliases of the prefixed ones, and descriptor
 * arrays may be const or not. The product and the module are "statsfs".
 *
 * Exports are in the "STATS_FS" symbol namespace: a module that uses them
 * says MODULE_IMPORT_NS("STATS_FS").
 *
 * A built-in (=y) consumer of a modular statsfs cannot link: its Kconfig
 * symbol must say "depends on STATS_FS || !STATS_FS", so that it is a module
 * whenever statsfs is (KVM puts the rule in KVM_STATS_FS itself). Without
 * statsfs the functions below are stubs that return -ENODEV.
 *
 * Building a C module against an out-of-tree statsfs: the kernel's autoconf
 * knows no CONFIG_STATS_FS then, so add this line to the module's Kbuild to
 * get the real declarations rather than the stubs:
 *
 *	ccflags-y += -DSTATS_FS_OUT_OF_TREE -I$(STATSFS_DIR)/include
 *
 * Concurrency: readers never hold up writers. Adding sources, values and
 * subordinates waits for no reader; revoking or removing values, removing a
 * subordinate and the last put of a source wait only for the reads of those
 * values in progress (their type's get, clear and show callbacks running) and,
 * for each aggregate the values leave, for the readers of that aggregate in
 * the middle of a pass over 64 of its members (plain loads, preemption off).
 * Nothing else. See Documentation/filesystems/stats_fs.rst ("Locking").
 */

#ifndef _LINUX_STATS_FS_H
#define _LINUX_STATS_FS_H

#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/kconfig.h>
#include <linux/types.h>

/**
 * enum stats_fs_aggr - How an aggregate combines a value over a subtree.
 * @STATS_FS_NONE: Not an aggregate; in an aggregate group it reads 0.
 * @STATS_FS_SUM: Sum, modulo 2^64. Empty set: 0.
 * @STATS_FS_MIN: Minimum. Empty set: U64_MAX (unsigned), S64_MAX (signed).
 * @STATS_FS_MAX: Maximum. Empty set: 0 (unsigned), S64_MIN (signed).
 * @STATS_FS_COUNT_ZERO: Number of values equal to zero. Empty set: 0.
 * @STATS_FS_AVG: Sum divided by count, signed for signed types, from the exact
 *	sum (it does not wrap). Empty set: 0.
 */
enum stats_fs_aggr {
	STATS_FS_NONE = 0,
	STATS_FS_SUM,
	STATS_FS_MIN,
	STATS_FS_MAX,
	STATS_FS_COUNT_ZERO,
	STATS_FS_AVG,
};

/* The v3 name of enum stats_fs_aggr. */
#define stat_aggr stats_fs_aggr

/**
 * enum stats_fs_common_flags - Flags of sources and value groups.
 * @STATS_FS_HIDDEN: No directory (source) or no files (group) in the file
 *	system; the values still take part in aggregates.
 */
enum stats_fs_common_flags {
	STATS_FS_HIDDEN = 0x1,
};

/* The v3 name of enum stats_fs_common_flags. */
#define source_value_common_flags stats_fs_common_flags

/**
 * enum stats_fs_value_flags - Flags of one value descriptor.
 * @STATS_FS_FLOATING_VALUE: The value may go down (a gauge, not a counter), so
 *	clearing it makes no sense: it is read-only (mode 0444) and
 *	stats_fs_source_clear() refuses it.
 */
enum stats_fs_value_flags {
	STATS_FS_FLOATING_VALUE = 0x1,
};

/* The v3 name of enum stats_fs_value_flags. */
#define stat_fs_value_flag stats_fs_value_flags

/**
 * enum stats_fs_kind - What kind of statistic a value is.
 * @STATS_FS_KIND_UNKNOWN: Not said (statsfs v3 descriptors).
 * @STATS_FS_KIND_CUMULATIVE: A count that only grows, until cleared.
 * @STATS_FS_KIND_INSTANT: A level that goes up and down.
 * @STATS_FS_KIND_PEAK: The highest level seen, until cleared.
 * @STATS_FS_KIND_LINEAR_HIST: A histogram; bucket i counts the samples in
 *	[i * &stats_fs_value.hist_bucket_size, (i + 1) * hist_bucket_size),
 *	the last bucket also those above.
 * @STATS_FS_KIND_LOG_HIST: A histogram; bucket 0 counts the samples equal
 *	to 0, bucket i > 0 those in [2^(i-1), 2^i), the last bucket also those
 *	above.
 *
 * The kinds are those of KVM's binary statistics (KVM_STATS_TYPE_*).
 */
enum stats_fs_kind {
	STATS_FS_KIND_UNKNOWN = 0,
	STATS_FS_KIND_CUMULATIVE,
	STATS_FS_KIND_INSTANT,
	STATS_FS_KIND_PEAK,
	STATS_FS_KIND_LINEAR_HIST,
	STATS_FS_KIND_LOG_HIST,
};

/**
 * enum stats_fs_unit - The unit of a value.
 * @STATS_FS_UNIT_UNKNOWN: Not said (statsfs v3 descriptors).
 * @STATS_FS_UNIT_NONE: A plain number of things or events.
 * @STATS_FS_UNIT_BYTES: Bytes.
 * @STATS_FS_UNIT_SECONDS: Seconds.
 * @STATS_FS_UNIT_CYCLES: Clock cycles.
 * @STATS_FS_UNIT_BOOLEAN: 0 or 1.
 *
 * The value is in the unit times &stats_fs_value.unit_base raised to
 * &stats_fs_value.exponent: nanoseconds are SECONDS, POW10, -9.
 */
enum stats_fs_unit {
	STATS_FS_UNIT_UNKNOWN = 0,
	STATS_FS_UNIT_NONE,
	STATS_FS_UNIT_BYTES,
	STATS_FS_UNIT_SECONDS,
	STATS_FS_UNIT_CYCLES,
	STATS_FS_UNIT_BOOLEAN,
};

/**
 * enum stats_fs_unit_base - The base of &stats_fs_value.exponent.
 * @STATS_FS_BASE_UNKNOWN: Not said; the exponent is then 0.
 * @STATS_FS_BASE_POW10: Powers of 10.
 * @STATS_FS_BASE_POW2: Powers of 2.
 */
enum stats_fs_unit_base {
	STATS_FS_BASE_UNKNOWN = 0,
	STATS_FS_BASE_POW10,
	STATS_FS_BASE_POW2,
};

/* The most buckets a histogram may have. */
#define STATS_FS_HIST_MAX_BUCKETS	1024

/* The largest snapshot of stats_fs_source_add_snapshot(), in bytes. */
#define STATS_FS_SNAPSHOT_MAX		256

struct stats_fs_value;

/**
 * struct stats_fs_type - How to read and clear a value of some type.
 * @get: Returns the value at @base + @val->offset, as u64; signed types
 *	sign-extend. Called with no statsfs lock held, under an active
 *	reference to its group: it may sleep, but must not call statsfs, and
 *	must not take a lock its publisher holds while it revokes the source,
 *	removes these values or puts the source's last reference: those wait
 *	for the callbacks in progress, so a callback waiting for that lock is a
 *	deadlock. A lock of its own, a spinlock or RCU is fine, and so is a lock
 *	held while values or sources are only added (that waits for no reader).
 *	Lockdep reports the mistake the first time both orders are seen
 *	(tests/selftests/statsfs/92-callback-locks.c shows it). The default
 *	types are read inline, without a call.
 * @clear: Sets the value to zero, or NULL if the type cannot be cleared.
 *	Same context and rule as @get.
 * @sign: True if the value is signed: it is printed as signed and MIN, MAX
 *	and AVG compare and divide it as s64.
 * @size: Size in bytes of one value of the type, or 0 if unknown. Only
 *	histograms need it: bucket i is read as a value of the type at
 *	@base + i * @size. Set in all the default types (an extension of v3).
 */
struct stats_fs_type {
	u64 (*get)(struct stats_fs_value *val, void *base);
	void (*clear)(struct stats_fs_value *val, void *base);
	bool sign;
	u32 size;
};

/**
 * struct stats_fs_value - Descriptor of one value.
 * @name: File name of the value: printable, no '/', not starting with '.',
 *	at most NAME_MAX bytes. An entry with a NULL @name ends an array.
 * @offset: Offset of the value from the base address of its group.
 * @type: How to read it: one of the stats_fs_type_* objects or a custom type.
 * @aggr_kind: How an aggregate group combines it over a subtree.
 * @value_flag: Flags from enum stat_fs_value_flag.
 * @show: Optional. Returns the text to show for a value instead of the
 *	number; the string must stay valid while the descriptor is registered.
 * @kind: What kind of statistic it is (enum stats_fs_kind).
 * @unit: Its unit (enum stats_fs_unit).
 * @unit_base: The base of @exponent (enum stats_fs_unit_base).
 * @exponent: The value is in @unit times @unit_base to the @exponent.
 * @hist_buckets: For a histogram (@kind STATS_FS_KIND_LINEAR_HIST or
 *	STATS_FS_KIND_LOG_HIST): its number of buckets, 1 to
 *	STATS_FS_HIST_MAX_BUCKETS, stored as an array of @type at @offset
 *	(@type must have a @size). 0 otherwise.
 * @hist_bucket_size: For a linear histogram, the width of a bucket.
 *
 * The fields from @kind on are an extension of the v3 descriptor: left zero
 * they mean "unknown" and "not a histogram", so v3 code builds and behaves
 * unchanged. They are metadata for readers (units, kinds), except for a
 * histogram, which has a directory of its own holding one file per bucket,
 * named by the bucket's index; an aggregate of a histogram combines each
 * bucket separately.
 *
 * Arrays of descriptors must stay valid and unchanged while any group built
 * from them is added, and may be const. Aggregates match values by the
 * identity of the array they were added from, not by name.
 */
struct stats_fs_value {
	const char *name;
	int offset;
	const struct stats_fs_type *type;
	enum stat_aggr aggr_kind;
	u32 value_flag;
	char *(*show)(u64 value);
	u8 kind;
	u8 unit;
	u8 unit_base;
	s16 exponent;
	u32 hist_buckets;
	u32 hist_bucket_size;
};

/* Opaque: a source is only handled through the functions below. */
struct stats_fs_source;
struct net;

#if IS_ENABLED(CONFIG_STATS_FS) || defined(STATS_FS_OUT_OF_TREE)

/*
 * The default types, for &struct stats_fs_value.type: each reads a naturally
 * aligned field of that C type. Defined by statsfs; without it, the stubs below
 * stand in for them, so descriptor tables build and link either way.
 */
extern const struct stats_fs_type stats_fs_type_u8;
extern const struct stats_fs_type stats_fs_type_s8;
extern const struct stats_fs_type stats_fs_type_u16;
extern const struct stats_fs_type stats_fs_type_s16;
extern const struct stats_fs_type stats_fs_type_u32;
extern const struct stats_fs_type stats_fs_type_s32;
extern const struct stats_fs_type stats_fs_type_u64;
extern const struct stats_fs_type stats_fs_type_s64;
extern const struct stats_fs_type stats_fs_type_bool;

/**
 * stats_fs_source_create() - Create a source.
 * @flags: Source flags: 0 or STATS_FS_HIDDEN.
 * @fmt: printf-style format of the source's name; the name must be valid as
 *	for &struct stats_fs_value.name.
 *
 * The source is not visible until it, or a source it becomes a subordinate of,
 * is registered. The caller owns one reference, dropped with
 * stats_fs_source_put().
 *
 * Context: Process context; may sleep.
 * Return: The source, ERR_PTR(-EINVAL) for an invalid name or flags, or
 * ERR_PTR(-ENOMEM).
 */
struct stats_fs_source *stats_fs_source_create(u32 flags, const char *fmt, ...)
	__printf(2, 3);

/**
 * stats_fs_source_register() - Show a source at the top of statsfs.
 * @source: The source.
 *
 * The source and its visible subordinates appear at once. The registration
 * takes no reference: the source stays registered until its last reference is
 * put.
 *
 * Context: Process context; may sleep.
 * Return: 0; -EINVAL for a NULL or error pointer; -EBUSY if @source is already
 * registered or is a subordinate; -EEXIST if a registered source has the same
 * name.
 */
int __must_check stats_fs_source_register(struct stats_fs_source *source);

/**
 * stats_fs_source_register_net() - Show a source at the top of statsfs, in one
 *	network namespace's mounts only.
 * @source: The source.
 * @net: The network namespace.
 *
 * As stats_fs_source_register(), but the source shows only in the mounts of
 * statsfs made from @net: a mount shows the sources registered for every
 * namespace and those registered for the network namespace of the task that
 * mounted it, as sysfs shows that namespace's network devices. Several sources
 * of one name may be registered for different namespaces, as a namespace's
 * net/. statsfs only compares @net, never dereferences it: remove the source
 * (or put its last reference) before the namespace goes, from its pernet exit.
 *
 * Context: Process context; may sleep.
 * Return: 0; -EINVAL for a NULL or error pointer; -EBUSY if @source is already
 * registered or is a subordinate; -EEXIST if a source registered for every
 * namespace or for @net has the same name.
 */
int __must_check stats_fs_source_register_net(struct stats_fs_source *source,
					      struct net *net);

/**
 * stats_fs_source_add_values() - Add a group of values to a source.
 * @source: The source.
 * @val: Array of descriptors, ended by an entry with a NULL name.
 * @base_ptr: Base address of the values (a simple group), or NULL for a group
 *	of aggregates over @source's subtree.
 * @flags: Group flags: 0 or STATS_FS_HIDDEN.
 *
 * The values appear at once if the source is visible. The memory at @base_ptr
 * must stay valid until stats_fs_source_revoke() returns or the last reference
 * to @source is put, whichever is first.
 *
 * statsfs keeps which module the descriptors, their types and callbacks, and
 * the memory at @base_ptr belong to. If that module unloads with the group
 * still added, statsfs revokes the group as the module goes and warns, naming
 * the module; call stats_fs_source_remove_values() or
 * stats_fs_source_revoke() before unloading instead.
 *
 * Context: Process context; may sleep. Waits for no reader.
 * Return: 0; -EINVAL for a NULL or error @source, a NULL or error @val or
 * error @base_ptr, or an invalid descriptor (bad or error name, NULL or
 * error type, get, clear or show, unknown aggregation, kind, unit or base, a
 * histogram with no bucket or too many, or whose type has no size,
 * hist_buckets set on a value that is not a histogram, a default type whose
 * field at @base_ptr + offset is not naturally aligned, as in a __packed
 * struct); -EEXIST if this (@val, @base_ptr) pair is already added to @source
 * (a pair revoked since may be added again); -ENOMEM.
 */
int __must_check stats_fs_source_add_values(struct stats_fs_source *source,
					    const struct stats_fs_value *val,
					    void *base_ptr, u32 flags);

/**
 * stats_fs_source_add_snapshot() - Add a group of values read at one moment.
 * @source: The source.
 * @val: Array of descriptors of default types, ended by an entry with a NULL
 *	name: their offsets are into the snapshot.
 * @base_ptr: What @snapshot is given: the object the values are of (a
 *	network device, say), or NULL for a group of aggregates over the groups of
 *	@source's subtree added from @val with the same @snapshot.
 * @snapshot: Copies the values into @buf (@size bytes, zeroed before), as they
 *	are at one moment; called with no statsfs lock held, in process context.
 * @size: Size of the snapshot: 1 to %STATS_FS_SNAPSHOT_MAX bytes.
 * @flags: Group flags: 0 or STATS_FS_HIDDEN.
 *
 * For values that a publisher reads all at once, as dev_get_stats() fills a
 * struct rtnl_link_stats64: every read of the group takes one snapshot and
 * reads its values from it, so that the values a reader gets together (the
 * files of a directory in one .values or .stats record, or all the members of
 * an aggregate) are of one moment each, and @snapshot is called once per group
 * and read, not once per value. A single value file takes a snapshot for
 * itself. The values cannot be cleared. Otherwise as
 * stats_fs_source_add_values(): @snapshot, like the descriptors, belongs to
 * the module that added the group.
 *
 * Context: Process context; may sleep. Waits for no reader.
 * Return: as stats_fs_source_add_values(), and -EINVAL for a NULL or error
 * @snapshot, a @size out of range, a value of a custom type, or one whose
 * elements do not lie in the snapshot, naturally aligned.
 */
int __must_check
stats_fs_source_add_snapshot(struct stats_fs_source *source,
			     const struct stats_fs_value *val, void *base_ptr,
			     void (*snapshot)(void *base_ptr, void *buf),
			     size_t size, u32 flags);

/**
 * stats_fs_source_remove_values() - Take back one group of values.
 * @source: The source the group was added to.
 * @val: The descriptor array the group was added with.
 * @base_ptr: The base address it was added with (NULL for aggregates).
 *
 * Undoes stats_fs_source_add_values() for this pair only: the group's files
 * leave the directory, open ones read 0, and its values leave every
 * aggregate. Once it returns, statsfs never touches @val, its types and
 * callbacks, or the memory at @base_ptr again, so a module that added values
 * to a source it does not own (a driver's values in its subsystem's source)
 * calls it before it unloads. The pair may be added again afterwards.
 *
 * Context: Process context; may sleep: it waits for the reads of this group
 * in progress (its callbacks running), and for nothing else.
 * Return: 0; -ENOENT if the pair is not a live group of @source; -EINVAL for
 * NULL or error pointers.
 */
int stats_fs_source_remove_values(struct stats_fs_source *source,
				  const struct stats_fs_value *val,
				  void *base_ptr);

/**
 * stats_fs_source_add_subordinate() - Make @child a subordinate of @parent.
 * @parent: The parent source.
 * @child: The new subordinate; it gets a reference from @parent.
 *
 * @child appears under @parent at once if @parent is visible, and its values
 * take part in @parent's aggregates. A source has at most one parent.
 *
 * Context: Process context; may sleep. Waits for no reader.
 * Return: 0; -EINVAL for NULL or error pointers or if @child is @parent or
 * one of its ancestors; -EBUSY if @child already has a parent or is
 * registered; -EEXIST if a visible subordinate of @parent has @child's name
 * and @child is visible; -ENOMEM.
 */
int __must_check stats_fs_source_add_subordinate(struct stats_fs_source *parent,
						 struct stats_fs_source *child);

/**
 * stats_fs_source_remove_subordinate() - Undo stats_fs_source_add_subordinate().
 * @parent: The parent source.
 * @child: The subordinate to remove; @parent's reference to it is put.
 *
 * @child and its subtree disappear from the file system at once and leave
 * @parent's aggregates. Nothing happens if @child is not a subordinate of
 * @parent (or either is NULL).
 *
 * Context: Process context; may sleep.
 */
void stats_fs_source_remove_subordinate(struct stats_fs_source *parent,
					struct stats_fs_source *child);

/**
 * stats_fs_source_remove() - Take a source out of the file system.
 * @source: The source.
 *
 * Unregisters @source if it is registered, or removes it from its parent
 * (putting the parent's reference), whichever applies; otherwise does nothing.
 * An extension of the v3 API, which could not unregister a root without
 * dropping its last reference.
 *
 * Context: Process context; may sleep.
 */
void stats_fs_source_remove(struct stats_fs_source *source);

/**
 * stats_fs_source_get_value() - Read a value of a source.
 * @source: The source.
 * @val: The descriptor to read: an element of an array added to @source.
 * @ret: Where to store the value (sign-extended for signed types).
 *
 * Looks @val up among @source's own groups (not its subordinates'), newest
 * group first. A simple value is read directly; an aggregate is computed over
 * @source's subtree. Values of a revoked group read 0. A histogram reads as
 * the sum of its buckets (the number of samples).
 *
 * Context: Process context; may sleep.
 * Return: 0; -ENOENT if @val is not in @source; -EINVAL for NULL arguments.
 * On error *@ret is set to 0 (when @ret is not NULL).
 */
int stats_fs_source_get_value(struct stats_fs_source *source,
			      const struct stats_fs_value *val, u64 *ret);

/**
 * stats_fs_source_get_value_by_name() - Read a value of a source by name.
 * @source: The source.
 * @name: The value's name.
 * @ret: Where to store the value.
 *
 * Like stats_fs_source_get_value(), for the first value called @name in
 * @source's own groups, newest group first.
 *
 * Context: Process context; may sleep.
 * Return: 0; -ENOENT if no value has that name; -EINVAL for NULL arguments.
 * On error *@ret is set to 0 (when @ret is not NULL).
 */
int stats_fs_source_get_value_by_name(struct stats_fs_source *source,
				      const char *name, u64 *ret);

/**
 * stats_fs_source_clear() - Reset a value of a source to zero.
 * @source: The source.
 * @val: The descriptor, as for stats_fs_source_get_value().
 *
 * Clearing an aggregate clears every matching simple value in @source's
 * subtree; clearing a histogram clears all its buckets. Revoked groups are
 * left alone.
 *
 * Context: Process context; may sleep.
 * Return: 0; -ENOENT if @val is not in @source; -EPERM if the value is
 * STATS_FS_FLOATING_VALUE or its type has no clear; -EINVAL for NULL
 * arguments.
 */
int stats_fs_source_clear(struct stats_fs_source *source,
			  const struct stats_fs_value *val);

/**
 * stats_fs_source_revoke() - Disconnect a source from its data.
 * @source: The source.
 *
 * Call it before freeing the memory its simple groups read. Once it returns,
 * statsfs never touches that memory again: @source's values read 0 and drop
 * out of every aggregate, and files held open on them keep working. Groups
 * added afterwards are live again. Subordinates are not affected.
 *
 * Context: Process context; may sleep: it waits for the reads of @source's
 * groups in progress (their callbacks running), and for nothing else.
 */
void stats_fs_source_revoke(struct stats_fs_source *source);

/**
 * stats_fs_source_get() - Take a reference to a source.
 * @source: The source; NULL and error pointers are ignored.
 *
 * Context: Any context.
 * Return: @source, whose new reference the caller puts with
 * stats_fs_source_put().
 */
struct stats_fs_source *stats_fs_source_get(struct stats_fs_source *source);

/**
 * stats_fs_source_put() - Drop a reference to a source.
 * @source: The source; NULL and error pointers are ignored.
 *
 * Dropping the last reference revokes the source, removes it from the file
 * system and from its parent, and puts the references it holds to its
 * subordinates. Its memory lives on while files are open on it.
 *
 * Context: Process context; may sleep: the last put waits for the reads of
 * the groups it revokes in progress (their callbacks running), for those
 * only, and drops the torn-down directories from the dcache.
 */
void stats_fs_source_put(struct stats_fs_source *source);

/**
 * stats_fs_initialized() - Whether statsfs is ready.
 *
 * Context: Any context.
 * Return: True once the statsfs file system is registered.
 */
bool stats_fs_initialized(void);

#else /* !CONFIG_STATS_FS */

/*
 * Without statsfs, the default types are empty placeholders, one per file that
 * uses them: descriptor tables that point to them build and link, and nothing
 * ever reads them.
 */
static const struct stats_fs_type stats_fs_type_u8 __maybe_unused;
static const struct stats_fs_type stats_fs_type_s8 __maybe_unused;
static const struct stats_fs_type stats_fs_type_u16 __maybe_unused;
static const struct stats_fs_type stats_fs_type_s16 __maybe_unused;
static const struct stats_fs_type stats_fs_type_u32 __maybe_unused;
static const struct stats_fs_type stats_fs_type_s32 __maybe_unused;
static const struct stats_fs_type stats_fs_type_u64 __maybe_unused;
static const struct stats_fs_type stats_fs_type_s64 __maybe_unused;
static const struct stats_fs_type stats_fs_type_bool __maybe_unused;

/*
 * Stubs return errors rather than NULL, so that callers can tell "statsfs is
 * not there" from a real failure.
 */

static inline struct stats_fs_source *stats_fs_source_create(u32 flags,
							     const char *fmt, ...)
{
	return ERR_PTR(-ENODEV);
}

static inline int __must_check
stats_fs_source_register(struct stats_fs_source *source)
{
	return -ENODEV;
}

static inline int __must_check
stats_fs_source_register_net(struct stats_fs_source *source, struct net *net)
{
	return -ENODEV;
}

static inline int __must_check
stats_fs_source_add_values(struct stats_fs_source *source,
			   const struct stats_fs_value *val, void *base_ptr,
			   u32 flags)
{
	return -ENODEV;
}

static inline int __must_check
stats_fs_source_add_snapshot(struct stats_fs_source *source,
			     const struct stats_fs_value *val, void *base_ptr,
			     void (*snapshot)(void *base_ptr, void *buf),
			     size_t size, u32 flags)
{
	return -ENODEV;
}

static inline int stats_fs_source_remove_values(struct stats_fs_source *source,
						const struct stats_fs_value *val,
						void *base_ptr)
{
	return -ENODEV;
}

static inline int __must_check
stats_fs_source_add_subordinate(struct stats_fs_source *parent,
				struct stats_fs_source *child)
{
	return -ENODEV;
}

static inline void
stats_fs_source_remove_subordinate(struct stats_fs_source *parent,
				   struct stats_fs_source *child)
{
}

static inline void stats_fs_source_remove(struct stats_fs_source *source)
{
}

static inline int stats_fs_source_get_value(struct stats_fs_source *source,
					    const struct stats_fs_value *val,
					    u64 *ret)
{
	if (ret)
		*ret = 0;
	return -ENODEV;
}

static inline int
stats_fs_source_get_value_by_name(struct stats_fs_source *source,
				  const char *name, u64 *ret)
{
	if (ret)
		*ret = 0;
	return -ENODEV;
}

static inline int stats_fs_source_clear(struct stats_fs_source *source,
					const struct stats_fs_value *val)
{
	return -ENODEV;
}

static inline void stats_fs_source_revoke(struct stats_fs_source *source)
{
}

static inline struct stats_fs_source *
stats_fs_source_get(struct stats_fs_source *source)
{
	return source;
}

static inline void stats_fs_source_put(struct stats_fs_source *source)
{
}

static inline bool stats_fs_initialized(void)
{
	return false;
}

#endif /* CONFIG_STATS_FS */

#endif /* _LINUX_STATS_FS_H */
