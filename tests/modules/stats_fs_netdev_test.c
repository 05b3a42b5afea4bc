// SPDX-License-Identifier: GPL-2.0
/*
 * Network devices whose every counter is known: field k (0 to 24) of struct
 * rtnl_link_stats64 of the device with ifindex i reads i * 1000 + k + 1, so
 * that in the in-guest tests a swapped offset, a missing field, or a sum
 * turned maximum shows. The devices drop what they are given to send.
 *
 * Write to /sys/module/stats_fs_netdev_test/parameters/action:
 *
 *   add=<name>   create a device called <name> in the initial namespace
 *   del=<name>   delete it
 *
 * What is left goes when the module unloads.
 */

#include <linux/etherdevice.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#define NETDEV_TEST_FIELDS (sizeof(struct rtnl_link_stats64) / sizeof(u64))

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

static int netdev_test_add(const char *name)
{
	struct netdev_test_dev *d = kzalloc(sizeof(*d), GFP_KERNEL);
	int err = -ENOMEM;

	if (!d)
		return err;
	d->dev = alloc_netdev(0, name, NET_NAME_USER, netdev_test_setup);
	if (!d->dev)
		goto err_free;
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

static int netdev_test_action(const char *val, const struct kernel_param *kp)
{
	char name[IFNAMSIZ];
	int err;

	if (sscanf(val, "add=%15s", name) == 1)
		return netdev_test_add(name);
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
MODULE_PARM_DESC(action, "add=<name>, del=<name>");

static void __exit netdev_test_exit(void)
{
	struct netdev_test_dev *d, *next;

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
