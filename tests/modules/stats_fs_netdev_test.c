// SPDX-License-Identifier: GPL-2.0
/*
 * Network devices whose every counter is known: field k (0 to 24) of struct
 * rtnl_link_stats64 of the device with ifindex i reads i * 1000 + k + 1, so
 * that in the in-guest tests a swapped offset, a missing field, or a sum
 * turned maximum shows. The devices drop what they are given to send.
 *
 * Devices with queue statistics (netdev_stat_ops) too, for statsfs_net's
 * queues/: 8 rx and 8 tx queues, 4 of each live at first. Field k of struct
 * netdev_queue_stats_rx of rx queue q reads
 *
 *   ifindex * 10000000 + qgen * 100000 + (q + 1) * 1000 + k + 1
 *
 * tx queue q's fields 100 more; the base stats (get_base_stats) read 500 +
 * k + 1 (rx) and 600 + k + 1 (tx) in place of (q + 1) * 1000 + k + 1. Some
 * fields are left unset, as a driver that does not collect them leaves them:
 * rx hw_gro_wire_bytes and hw_drop_ratelimits and tx wake in the queues, rx
 * csum_bad and tx hw_drop_ratelimits in the base (so the device has no total
 * of them). The ops check that they run under the lock the core promises
 * (lockdep) and only for live queues.
 *
 * Write to /sys/module/stats_fs_netdev_test/parameters/action:
 *
 *   add=<name>    create a device called <name> in the initial namespace
 *   addq=<name>   one with queue statistics, its ops under RTNL
 *   addql=<name>  one with queue statistics, ops-locked (request_ops_lock)
 *   queues=<name>:<rx>:<tx>
 *                 set its live queue counts, under RTNL and its ops lock
 *   hold=<name>:<ms>
 *                 hold the lock its stat ops run under (its instance lock if
 *                 ops-locked, else RTNL) for <ms> milliseconds
 *   del=<name>    delete it
 *
 * and to parameters/qgen a number below 100 to change every queue statistic.
 * What is left goes when the module unloads.
 */

#include <linux/etherdevice.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/netdev_lock.h>
#include <net/netdev_queues.h>

#define NETDEV_TEST_FIELDS (sizeof(struct rtnl_link_stats64) / sizeof(u64))
#define NETDEV_TEST_QUEUES 8

static unsigned int netdev_test_qgen;
module_param_named(qgen, netdev_test_qgen, uint, 0644);
MODULE_PARM_DESC(qgen, "changes every queue statistic (below 100)");

static void netdev_test_get_stats64(struct net_device *dev,
				    struct rtnl_link_stats64 *stats)
{
	u64 *field = (u64 *)stats;
	size_t k;

	for (k = 0; k < NETDEV_TEST_FIELDS; k++)
		field[k] = (u64)dev->ifindex * 1000 + k + 1;
}

static netdev_tx_t netdev_test_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops netdev_test_ops = {
	.ndo_start_xmit = netdev_test_xmit,
	.ndo_get_stats64 = netdev_test_get_stats64,
};

/* Fills the @n u64 fields of @stats but those in @unset; @at is q's part. */
static void netdev_test_fill(struct net_device *dev, void *stats, size_t n,
			     unsigned int at, u32 unset)
{
	u64 *field = stats;
	size_t k;

	for (k = 0; k < n; k++)
		if (!(unset & BIT(k)))
			field[k] = (u64)dev->ifindex * 10000000 +
				   READ_ONCE(netdev_test_qgen) * 100000 + at + k + 1;
}

