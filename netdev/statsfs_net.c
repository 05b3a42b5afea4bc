// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs_net: the statistics of every network device, in statsfs.
 *
 *   net/                     every field summed over all devices of all
 *                            network namespaces (loopback included)
 *   net/<ifname>/            a device of the initial namespace
 *   net/net:[<inum>]/        the sum over the devices of another namespace,
 *                            named as /proc/<pid>/ns/net names it
 *   net/net:[<inum>]/<ifname>/  a device of that namespace
 *
 * Interface names cannot contain ':', so a namespace's directory never
 * collides with a device's. Each value is a field of struct
 * rtnl_link_stats64, read through dev_get_stats(), which folds drivers'
 * per-CPU counters; they are read-only, as the kernel has no way to clear
 * a device's counters.
 *
 * The module follows devices through netdevice notifiers (register,
 * unregister, rename; a move to another namespace is an unregister and a
 * register) and namespaces through pernet operations. It uses nothing of
 * statsfs but <linux/stats_fs.h>.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/stats_fs.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/* Reads one field of the device's struct rtnl_link_stats64. */
static u64 statsfs_net_get(struct stats_fs_value *val, void *base)
{
	struct rtnl_link_stats64 stats;

	dev_get_stats(base, &stats);
	return *(u64 *)((u8 *)&stats + val->offset);
}

/* No clear: the kernel cannot reset a device's counters. */
static const struct stats_fs_type statsfs_net_type = {
	.get = statsfs_net_get,
	.size = sizeof(u64),
};

#define NET_STAT(field, u)						\
	{								\
		.name = #field,						\
		.offset = offsetof(struct rtnl_link_stats64, field),	\
		.type = &statsfs_net_type,				\
		.aggr_kind = STATS_FS_SUM,				\
		.kind = STATS_FS_KIND_CUMULATIVE,			\
		.unit = STATS_FS_UNIT_##u,				\
		.unit_base = STATS_FS_BASE_POW10,			\
	}

/* Every field of struct rtnl_link_stats64. */
static struct stats_fs_value statsfs_net_values[] = {
	NET_STAT(rx_packets, NONE),
	NET_STAT(tx_packets, NONE),
	NET_STAT(rx_bytes, BYTES),
	NET_STAT(tx_bytes, BYTES),
	NET_STAT(rx_errors, NONE),
	NET_STAT(tx_errors, NONE),
	NET_STAT(rx_dropped, NONE),
	NET_STAT(tx_dropped, NONE),
	NET_STAT(multicast, NONE),
	NET_STAT(collisions, NONE),
	NET_STAT(rx_length_errors, NONE),
	NET_STAT(rx_over_errors, NONE),
	NET_STAT(rx_crc_errors, NONE),
	NET_STAT(rx_frame_errors, NONE),
	NET_STAT(rx_fifo_errors, NONE),
	NET_STAT(rx_missed_errors, NONE),
	NET_STAT(tx_aborted_errors, NONE),
	NET_STAT(tx_carrier_errors, NONE),
	NET_STAT(tx_fifo_errors, NONE),
	NET_STAT(tx_heartbeat_errors, NONE),
	NET_STAT(tx_window_errors, NONE),
	NET_STAT(rx_compressed, NONE),
	NET_STAT(tx_compressed, NONE),
	NET_STAT(rx_nohandler, NONE),
	NET_STAT(rx_otherhost_dropped, NONE),
	{ .name = NULL },
};

/* net/ */
static struct stats_fs_source *statsfs_net_root;

/* Per namespace: the source its devices hang from (net/ for init_net). */
struct statsfs_net_ns {
	struct stats_fs_source *source;
};

static unsigned int statsfs_net_id __read_mostly;

/* Per published device; under RTNL. */
struct statsfs_net_dev {
	struct hlist_node node;
	struct net_device *dev;
	netdevice_tracker tracker;
	struct stats_fs_source *source;
};

static DEFINE_HASHTABLE(statsfs_net_devs, 8);

static struct statsfs_net_dev *statsfs_net_dev_find(struct net_device *dev)
{
	struct statsfs_net_dev *d;

	hash_for_each_possible(statsfs_net_devs, d, node, (unsigned long)dev)
		if (d->dev == dev)
			return d;
	return NULL;
}

/* Takes a device's source out of statsfs: it never reads the device again. */
static void statsfs_net_unpublish(struct stats_fs_source *source)
{
	stats_fs_source_revoke(source);
	stats_fs_source_remove(source);
	stats_fs_source_put(source);
}

/* A source for @dev under its namespace's, named after it; or an error pointer. */
static struct stats_fs_source *statsfs_net_publish(struct net_device *dev)
{
	struct statsfs_net_ns *ns = net_generic(dev_net(dev), statsfs_net_id);
	struct stats_fs_source *source;
	int err;

