// SPDX-License-Identifier: GPL-2.0
/*
 * A C module that publishes its own counters in statsfs: one directory per
 * device under /sys/kernel/stats/c_sample/, and aggregates over all devices in
 * /sys/kernel/stats/c_sample/ itself. The worked example of
 * Documentation/filesystems/stats_fs.rst.
 */

#include <linux/module.h>
#include <linux/stats_fs.h>

struct sample_dev {
	u64 rx_packets;
	u64 rx_errors;
	s32 temperature;
	struct stats_fs_source *stats;
};

/* One array describes the values of every device; aggregates match on it. */
static struct stats_fs_value sample_dev_values[] = {
	{ .name = "rx_packets", .offset = offsetof(struct sample_dev, rx_packets),
	  .type = &stats_fs_type_u64, .aggr_kind = STATS_FS_SUM },
	{ .name = "rx_errors", .offset = offsetof(struct sample_dev, rx_errors),
	  .type = &stats_fs_type_u64, .aggr_kind = STATS_FS_SUM },
	{ .name = "temperature", .offset = offsetof(struct sample_dev, temperature),
	  .type = &stats_fs_type_s32, .aggr_kind = STATS_FS_MAX,
	  .value_flag = STATS_FS_FLOATING_VALUE },
	{ .name = NULL },
};

static struct stats_fs_source *sample_root;
static struct sample_dev sample_devs[2];

static int __init stats_fs_c_sample_init(void)
{
	u64 total;
	int i, err;

	sample_root = stats_fs_source_create(0, "c_sample");
	if (IS_ERR(sample_root))
		return PTR_ERR(sample_root);
	/* A NULL base: these are aggregates over the subtree. */
	err = stats_fs_source_add_values(sample_root, sample_dev_values, NULL, 0);
	if (err)
		goto out_root;

	for (i = 0; i < ARRAY_SIZE(sample_devs); i++) {
		struct sample_dev *dev = &sample_devs[i];

		dev->stats = stats_fs_source_create(0, "dev%d", i);
		if (IS_ERR(dev->stats)) {
			err = PTR_ERR(dev->stats);
			goto out_devs;
		}
		err = stats_fs_source_add_values(dev->stats, sample_dev_values, dev, 0);
		if (!err)
			err = stats_fs_source_add_subordinate(sample_root, dev->stats);
		if (err) {
			stats_fs_source_put(dev->stats);
			goto out_devs;
		}
		/* The hot path: a plain memory write, statsfs is not involved. */
		WRITE_ONCE(dev->rx_packets, 100 * (i + 1));
		WRITE_ONCE(dev->temperature, 40 + i);
	}

	err = stats_fs_source_register(sample_root);
	if (err)
		goto out_devs;

	/* Check the aggregate, so that loading the sample tests the API. */
	err = stats_fs_source_get_value_by_name(sample_root, "rx_packets", &total);
	if (!err && total != 300)
		err = -EINVAL;
	if (err)
		goto out_devs;
	pr_info("published /sys/kernel/stats/c_sample: rx_packets %llu\n", total);
	return 0;

out_devs:
	while (--i >= 0) {
		stats_fs_source_revoke(sample_devs[i].stats);
		stats_fs_source_put(sample_devs[i].stats);
	}
out_root:
	stats_fs_source_put(sample_root);
	return err;
}

static void __exit stats_fs_c_sample_exit(void)
{
	int i;

	/* Stop statsfs reading the devices before their memory goes away. */
	for (i = 0; i < ARRAY_SIZE(sample_devs); i++) {
		stats_fs_source_revoke(sample_devs[i].stats);
		stats_fs_source_put(sample_devs[i].stats);
	}
	/* The last reference: unregisters the root and drops the devices. */
	stats_fs_source_put(sample_root);
}

module_init(stats_fs_c_sample_init);
module_exit(stats_fs_c_sample_exit);

MODULE_DESCRIPTION("statsfs C sample: publish counters");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