#define NETDEV_TEST_RX_FIELDS (sizeof(struct netdev_queue_stats_rx) / sizeof(u64))
#define NETDEV_TEST_TX_FIELDS (sizeof(struct netdev_queue_stats_tx) / sizeof(u64))
#define NETDEV_TEST_FIELD(dir, f) \
	BIT(offsetof(struct netdev_queue_stats_##dir, f) / sizeof(u64))

static void netdev_test_queue_rx(struct net_device *dev, int idx,
				 struct netdev_queue_stats_rx *rx)
{
	netdev_assert_locked_ops_compat(dev);
	WARN_ON_ONCE(idx < 0 || idx >= dev->real_num_rx_queues);
	netdev_test_fill(dev, rx, NETDEV_TEST_RX_FIELDS, (idx + 1) * 1000,
			 NETDEV_TEST_FIELD(rx, hw_gro_wire_bytes) |
			 NETDEV_TEST_FIELD(rx, hw_drop_ratelimits));
}

static void netdev_test_queue_tx(struct net_device *dev, int idx,
				 struct netdev_queue_stats_tx *tx)
{
	netdev_assert_locked_ops_compat(dev);
	WARN_ON_ONCE(idx < 0 || idx >= dev->real_num_tx_queues);
	netdev_test_fill(dev, tx, NETDEV_TEST_TX_FIELDS, (idx + 1) * 1000 + 100,
			 NETDEV_TEST_FIELD(tx, wake));
}

static void netdev_test_base(struct net_device *dev,
			     struct netdev_queue_stats_rx *rx,
			     struct netdev_queue_stats_tx *tx)
{
	netdev_assert_locked_ops_compat(dev);
	netdev_test_fill(dev, rx, NETDEV_TEST_RX_FIELDS, 500,
			 NETDEV_TEST_FIELD(rx, csum_bad));
	netdev_test_fill(dev, tx, NETDEV_TEST_TX_FIELDS, 600,
			 NETDEV_TEST_FIELD(tx, hw_drop_ratelimits));
}

static const struct netdev_stat_ops netdev_test_stat_ops = {
	.get_queue_stats_rx = netdev_test_queue_rx,
	.get_queue_stats_tx = netdev_test_queue_tx,
	.get_base_stats = netdev_test_base,
};

/* The devices this module made; under RTNL. */
static LIST_HEAD(netdev_test_devs);

struct netdev_test_dev {
	struct list_head node;
	struct net_device *dev;
};

static void netdev_test_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &netdev_test_ops;
	eth_hw_addr_random(dev);
}

/* Adds device @name; with queue statistics if @queues, ops-locked if @locked. */
static int netdev_test_add(const char *name, bool queues, bool locked)
{
	struct netdev_test_dev *d = kzalloc(sizeof(*d), GFP_KERNEL);
	int err = -ENOMEM;

	if (!d)
		return err;
	d->dev = alloc_netdev_mqs(0, name, NET_NAME_USER, netdev_test_setup,
				  NETDEV_TEST_QUEUES, NETDEV_TEST_QUEUES);
	if (!d->dev)
		goto err_free;
	/* Before registration: no lock needed, cannot fail for 4 of 8. */
	netif_set_real_num_queues(d->dev, 4, 4);
	if (queues)
		d->dev->stat_ops = &netdev_test_stat_ops;
	d->dev->request_ops_lock = locked;
	rtnl_lock();
	err = register_netdevice(d->dev);
	if (!err)
		list_add(&d->node, &netdev_test_devs);
	rtnl_unlock();
	if (!err)
		return 0;
	free_netdev(d->dev);
err_free:
	kfree(d);
	return err;
}

/* Deletes the device called @name, wherever it moved; under RTNL. */
static int netdev_test_del(const char *name)
{
	struct netdev_test_dev *d;

	list_for_each_entry(d, &netdev_test_devs, node) {
		if (!strcmp(d->dev->name, name)) {
			list_del(&d->node);
			unregister_netdevice(d->dev);
			free_netdev(d->dev);
			kfree(d);
			return 0;
		}
	}
	return -ENOENT;
}

/* Sets the live queue counts of the device called @name; under RTNL. */
static int netdev_test_queues(const char *name, unsigned int rx, unsigned int tx)
{
	struct netdev_test_dev *d;
	int err;

	list_for_each_entry(d, &netdev_test_devs, node) {
		if (!strcmp(d->dev->name, name)) {
			netdev_lock_ops(d->dev);
			err = netif_set_real_num_queues(d->dev, tx, rx);
			netdev_unlock_ops(d->dev);
			return err;
		}
	}
	return -ENOENT;
}

/*
 * Whether hold= holds a device's ops lock now: from when it has it to its
 * release. In debugfs (stats_fs_netdev_test/held), not a module parameter:
 * hold= runs under the module's parameter lock, which reading a parameter
 * would wait for.
 */
static bool held;
static struct dentry *netdev_test_debugfs;

/* Holds the lock for @ms ms, telling the readers of held. */
static void netdev_test_hold_now(unsigned int ms)
{
	WRITE_ONCE(held, true);
	msleep(ms);
	WRITE_ONCE(held, false);
}

/* Holds the ops lock of the device called @name for @ms ms; under RTNL. */
static int netdev_test_hold(const char *name, unsigned int ms)
{
	struct netdev_test_dev *d;
	struct net_device *dev;

	list_for_each_entry(d, &netdev_test_devs, node) {
		dev = d->dev;
		if (strcmp(dev->name, name))
			continue;
		if (!netdev_need_ops_lock(dev)) {
			netdev_test_hold_now(ms);
			return 0;
		}
		/* The device cannot go: deleting it needs its lock. */
		netdev_lock(dev);
		rtnl_unlock();
		netdev_test_hold_now(ms);
		netdev_unlock(dev);
		rtnl_lock();
		return 0;
	}
	return -ENOENT;
}

static int netdev_test_action(const char *val, const struct kernel_param *kp)
{
	char name[IFNAMSIZ];
	unsigned int rx, tx, ms;
	int err;

	if (sscanf(val, "add=%15s", name) == 1)
		return netdev_test_add(name, false, false);
	if (sscanf(val, "addq=%15s", name) == 1)
		return netdev_test_add(name, true, false);
	if (sscanf(val, "addql=%15s", name) == 1)
		return netdev_test_add(name, true, true);
	if (sscanf(val, "queues=%15[^:]:%u:%u", name, &rx, &tx) == 3) {
		rtnl_lock();
		err = netdev_test_queues(name, rx, tx);
		rtnl_unlock();
		return err;
	}
	if (sscanf(val, "hold=%15[^:]:%u", name, &ms) == 2 && ms <= 10000) {
		rtnl_lock();
		err = netdev_test_hold(name, ms);
		rtnl_unlock();
		return err;
	}
	if (sscanf(val, "del=%15s", name) == 1) {
		rtnl_lock();
		err = netdev_test_del(name);
		rtnl_unlock();
		return err;
	}
	return -EINVAL;
}

static const struct kernel_param_ops netdev_test_action_ops = {
	.set = netdev_test_action,
};
module_param_cb(action, &netdev_test_action_ops, NULL, 0200);
MODULE_PARM_DESC(action, "add=<name>, addq=<name>, addql=<name>, queues=<name>:<rx>:<tx>, hold=<name>:<ms>, del=<name>");

static int __init netdev_test_init(void)
{
	netdev_test_debugfs = debugfs_create_dir("stats_fs_netdev_test", NULL);
	debugfs_create_bool("held", 0444, netdev_test_debugfs, &held);
	return 0;
}
module_init(netdev_test_init);

static void __exit netdev_test_exit(void)
{
	struct netdev_test_dev *d, *next;

	debugfs_remove_recursive(netdev_test_debugfs);

	rtnl_lock();
	list_for_each_entry_safe(d, next, &netdev_test_devs, node) {
		list_del(&d->node);
		unregister_netdevice(d->dev);
		free_netdev(d->dev);
		kfree(d);
	}
	rtnl_unlock();
}
module_exit(netdev_test_exit);

MODULE_DESCRIPTION("statsfs tests: network devices with known counters");
MODULE_LICENSE("GPL");
