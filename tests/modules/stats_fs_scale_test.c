// SPDX-License-Identifier: GPL-2.0
/*
 * The scale benchmark's trees, through the public API only. Written to its
 * "action" parameter:
 *
 *   scale=N   N sources scale/s<i>, each with a subordinate c holding v0 and
 *             v1; scale/ holds their sums (aggregates). scale=0 removes them.
 *   dscale=N  the same in debugfs, the debugfs way: scale/s<i>/c/v0 and v1,
 *             and scale/sum_v0, which sums v0 over a list under a mutex, as
 *             KVM's debugfs does over its VMs. dscale=0 removes them.
 *   lscale=N  only debugfs's list and scale/sum_v0, for sizes whose debugfs
 *             files would not fit. lscale=0 removes them.
 *   add1      adds one more source to scale/ and removes it (a writer); how
 *             long that took in the kernel, in ns, is in parameter add1_ns.
 *   toggle=I  removes scale/s<I> if it is there, adds it back if not.
 *
 * Both trees read the same kind of memory: one allocation per source, as KVM's
 * VMs and vCPUs each have their own.
 */

#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/stats_fs.h>

struct scale_data {
	struct list_head list;	/* On dscale_list (debugfs only). */
	u64 v[2];
};

static struct stats_fs_value scale_values[] = {
	{ .name = "v0", .offset = 0,
	  .type = &stats_fs_type_u64, .aggr_kind = STATS_FS_SUM },
	{ .name = "v1", .offset = sizeof(u64),
	  .type = &stats_fs_type_u64, .aggr_kind = STATS_FS_SUM },
	{ .name = NULL },
};

static DEFINE_MUTEX(scale_lock);	/* Serialises actions; the debugfs sum. */
static struct scale_data **scale_data;
static struct stats_fs_source *scale_root, **scale_srcs;
static int scale_n;
static int scale_cap;	/* Entries of scale_data: N + 1, add1's last. */

/* One source's data, allocated on its own; NULL if out of memory. */
static struct scale_data *scale_data_new(int i)
{
	struct scale_data *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (d) {
		INIT_LIST_HEAD(&d->list);
		d->v[0] = i;
		d->v[1] = 1;
	}
	return d;
}

static void scale_free(void)
{
	int i;

	for (i = 0; i < scale_n; i++) {
		stats_fs_source_remove(scale_srcs[i]);
		stats_fs_source_put(scale_srcs[i]);
	}
	if (scale_root)
		stats_fs_source_put(scale_root);
	scale_root = NULL;
	/* Every source is put: nothing reads the data any more. */
	for (i = 0; i < scale_cap; i++)
		kfree(scale_data[i]);
	scale_cap = 0;
	kvfree(scale_srcs);
	kvfree(scale_data);
	scale_srcs = NULL;
	scale_data = NULL;
	scale_n = 0;
}

/* Source s<i> with its subordinate c holding @data's values. */
static struct stats_fs_source *scale_source(int i, struct scale_data *data)
{
	if (!data)
		return ERR_PTR(-ENOMEM);

	struct stats_fs_source *s, *c;
	int err;

	s = stats_fs_source_create(0, "s%d", i);
	if (IS_ERR(s))
		return s;
	c = stats_fs_source_create(0, "c");
	err = PTR_ERR_OR_ZERO(c);
	if (!err)
		err = stats_fs_source_add_values(c, scale_values, data->v, 0);
	if (!err)
		err = stats_fs_source_add_subordinate(s, c);
	if (!IS_ERR(c))
		stats_fs_source_put(c);	/* s holds it now, or it goes. */
	if (!err)
		err = stats_fs_source_add_subordinate(scale_root, s);
	if (err) {
		stats_fs_source_put(s);
		return ERR_PTR(err);
	}
	return s;
}

static int scale_build(int n)
{
	int i, err;

	scale_free();
	if (n <= 0)
		return 0;
	scale_srcs = kvcalloc(n, sizeof(*scale_srcs), GFP_KERNEL);
	scale_data = kvcalloc(n + 1, sizeof(*scale_data), GFP_KERNEL);
	scale_root = stats_fs_source_create(0, "scale");
	if (!scale_srcs || !scale_data || IS_ERR(scale_root)) {
		if (IS_ERR(scale_root))
			scale_root = NULL;
		scale_free();
		return -ENOMEM;
	}
	err = stats_fs_source_add_values(scale_root, scale_values, NULL, 0);
	if (!err)
		err = stats_fs_source_register(scale_root);
	scale_cap = n + 1;
	for (i = 0; i < scale_cap && !err; i++) {
		scale_data[i] = scale_data_new(i);
		err = scale_data[i] ? 0 : -ENOMEM;
	}
	for (i = 0; i < n && !err; i++) {
		scale_srcs[i] = scale_source(i, scale_data[i]);
		err = PTR_ERR_OR_ZERO(scale_srcs[i]);
		if (!err)
			scale_n = i + 1;
	}
	if (err)
		scale_free();
	return err;
}

