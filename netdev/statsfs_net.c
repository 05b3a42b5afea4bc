// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs_net: the statistics of every network device, in statsfs.
 *
 * Each network namespace has a tree of its own, registered for that
 * namespace only (stats_fs_source_register_net()): a mount of statsfs shows
 * the devices of the namespace it was made in, as sysfs does, and nothing of
 * any other.
 *
 *   net/                  every field, summed over the namespace's devices
 *                         that carry their own traffic (see below)
 *   net/dev/<ifname>/     one device: every field of its struct
 *                         rtnl_link_stats64, and its ifindex
 *
 * Devices have a directory of their own (dev/), so that no device name can
 * shadow an aggregate of net/. The module follows devices by their struct
 * net_device, not their names: a rename moves the directory (the old path
 * goes first), and a name reused by another device comes with that device's
 * ifindex.
 *
 * Every read of a device's values (one file, or the whole directory in one
 * .values or .stats record) takes one snapshot: dev_get_stats() once, under
 * rcu_read_lock() and only while the device is registered, as sysfs does. The
 * values are read-only: the kernel has no way to clear a device's counters.
 *
 * What net/ sums: the devices that are not loopback and not stacked on another
 * device (a VLAN, a bond or a bridge, whose traffic is that of their lower
 * devices, counted there). Both ends of a veth pair count: one's tx is the
 * other's rx. A device that gains or loses a lower device moves in or out of
 * the sums.
 *
 * The module follows devices through netdevice notifiers (register,
 * unregister, rename, upper changes; a move to another namespace is an
 * unregister and a register) and namespaces through pernet operations. It uses
 * nothing of statsfs but <linux/stats_fs.h>.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/stats_fs.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/* One snapshot of a device's counters, in the buffer statsfs gives. */
static void statsfs_net_snapshot(void *base, void *buf)
{
	struct net_device *dev = base;

	rcu_read_lock();
	if (READ_ONCE(dev->reg_state) <= NETREG_REGISTERED)
		dev_get_stats(dev, buf);
	rcu_read_unlock();
}

#define NET_STAT(field, u)						\
	{								\
		.name = #field,						\
		.offset = offsetof(struct rtnl_link_stats64, field),	\
		.type = &stats_fs_type_u64,				\
		.aggr_kind = STATS_FS_SUM,				\
		.kind = STATS_FS_KIND_CUMULATIVE,			\
		.unit = STATS_FS_UNIT_##u,				\
		.unit_base = STATS_FS_BASE_POW10,			\
	}