	if (!ns->source)
		return ERR_PTR(-ENOENT);
	source = stats_fs_source_create(0, "%s", dev->name);
	if (IS_ERR(source))
		return source;
	err = stats_fs_source_add_values(source, statsfs_net_values, dev, 0);
	if (!err)
		err = stats_fs_source_add_subordinate(ns->source, source);
	if (err) {
		stats_fs_source_put(source);
		return ERR_PTR(err);
	}
	return source;
}

static void statsfs_net_register(struct net_device *dev)
{
	struct statsfs_net_dev *d;

	d = kzalloc_obj(*d);
	if (!d) {
		pr_warn("%s: not published: out of memory\n", dev->name);
		return;
	}
	d->source = statsfs_net_publish(dev);
	if (IS_ERR(d->source)) {
		/* A name statsfs refuses (not printable ASCII), or no memory. */
		pr_warn_ratelimited("%s: not published: %pe\n", dev->name, d->source);
		kfree(d);
		return;
	}
	d->dev = dev;
	netdev_hold(dev, &d->tracker, GFP_KERNEL);
	hash_add(statsfs_net_devs, &d->node, (unsigned long)dev);
}

static void statsfs_net_unregister(struct statsfs_net_dev *d)
{
	hash_del(&d->node);
	statsfs_net_unpublish(d->source);
	netdev_put(d->dev, &d->tracker);
	kfree(d);
}

/* The directory follows the name: a new source, then the old one goes. */
static void statsfs_net_rename(struct statsfs_net_dev *d)
{
	struct stats_fs_source *source = statsfs_net_publish(d->dev);

	if (IS_ERR(source)) {
		pr_warn("%s: not published after rename: %pe\n", d->dev->name, source);
		statsfs_net_unregister(d);
		return;
	}
	statsfs_net_unpublish(d->source);
	d->source = source;
}

static int statsfs_net_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct statsfs_net_dev *d;

	ASSERT_RTNL();
	d = statsfs_net_dev_find(dev);
	switch (event) {
	case NETDEV_REGISTER:
		if (!d)
			statsfs_net_register(dev);
		break;
	case NETDEV_UNREGISTER:
		if (d)
			statsfs_net_unregister(d);
		break;
	case NETDEV_CHANGENAME:
		if (d)
			statsfs_net_rename(d);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block statsfs_net_notifier = {
	.notifier_call = statsfs_net_event,
};

static int __net_init statsfs_net_ns_init(struct net *net)
{
	struct statsfs_net_ns *ns = net_generic(net, statsfs_net_id);
	struct stats_fs_source *source;
	int err;

	if (net_eq(net, &init_net)) {
		stats_fs_source_get(statsfs_net_root);
		ns->source = statsfs_net_root;
		return 0;
	}
	source = stats_fs_source_create(0, "net:[%u]", net->ns.inum);
	if (IS_ERR(source))
		return PTR_ERR(source);
	err = stats_fs_source_add_values(source, statsfs_net_values, NULL, 0);
	if (!err)
		err = stats_fs_source_add_subordinate(statsfs_net_root, source);
	if (err) {
		stats_fs_source_put(source);
		return err;
	}
	ns->source = source;
	return 0;
}

static void __net_exit statsfs_net_ns_exit(struct net *net)
{
	struct statsfs_net_ns *ns = net_generic(net, statsfs_net_id);

	/* Its devices are gone: devices' pernet exits run before subsystems'. */
	if (net_eq(net, &init_net))
		stats_fs_source_put(ns->source);
	else
		statsfs_net_unpublish(ns->source);
	ns->source = NULL;
}

static struct pernet_operations statsfs_net_ops = {
	.init = statsfs_net_ns_init,
	.exit = statsfs_net_ns_exit,
	.id = &statsfs_net_id,
	.size = sizeof(struct statsfs_net_ns),
};

static int __init statsfs_net_init(void)
{
	int err;

	statsfs_net_root = stats_fs_source_create(0, "net");
	if (IS_ERR(statsfs_net_root))
		return PTR_ERR(statsfs_net_root);
	err = stats_fs_source_add_values(statsfs_net_root, statsfs_net_values,
					 NULL, 0);
	if (!err)
		err = stats_fs_source_register(statsfs_net_root);
	if (err)
		goto err_root;

	/* Every namespace, then every device: both calls replay what exists. */
	err = register_pernet_subsys(&statsfs_net_ops);
	if (err)
		goto err_root;
	err = register_netdevice_notifier(&statsfs_net_notifier);
	if (err)
		goto err_pernet;
	return 0;

err_pernet:
	unregister_pernet_subsys(&statsfs_net_ops);
err_root:
	stats_fs_source_put(statsfs_net_root);
	return err;
}

static void __exit statsfs_net_exit(void)
{
	/* Replays NETDEV_UNREGISTER for every device: each is unpublished. */
	unregister_netdevice_notifier(&statsfs_net_notifier);
	unregister_pernet_subsys(&statsfs_net_ops);
	/* The last reference: net/ is revoked and unregistered. */
	stats_fs_source_put(statsfs_net_root);
}

module_init(statsfs_net_init);
module_exit(statsfs_net_exit);

MODULE_DESCRIPTION("The statistics of network devices in statsfs");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