static int scale_toggle(int i)
{
	struct stats_fs_source *s;

	if (!scale_root || i < 0 || i >= scale_n)
		return -EINVAL;
	if (scale_srcs[i]) {
		stats_fs_source_remove(scale_srcs[i]);
		stats_fs_source_put(scale_srcs[i]);
		scale_srcs[i] = NULL;
		return 0;
	}
	s = scale_source(i, scale_data[i]);
	if (IS_ERR(s))
		return PTR_ERR(s);
	scale_srcs[i] = s;
	return 0;
}

/* How long the last add1 took in the kernel, in nanoseconds. */
static unsigned long long scale_add1_ns;
module_param_named(add1_ns, scale_add1_ns, ullong, 0444);
MODULE_PARM_DESC(add1_ns, "How long the last add1 took, in ns");

/* One writer: a source added and removed again. */
static int scale_add1(void)
{
	struct stats_fs_source *s;
	u64 start = ktime_get_ns();

	if (!scale_root)
		return -ENOENT;
	s = scale_source(scale_n, scale_data[scale_n]);
	if (IS_ERR(s))
		return PTR_ERR(s);
	stats_fs_source_remove(s);
	stats_fs_source_put(s);
	scale_add1_ns = ktime_get_ns() - start;
	return 0;
}

/* debugfs */
static struct dentry *dscale_root;
static LIST_HEAD(dscale_list);	/* Under scale_lock, like KVM's vm_list under kvm_lock. */

static int dscale_sum_get(void *data, u64 *val)
{
	struct scale_data *d;
	u64 sum = 0;

	mutex_lock(&scale_lock);
	list_for_each_entry(d, &dscale_list, list)
		sum += d->v[0];
	mutex_unlock(&scale_lock);
	*val = sum;
	return 0;
}
DEFINE_SIMPLE_ATTRIBUTE(dscale_sum_fops, dscale_sum_get, NULL, "%llu\n");

/* Removing the files waits for their readers; then nothing reads the data. */
static void dscale_free(void)
{
	struct scale_data *d, *tmp;
	LIST_HEAD(gone);

	debugfs_remove(dscale_root);
	dscale_root = NULL;
	mutex_lock(&scale_lock);
	list_splice_init(&dscale_list, &gone);
	mutex_unlock(&scale_lock);
	list_for_each_entry_safe(d, tmp, &gone, list)
		kfree(d);
}

/* With @files, a directory of files per source too; without, only the list and its sum. */
static int dscale_build(int n, bool files)
{
	struct scale_data *d;
	struct dentry *s, *c;
	char name[16];
	int i;

	dscale_free();
	if (n <= 0)
		return 0;
	dscale_root = debugfs_create_dir("scale", NULL);
	for (i = 0; i < n; i++) {
		d = scale_data_new(i);
		if (!d) {
			dscale_free();
			return -ENOMEM;
		}
		mutex_lock(&scale_lock);
		list_add_tail(&d->list, &dscale_list);
		mutex_unlock(&scale_lock);
		if (!files)
			continue;
		snprintf(name, sizeof(name), "s%d", i);
		s = debugfs_create_dir(name, dscale_root);
		c = debugfs_create_dir("c", s);
		debugfs_create_u64("v0", 0644, c, &d->v[0]);
		debugfs_create_u64("v1", 0644, c, &d->v[1]);
	}
	debugfs_create_file("sum_v0", 0444, dscale_root, NULL, &dscale_sum_fops);
	return 0;
}

static int scale_action(const char *val, const struct kernel_param *kp)
{
	int n, err;

	if (sysfs_streq(val, "add1")) {
		mutex_lock(&scale_lock);
		err = scale_add1();
		mutex_unlock(&scale_lock);
		return err;
	}
	if (sscanf(val, "toggle=%d", &n) == 1) {
		mutex_lock(&scale_lock);
		err = scale_toggle(n);
		mutex_unlock(&scale_lock);
		return err;
	}
	if (sscanf(val, "scale=%d", &n) == 1 && n >= 0 && n <= 1000000) {
		mutex_lock(&scale_lock);
		err = scale_build(n);
		mutex_unlock(&scale_lock);
		return err;
	}
	if (sscanf(val, "dscale=%d", &n) == 1 && n >= 0 && n <= 1000000) {
		/* Not under scale_lock: sum_v0 takes it, and removal waits for readers. */
		return dscale_build(n, true);
	}
	if (sscanf(val, "lscale=%d", &n) == 1 && n >= 0 && n <= 1000000)
		return dscale_build(n, false);
	return -EINVAL;
}

static const struct kernel_param_ops scale_action_ops = {
	.set = scale_action,
};
module_param_cb(action, &scale_action_ops, NULL, 0200);
MODULE_PARM_DESC(action, "scale=N, dscale=N, lscale=N, add1, toggle=I");

static void __exit scale_exit(void)
{
	scale_free();
	dscale_free();
}
module_exit(scale_exit);

MODULE_DESCRIPTION("statsfs scale benchmark trees");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