/* Every field of struct rtnl_link_stats64, at its offset in the snapshot. */
static const struct stats_fs_value statsfs_net_summed[] = {
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

/*
 * The same values, in another array: net/ aggregates the groups added from
 * statsfs_net_summed, the devices it sums; the others' come from this copy.
 */
static const struct stats_fs_value *statsfs_net_unsummed;

/* The device's ifindex, read at the device. */
static const struct stats_fs_value statsfs_net_ifindex[] = {
	{
		.name = "ifindex",
		.offset = offsetof(struct net_device, ifindex),
		.type = &stats_fs_type_s32,
		.aggr_kind = STATS_FS_NONE,
		.value_flag = STATS_FS_FLOATING_VALUE,
		.kind = STATS_FS_KIND_INSTANT,
	},
	{ .name = NULL },
};

/* Per namespace: net/ and net/dev/. */
struct statsfs_net_ns {
	struct stats_fs_source *root;
	struct stats_fs_source *devs;
};

static unsigned int statsfs_net_id __read_mostly;

/* Per published device; under RTNL. */
struct statsfs_net_dev {
	struct hlist_node node;
	struct net_device *dev;
	netdevice_tracker tracker;
	struct stats_fs_source *source;
	const struct stats_fs_value *values;	/* summed or unsummed */
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

/* The array @dev's values come from: whether net/ sums them. Under RTNL. */
static const struct stats_fs_value *statsfs_net_values_of(struct net_device *dev)
{
	struct list_head *iter = dev->adj_list.lower.next;

	/* Loopback, or stacked on a lower device: a VLAN, a bond, a bridge. */
	if (dev->flags & IFF_LOOPBACK || netdev_lower_get_next(dev, &iter))
		return statsfs_net_unsummed;
	return statsfs_net_summed;
}

static int statsfs_net_add_counters(struct stats_fs_source *source,
				    const struct stats_fs_value *values,
				    void *base)
{
	return stats_fs_source_add_snapshot(source, values, base,
					    statsfs_net_snapshot,
					    sizeof(struct rtnl_link_stats64), 0);
}

/* Takes a source out of statsfs: it never reads the device again. */
static void statsfs_net_unpublish(struct stats_fs_source *source)
{
	stats_fs_source_revoke(source);
	stats_fs_source_remove(source);
	stats_fs_source_put(source);
}

/* Publishes @d's device in its namespace's net/dev/, named after it. */
static int statsfs_net_publish(struct statsfs_net_dev *d)
{
	struct statsfs_net_ns *ns = net_generic(dev_net(d->dev), statsfs_net_id);
	struct stats_fs_source *source;
	int err;

	if (!ns->devs)
		return -ENOENT;
	source = stats_fs_source_create(0, "%s", d->dev->name);
	if (IS_ERR(source))
		return PTR_ERR(source);
	d->values = statsfs_net_values_of(d->dev);
	err = statsfs_net_add_counters(source, d->values, d->dev);
	if (!err)
		err = stats_fs_source_add_values(source, statsfs_net_ifindex,
						 d->dev, 0);
	if (!err)
		err = stats_fs_source_add_subordinate(ns->devs, source);
	if (err) {
		stats_fs_source_put(source);
		return err;
	}
	d->source = source;
	return 0;
}

static void statsfs_net_register(struct net_device *dev)
{
	struct statsfs_net_dev *d;
	int err;

	d = kzalloc_obj(*d);
	if (!d) {
		pr_warn("%s: not published: out of memory\n", dev->name);
		return;
	}
	d->dev = dev;
	err = statsfs_net_publish(d);
	if (err) {
		/* A name statsfs refuses (".x"), or no memory. */
		pr_warn_ratelimited("%s: not published: %pe\n", dev->name, ERR_PTR(err));
		kfree(d);
		return;
	}
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

/* The directory follows the name: the old one goes, then the new one comes. */
static void statsfs_net_rename(struct statsfs_net_dev *d)
{
	int err;

	statsfs_net_unpublish(d->source);
	d->source = NULL;
	err = statsfs_net_publish(d);
	if (err) {
		pr_warn("%s: not published after rename: %pe\n", d->dev->name,
			ERR_PTR(err));
		hash_del(&d->node);
		netdev_put(d->dev, &d->tracker);
		kfree(d);
	}
}

/* A device gained or lost a lower device: in or out of net/'s sums. */
static void statsfs_net_restack(struct statsfs_net_dev *d)
{
	const struct stats_fs_value *values = statsfs_net_values_of(d->dev);
	int err;

	if (values == d->values)
		return;
	err = stats_fs_source_remove_values(d->source, d->values, d->dev);
	if (!err)
		err = statsfs_net_add_counters(d->source, values, d->dev);
	if (err) {
		pr_warn("%s: counters not published: %pe\n", d->dev->name,
			ERR_PTR(err));
		d->values = NULL;
		return;
	}
	d->values = values;
}

static int statsfs_net_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct netdev_notifier_changeupper_info *info = ptr;
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
	case NETDEV_CHANGEUPPER:
		/* @dev is the lower device; the upper one's stacking changed. */
		d = statsfs_net_dev_find(info->upper_dev);
		if (d && d->values)
			statsfs_net_restack(d);
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
	struct stats_fs_source *root, *devs;
	int err;

	root = stats_fs_source_create(0, "net");
	if (IS_ERR(root))
		return PTR_ERR(root);
	devs = stats_fs_source_create(0, "dev");
	if (IS_ERR(devs)) {
		stats_fs_source_put(root);
		return PTR_ERR(devs);
	}
	err = statsfs_net_add_counters(root, statsfs_net_summed, NULL);
	if (!err)
		err = stats_fs_source_add_subordinate(root, devs);
	if (!err)
		err = stats_fs_source_register_net(root, net);
	if (err) {
		stats_fs_source_put(devs);
		stats_fs_source_put(root);
		return err;
	}
	ns->root = root;
	ns->devs = devs;
	return 0;
}

static void __net_exit statsfs_net_ns_exit(struct net *net)
{
	struct statsfs_net_ns *ns = net_generic(net, statsfs_net_id);

	/* Its devices are gone: devices' pernet exits run before subsystems'. */
	stats_fs_source_put(ns->devs);
	statsfs_net_unpublish(ns->root);
	ns->devs = NULL;
	ns->root = NULL;
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

	BUILD_BUG_ON(sizeof(struct rtnl_link_stats64) > STATS_FS_SNAPSHOT_MAX);
	statsfs_net_unsummed = kmemdup(statsfs_net_summed,
				       sizeof(statsfs_net_summed), GFP_KERNEL);
	if (!statsfs_net_unsummed)
		return -ENOMEM;
	/* Every namespace, then every device: both calls replay what exists. */
	err = register_pernet_subsys(&statsfs_net_ops);
	if (err)
		goto err_free;
	err = register_netdevice_notifier(&statsfs_net_notifier);
	if (err)
		goto err_pernet;
	return 0;

err_pernet:
	unregister_pernet_subsys(&statsfs_net_ops);
err_free:
	kfree(statsfs_net_unsummed);
	return err;
}

static void __exit statsfs_net_exit(void)
{
	/* Replays NETDEV_UNREGISTER for every device: each is unpublished. */
	unregister_netdevice_notifier(&statsfs_net_notifier);
	unregister_pernet_subsys(&statsfs_net_ops);
	/* Every group of it was revoked: statsfs never reads it again. */
	kfree(statsfs_net_unsummed);
}

module_init(statsfs_net_init);
module_exit(statsfs_net_exit);

MODULE_DESCRIPTION("The statistics of network devices in statsfs");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
