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
 *   net/dev/<ifname>/queues/
 *                         a device with netdev_stat_ops: its totals, as the
 *                         netdev netlink family's qstats-get reports them for
 *                         the device (base + live queues), and
 *     rx-<i>/, tx-<i>/    its live queues, as qstats-get reports each
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
 * Queue statistics (netdev_stat_ops) are read under the lock the ops need
 * (the instance lock of an ops-locked device, RTNL otherwise), which the
 * read path only ever trylocks: see "Queue statistics" below.
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
#include <linux/spinlock.h>
#include <linux/stats_fs.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netdev_lock.h>
#include <net/netdev_queues.h>
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

/* A u64 counter called @_name at @field of struct @_struct, summed, counting @u. */
#define STATSFS_NET_COUNTER(_name, _struct, field, u)			\
	{								\
		.name = _name,						\
		.offset = offsetof(struct _struct, field),		\
		.type = &stats_fs_type_u64,				\
		.aggr_kind = STATS_FS_SUM,				\
		.kind = STATS_FS_KIND_CUMULATIVE,			\
		.unit = STATS_FS_UNIT_##u,				\
		.unit_base = STATS_FS_BASE_POW10,			\
	}

#define NET_STAT(field, u)						\
	STATSFS_NET_COUNTER(#field, rtnl_link_stats64, field, u)

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

/*
 * Queue statistics
 * ================
 *
 * A device with netdev_stat_ops gets net/dev/<ifname>/queues/: the device's
 * totals, and one directory per live queue, rx-<i>/ and tx-<i>/. The values
 * are those of the netdev netlink family's qstats-get, under the names of its
 * attributes (rx-packets is rx_packets):
 *
 * - rx-<i>/ and tx-<i>/ hold the fields the driver fills for its queues
 *   (probed as netdev-genl does: the structure filled with 0xff, a field the
 *   op leaves so is not collected), each read from get_queue_stats_rx() or
 *   get_queue_stats_tx() for that queue;
 * - queues/ holds the device's totals: get_base_stats() plus every live queue
 *   (index below real_num_{rx,tx}_queues), summed as qstats-get with device
 *   scope sums them (netdev_stat_queue_sum()), all of it in one snapshot under
 *   one hold of the lock, and only the fields get_base_stats() fills, which is
 *   how a driver says which totals are complete. A snapshot rather than an
 *   aggregate over the queue directories: its sum is over the queues live at
 *   that moment, even while the directories are being brought in line with a
 *   new queue count, and a field's "not collected" is honoured per queue.
 *
 * Locking. The ops run under the device's instance lock if
 * netdev_need_ops_lock(), else under RTNL (include/net/netdev_queues.h). A
 * snapshot callback runs under a statsfs active reference, and unregistering
 * the device waits for those (it revokes the groups) while holding RTNL, so a
 * callback that waited for RTNL or the instance lock could deadlock, and
 * would at least hold up unregistration. So callbacks only trylock: with the
 * lock, they call the ops and keep the result as the queue's last values;
 * without it, they return the last values, never waiting. The last values
 * are under statsfs_net_qstats.lock (a spinlock, taken with or without the
 * device's lock, never held across an op); a field the driver leaves unset in
 * one read keeps its last value, so nothing reads as 0 or goes backwards
 * because a lock was busy.
 *
 * Queue counts. Nothing announces a change of real_num_{rx,tx}_queues. A
 * callback that holds the device's lock and sees counts other than those
 * published asks for a resync, as does NETDEV_UP (drivers may fill their
 * fields only once up): it puts the device on statsfs_net_resync_list and
 * queues statsfs_net_resync_work. The work takes RTNL and then the device's
 * ops lock, with no statsfs reference held, and adds or removes queue
 * directories (and adds the fields seen for the first time). A device is
 * taken off the list under RTNL when it unregisters, after its groups are
 * revoked (no callback can put it back then), so the work, which also holds
 * RTNL, never sees a device that has gone.
 */

/* A field a driver did not fill: netdev-genl's NETDEV_STAT_NOT_SET. */
#define STATSFS_NET_UNSET	(~0ULL)

#define QSTAT(dir, field, u)						\
	STATSFS_NET_COUNTER(#dir "_" #field, netdev_queue_stats_##dir, field, u)

/* Every field of struct netdev_queue_stats_rx. */
static const struct stats_fs_value statsfs_net_qstats_rx[] = {
	QSTAT(rx, bytes, BYTES),
	QSTAT(rx, packets, NONE),
	QSTAT(rx, alloc_fail, NONE),
	QSTAT(rx, hw_drops, NONE),
	QSTAT(rx, hw_drop_overruns, NONE),
	QSTAT(rx, csum_complete, NONE),
	QSTAT(rx, csum_unnecessary, NONE),
	QSTAT(rx, csum_none, NONE),
	QSTAT(rx, csum_bad, NONE),
	QSTAT(rx, hw_gro_packets, NONE),
	QSTAT(rx, hw_gro_bytes, BYTES),
	QSTAT(rx, hw_gro_wire_packets, NONE),
	QSTAT(rx, hw_gro_wire_bytes, BYTES),
	QSTAT(rx, hw_drop_ratelimits, NONE),
	{ .name = NULL },
};

/* Every field of struct netdev_queue_stats_tx. */
static const struct stats_fs_value statsfs_net_qstats_tx[] = {
	QSTAT(tx, bytes, BYTES),
	QSTAT(tx, packets, NONE),
	QSTAT(tx, hw_drops, NONE),
	QSTAT(tx, hw_drop_errors, NONE),
	QSTAT(tx, csum_none, NONE),
	QSTAT(tx, needs_csum, NONE),
	QSTAT(tx, hw_gso_packets, NONE),
	QSTAT(tx, hw_gso_bytes, BYTES),
	QSTAT(tx, hw_gso_wire_packets, NONE),
	QSTAT(tx, hw_gso_wire_bytes, BYTES),
	QSTAT(tx, hw_drop_ratelimits, NONE),
	QSTAT(tx, stop, NONE),
	QSTAT(tx, wake, NONE),
	{ .name = NULL },
};

#define STATSFS_NET_RX_FIELDS	(sizeof(struct netdev_queue_stats_rx) / sizeof(u64))
#define STATSFS_NET_TX_FIELDS	(sizeof(struct netdev_queue_stats_tx) / sizeof(u64))

/* The snapshot of queues/: the device's totals. */
struct statsfs_net_totals {
	struct netdev_queue_stats_rx rx;
	struct netdev_queue_stats_tx tx;
};

struct statsfs_net_dev;

/* One live queue, and its directory queues/rx-<idx>/ or tx-<idx>/. */
struct statsfs_net_queue {
	struct statsfs_net_dev *d;
	struct stats_fs_source *source;	/* NULL while not shown */
	unsigned int idx;
	bool tx;
	union {				/* last values, under qstats.lock */
		struct netdev_queue_stats_rx rx;
		struct netdev_queue_stats_tx tx;
	} last;
};

/* A device's queue statistics; all zero for a device without stat_ops. */
struct statsfs_net_qstats {
	/*
	 * Under RTNL and, for an ops-locked device, its instance lock (so that
	 * a callback holding either lock of the device sees them stable): the
	 * live queues (nrx, ntx: real_num_{rx,tx}_queues at the last resync),
	 * in slots for num_{rx,tx}_queues; the fields seen filled so far (bit
	 * k: u64 k of the structure) and the descriptor arrays made from them.
	 */
	struct statsfs_net_queue **rxq, **txq;
	unsigned int nrx, ntx;
	u32 rx_mask, tx_mask, base_rx_mask, base_tx_mask;
	struct stats_fs_value *rx_values, *tx_values, *total_values;
	/* Under RTNL: queues/, NULL while not shown. */
	struct stats_fs_source *dir;
	/* On statsfs_net_resync_list; under statsfs_net_resync_lock. */
	struct list_head resync_node;
	/* The last values of the totals and of every queue. */
	spinlock_t lock;
	struct statsfs_net_totals last;
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
	struct statsfs_net_qstats q;
};

static DEFINE_HASHTABLE(statsfs_net_devs, 8);

/* Devices whose queue directories to bring in line, by statsfs_net_resync_work. */
static LIST_HEAD(statsfs_net_resync_list);
static DEFINE_SPINLOCK(statsfs_net_resync_lock);
static void statsfs_net_resync_fn(struct work_struct *work);
static DECLARE_WORK(statsfs_net_resync_work, statsfs_net_resync_fn);

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

/* The fields of @stats (@n u64s) that the driver filled, as a mask. */
static u32 statsfs_net_filled(const void *stats, unsigned int n)
{
	const u64 *field = stats;
	unsigned int k;
	u32 mask = 0;

	for (k = 0; k < n; k++)
		if (field[k] != STATSFS_NET_UNSET)
			mask |= BIT(k);
	return mask;
}

/* Copies the fields of @stats (@n u64s) that the driver filled into @last. */
static void statsfs_net_keep(void *last, const void *stats, unsigned int n)
{
	const u64 *field = stats;
	u64 *keep = last;
	unsigned int k;

	for (k = 0; k < n; k++)
		if (field[k] != STATSFS_NET_UNSET)
			keep[k] = field[k];
}

/*
 * Whether @dev's stat ops may be called: under its ops lock, where reg_state
 * and moving_ns are stable.
 */
static bool statsfs_net_ops_live(struct net_device *dev)
{
	return READ_ONCE(dev->reg_state) == NETREG_REGISTERED && !dev->moving_ns;
}

/**
 * statsfs_net_trylock_ops() - Take the lock @dev's stat ops run under, if free.
 * @dev: The device.
 *
 * The instance lock if netdev_need_ops_lock(@dev), else RTNL; released with
 * netdev_unlock_ops_compat(). Its rtnl_unlock() runs netdev_run_todo(), which
 * finds nothing to do: every holder of RTNL that queues an unregistration
 * runs the list as it unlocks (__rtnl_unlock() warns otherwise), and a
 * statsfs callback queues none, so it never waits for a device's references.
 *
 * Context: Process context, from a statsfs callback: never waits.
 * Return: True if the lock was taken.
 */
static bool statsfs_net_trylock_ops(struct net_device *dev)
{
	if (netdev_need_ops_lock(dev))
		return netdev_trylock(dev);
	return rtnl_trylock();
}

/*
 * Reads queue @q from the driver into its last values, and returns the fields
 * filled. Under @q's device's ops lock; only for a live queue.
 */
static u32 statsfs_net_queue_read(struct statsfs_net_queue *q)
{
	struct net_device *dev = q->d->dev;
	const struct netdev_stat_ops *ops = dev->stat_ops;
	struct statsfs_net_qstats *qs = &q->d->q;
	union {
		struct netdev_queue_stats_rx rx;
		struct netdev_queue_stats_tx tx;
	} now;
	unsigned int n;
	u32 filled;

	netdev_assert_locked_ops_compat(dev);
	memset(&now, 0xff, sizeof(now));
	if (q->tx) {
		n = STATSFS_NET_TX_FIELDS;
		if (ops->get_queue_stats_tx && q->idx < dev->real_num_tx_queues)
			ops->get_queue_stats_tx(dev, q->idx, &now.tx);
	} else {
		n = STATSFS_NET_RX_FIELDS;
		if (ops->get_queue_stats_rx && q->idx < dev->real_num_rx_queues)
			ops->get_queue_stats_rx(dev, q->idx, &now.rx);
	}
	filled = statsfs_net_filled(&now, n);
	spin_lock(&qs->lock);
	statsfs_net_keep(&q->last, &now, n);
	spin_unlock(&qs->lock);
	return filled;
}

/*
 * Reads @d's totals as qstats-get does for the device into their last values,
 * and returns the fields get_base_stats() filled, rx in @rx_filled, tx in
 * @tx_filled. Under the device's ops lock.
 */
static void statsfs_net_totals_read(struct statsfs_net_dev *d, u32 *rx_filled,
				    u32 *tx_filled)
{
	struct net_device *dev = d->dev;
	struct statsfs_net_totals now;

	netdev_assert_locked_ops_compat(dev);
	*rx_filled = 0;
	*tx_filled = 0;
	if (!dev->stat_ops->get_base_stats)
		return;
	memset(&now, 0xff, sizeof(now));
	dev->stat_ops->get_base_stats(dev, &now.rx, &now.tx);
	*rx_filled = statsfs_net_filled(&now.rx, STATSFS_NET_RX_FIELDS);
	*tx_filled = statsfs_net_filled(&now.tx, STATSFS_NET_TX_FIELDS);
	/* Fields the base leaves unset stay so: the device has no total of them. */
	netdev_stat_queue_sum(dev, 0, dev->real_num_rx_queues, &now.rx,
			      0, dev->real_num_tx_queues, &now.tx);
	spin_lock(&d->q.lock);
	statsfs_net_keep(&d->q.last.rx, &now.rx, STATSFS_NET_RX_FIELDS);
	statsfs_net_keep(&d->q.last.tx, &now.tx, STATSFS_NET_TX_FIELDS);
	spin_unlock(&d->q.lock);
}

/* Asks statsfs_net_resync_work to bring @d's queue directories in line. */
static void statsfs_net_resync_request(struct statsfs_net_dev *d)
{
	spin_lock(&statsfs_net_resync_lock);
	if (list_empty(&d->q.resync_node))
		list_add_tail(&d->q.resync_node, &statsfs_net_resync_list);
	spin_unlock(&statsfs_net_resync_lock);
	queue_work(system_wq, &statsfs_net_resync_work);
}

/* Under @d's device's ops lock: whether its queue count changed. */
static void statsfs_net_check_counts(struct statsfs_net_dev *d)
{
	struct net_device *dev = d->dev;

	if (dev->real_num_rx_queues != d->q.nrx ||
	    dev->real_num_tx_queues != d->q.ntx)
		statsfs_net_resync_request(d);
}

/* The snapshot of a queue directory; never waits for a lock of the device. */
static void statsfs_net_queue_snapshot(void *base, void *buf)
{
	struct statsfs_net_queue *q = base;
	struct statsfs_net_dev *d = q->d;
	struct net_device *dev = d->dev;

	if (statsfs_net_trylock_ops(dev)) {
		if (statsfs_net_ops_live(dev)) {
			statsfs_net_queue_read(q);
			statsfs_net_check_counts(d);
		}
		netdev_unlock_ops_compat(dev);
	}
	spin_lock(&d->q.lock);
	memcpy(buf, &q->last, q->tx ? sizeof(q->last.tx) : sizeof(q->last.rx));
	spin_unlock(&d->q.lock);
}

/* The snapshot of queues/: the device's totals; never waits either. */
static void statsfs_net_totals_snapshot(void *base, void *buf)
{
	struct statsfs_net_dev *d = base;
	struct net_device *dev = d->dev;
	u32 rx_filled, tx_filled;

	if (statsfs_net_trylock_ops(dev)) {
		if (statsfs_net_ops_live(dev)) {
			statsfs_net_totals_read(d, &rx_filled, &tx_filled);
			statsfs_net_check_counts(d);
		}
		netdev_unlock_ops_compat(dev);
	}
	spin_lock(&d->q.lock);
	memcpy(buf, &d->q.last, sizeof(d->q.last));
	spin_unlock(&d->q.lock);
}

/*
 * The descriptors of @template whose field (u64 k of the structure) is in
 * @mask, their offsets moved by @shift, appended to @out at *@n.
 */
static void statsfs_net_pick(struct stats_fs_value *out, unsigned int *n,
			     const struct stats_fs_value *template, u32 mask,
			     int shift)
{
	const struct stats_fs_value *v;

	for (v = template; v->name; v++) {
		if (!(mask & BIT(v->offset / sizeof(u64))))
			continue;
		out[*n] = *v;
		out[*n].offset += shift;
		(*n)++;
	}
}

/* A descriptor array of the fields in @rx_mask and @tx_mask; NULL if none. */
static struct stats_fs_value *statsfs_net_values_for(u32 rx_mask, int rx_shift,
						     u32 tx_mask, int tx_shift)
{
	unsigned int n = hweight32(rx_mask) + hweight32(tx_mask);
	struct stats_fs_value *values;

	if (!n)
		return NULL;
	values = kcalloc(n + 1, sizeof(*values), GFP_KERNEL);
	if (!values)
		return ERR_PTR(-ENOMEM);
	n = 0;
	statsfs_net_pick(values, &n, statsfs_net_qstats_rx, rx_mask, rx_shift);
	statsfs_net_pick(values, &n, statsfs_net_qstats_tx, tx_mask, tx_shift);
	return values;
}

/* Shows queue @q in queues/, if the driver fills a field of its kind. */
static int statsfs_net_queue_publish(struct statsfs_net_queue *q)
{
	struct statsfs_net_qstats *qs = &q->d->q;
	const struct stats_fs_value *values = q->tx ? qs->tx_values : qs->rx_values;
	struct stats_fs_source *source;
	int err;

	if (!qs->dir || !values || q->source)
		return 0;
	source = stats_fs_source_create(0, "%s-%u", q->tx ? "tx" : "rx", q->idx);
	if (IS_ERR(source))
		return PTR_ERR(source);
	err = stats_fs_source_add_snapshot(source, values, q,
					   statsfs_net_queue_snapshot,
					   q->tx ? sizeof(q->last.tx) : sizeof(q->last.rx),
					   0);
	if (!err)
		err = stats_fs_source_add_subordinate(qs->dir, source);
	if (err) {
		stats_fs_source_put(source);
		return err;
	}
	q->source = source;
	return 0;
}

static void statsfs_net_queue_unpublish(struct statsfs_net_queue *q)
{
	if (q && q->source) {
		statsfs_net_unpublish(q->source);
		q->source = NULL;
	}
}

/* Takes queues/ and everything in it out of statsfs. Under RTNL. */
static void statsfs_net_qstats_unpublish(struct statsfs_net_dev *d)
{
	struct statsfs_net_qstats *qs = &d->q;
	unsigned int i;

	for (i = 0; i < qs->nrx; i++)
		statsfs_net_queue_unpublish(qs->rxq[i]);
	for (i = 0; i < qs->ntx; i++)
		statsfs_net_queue_unpublish(qs->txq[i]);
	if (qs->dir) {
		statsfs_net_unpublish(qs->dir);
		qs->dir = NULL;
	}
}

/*
 * Shows queues/ under @parent: the totals and every live queue. Under RTNL;
 * reads nothing from the driver (the last values are there already).
 */
static int statsfs_net_qstats_publish(struct statsfs_net_dev *d,
				      struct stats_fs_source *parent)
{
	struct statsfs_net_qstats *qs = &d->q;
	struct stats_fs_source *dir;
	unsigned int i;
	int err = 0;

	if (!d->dev->stat_ops)
		return 0;
	dir = stats_fs_source_create(0, "queues");
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	if (qs->total_values)
		err = stats_fs_source_add_snapshot(dir, qs->total_values, d,
						   statsfs_net_totals_snapshot,
						   sizeof(qs->last), 0);
	if (!err)
		err = stats_fs_source_add_subordinate(parent, dir);
	if (err) {
		stats_fs_source_put(dir);
		return err;
	}
	qs->dir = dir;
	for (i = 0; i < qs->nrx && !err; i++)
		err = statsfs_net_queue_publish(qs->rxq[i]);
	for (i = 0; i < qs->ntx && !err; i++)
		err = statsfs_net_queue_publish(qs->txq[i]);
	if (err)
		statsfs_net_qstats_unpublish(d);
	return err;
}

static struct statsfs_net_queue *statsfs_net_queue_new(struct statsfs_net_dev *d,
						       unsigned int idx, bool tx)
{
	struct statsfs_net_queue *q = kzalloc_obj(*q);

	if (q) {
		q->d = d;
		q->idx = idx;
		q->tx = tx;
	}
	return q;
}

/*
 * Brings @d's queues in line with the device: a struct for each live queue
 * (their directories, for those it adds, are the caller's), none past them
 * (their directories taken out first), every one read from the driver. Grows
 * the masks with the fields filled. Under RTNL and the device's ops lock.
 */
static int statsfs_net_qstats_update(struct statsfs_net_dev *d)
{
	struct statsfs_net_qstats *qs = &d->q;
	struct net_device *dev = d->dev;
	unsigned int i, nrx, ntx;
	u32 rx, tx;
	int err = 0;

	nrx = min(dev->real_num_rx_queues, dev->num_rx_queues);
	ntx = min(dev->real_num_tx_queues, dev->num_tx_queues);
	for (i = nrx; i < qs->nrx; i++) {
		statsfs_net_queue_unpublish(qs->rxq[i]);
		kfree(qs->rxq[i]);
		qs->rxq[i] = NULL;
	}
	for (i = ntx; i < qs->ntx; i++) {
		statsfs_net_queue_unpublish(qs->txq[i]);
		kfree(qs->txq[i]);
		qs->txq[i] = NULL;
	}
	for (i = qs->nrx; i < nrx && !err; i++) {
		qs->rxq[i] = statsfs_net_queue_new(d, i, false);
		err = qs->rxq[i] ? 0 : -ENOMEM;
		if (!err)
			qs->nrx = i + 1;
	}
	for (i = qs->ntx; i < ntx && !err; i++) {
		qs->txq[i] = statsfs_net_queue_new(d, i, true);
		err = qs->txq[i] ? 0 : -ENOMEM;
		if (!err)
			qs->ntx = i + 1;
	}
	qs->nrx = min(qs->nrx, nrx);
	qs->ntx = min(qs->ntx, ntx);
	for (i = 0; i < qs->nrx; i++)
		qs->rx_mask |= statsfs_net_queue_read(qs->rxq[i]);
	for (i = 0; i < qs->ntx; i++)
		qs->tx_mask |= statsfs_net_queue_read(qs->txq[i]);
	statsfs_net_totals_read(d, &rx, &tx);
	qs->base_rx_mask |= rx;
	qs->base_tx_mask |= tx;
	return err;
}

/* Makes @d's descriptor arrays anew from its masks. Under RTNL, unpublished. */
static int statsfs_net_qstats_values(struct statsfs_net_dev *d)
{
	struct statsfs_net_qstats *qs = &d->q;
	struct stats_fs_value *rx, *tx, *total;

	rx = statsfs_net_values_for(qs->rx_mask, 0, 0, 0);
	tx = statsfs_net_values_for(0, 0, qs->tx_mask, 0);
	total = statsfs_net_values_for(qs->base_rx_mask,
				       offsetof(struct statsfs_net_totals, rx),
				       qs->base_tx_mask,
				       offsetof(struct statsfs_net_totals, tx));
	if (IS_ERR(rx) || IS_ERR(tx) || IS_ERR(total)) {
		if (!IS_ERR(rx))
			kfree(rx);
		if (!IS_ERR(tx))
			kfree(tx);
		if (!IS_ERR(total))
			kfree(total);
		return -ENOMEM;
	}
	kfree(qs->rx_values);
	kfree(qs->tx_values);
	kfree(qs->total_values);
	qs->rx_values = rx;
	qs->tx_values = tx;
	qs->total_values = total;
	return 0;
}

/* Frees what statsfs_net_qstats_init() made; @d is unpublished. */
static void statsfs_net_qstats_free(struct statsfs_net_dev *d)
{
	struct statsfs_net_qstats *qs = &d->q;
	unsigned int i;

	for (i = 0; i < qs->nrx; i++)
		kfree(qs->rxq[i]);
	for (i = 0; i < qs->ntx; i++)
		kfree(qs->txq[i]);
	kfree(qs->rxq);
	kfree(qs->txq);
	kfree(qs->rx_values);
	kfree(qs->tx_values);
	kfree(qs->total_values);
}

/*
 * Finds what @d's device reports of its queues, and reads it once: at
 * NETDEV_REGISTER, under RTNL and the device's ops lock (register_netdevice()
 * and register_netdevice_notifier() hold both).
 */
static int statsfs_net_qstats_init(struct statsfs_net_dev *d)
{
	struct statsfs_net_qstats *qs = &d->q;
	struct net_device *dev = d->dev;
	int err;

	spin_lock_init(&qs->lock);
	INIT_LIST_HEAD(&qs->resync_node);
	if (!dev->stat_ops)
		return 0;
	netdev_assert_locked_ops_compat(dev);
	qs->rxq = kcalloc(dev->num_rx_queues, sizeof(*qs->rxq), GFP_KERNEL);
	qs->txq = kcalloc(dev->num_tx_queues, sizeof(*qs->txq), GFP_KERNEL);
	if (!qs->rxq || !qs->txq)
		return -ENOMEM;
	err = statsfs_net_qstats_update(d);
	if (!err)
		err = statsfs_net_qstats_values(d);
	return err;
}

/*
 * statsfs_net_resync_work for one device: under RTNL (which keeps @d), with no
 * statsfs reference held, so that it may take the device's ops lock and wait
 * for readers. The directories follow the queue count; fields seen for the
 * first time bring queues/ back with them.
 */
static void statsfs_net_resync(struct statsfs_net_dev *d)
{
	struct statsfs_net_qstats *qs = &d->q;
	struct net_device *dev = d->dev;
	u32 masks[4] = { qs->rx_mask, qs->tx_mask, qs->base_rx_mask,
			 qs->base_tx_mask };
	unsigned int i;
	int err, err2;

	netdev_lock_ops(dev);
	if (!statsfs_net_ops_live(dev))
		goto out;
	err = statsfs_net_qstats_update(d);
	if (masks[0] != qs->rx_mask || masks[1] != qs->tx_mask ||
	    masks[2] != qs->base_rx_mask || masks[3] != qs->base_tx_mask) {
		/* New fields: queues/ comes back whole, with them. */
		statsfs_net_qstats_unpublish(d);
		err2 = statsfs_net_qstats_values(d);
		if (!err2)
			err2 = statsfs_net_qstats_publish(d, d->source);
		err = err ?: err2;
	} else {
		for (i = 0; i < qs->nrx && !err; i++)
			err = statsfs_net_queue_publish(qs->rxq[i]);
		for (i = 0; i < qs->ntx && !err; i++)
			err = statsfs_net_queue_publish(qs->txq[i]);
	}
	if (err)
		pr_warn_ratelimited("%s: queues not all published: %pe\n",
				    dev->name, ERR_PTR(err));
out:
	netdev_unlock_ops(dev);
}

static void statsfs_net_resync_fn(struct work_struct *work)
{
	struct statsfs_net_dev *d;

	rtnl_lock();
	spin_lock(&statsfs_net_resync_lock);
	while (!list_empty(&statsfs_net_resync_list)) {
		d = list_first_entry(&statsfs_net_resync_list,
				     struct statsfs_net_dev, q.resync_node);
		list_del_init(&d->q.resync_node);
		spin_unlock(&statsfs_net_resync_lock);
		statsfs_net_resync(d);
		spin_lock(&statsfs_net_resync_lock);
	}
	spin_unlock(&statsfs_net_resync_lock);
	rtnl_unlock();
}

/* Takes @d's directories out of statsfs. */
static void statsfs_net_dev_unpublish(struct statsfs_net_dev *d)
{
	statsfs_net_qstats_unpublish(d);
	statsfs_net_unpublish(d->source);
	d->source = NULL;
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
		err = statsfs_net_qstats_publish(d, source);
	if (!err) {
		err = stats_fs_source_add_subordinate(ns->devs, source);
		if (err)
			statsfs_net_qstats_unpublish(d);
	}
	if (err) {
		stats_fs_source_put(source);
		return err;
	}
	d->source = source;
	return 0;
}

/* Frees @d, unpublished: off the resync list first (no callback can add it). */
static void statsfs_net_dev_free(struct statsfs_net_dev *d)
{
	spin_lock(&statsfs_net_resync_lock);
	list_del_init(&d->q.resync_node);
	spin_unlock(&statsfs_net_resync_lock);
	statsfs_net_qstats_free(d);
	kfree(d);
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
	err = statsfs_net_qstats_init(d);
	if (!err)
		err = statsfs_net_publish(d);
	if (err) {
		/* A name statsfs refuses (".x"), or no memory. */
		pr_warn_ratelimited("%s: not published: %pe\n", dev->name, ERR_PTR(err));
		statsfs_net_dev_free(d);
		return;
	}
	netdev_hold(dev, &d->tracker, GFP_KERNEL);
	hash_add(statsfs_net_devs, &d->node, (unsigned long)dev);
}

static void statsfs_net_unregister(struct statsfs_net_dev *d)
{
	hash_del(&d->node);
	statsfs_net_dev_unpublish(d);
	netdev_put(d->dev, &d->tracker);
	statsfs_net_dev_free(d);
}

/* The directory follows the name: the old one goes, then the new one comes. */
static void statsfs_net_rename(struct statsfs_net_dev *d)
{
	int err;

	statsfs_net_dev_unpublish(d);
	err = statsfs_net_publish(d);
	if (err) {
		pr_warn("%s: not published after rename: %pe\n", d->dev->name,
			ERR_PTR(err));
		hash_del(&d->node);
		netdev_put(d->dev, &d->tracker);
		statsfs_net_dev_free(d);
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
	case NETDEV_UP:
		/* Queues may have come, or their fields, with the device up. */
		if (d && dev->stat_ops)
			statsfs_net_resync_request(d);
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
	BUILD_BUG_ON(sizeof(struct statsfs_net_totals) > STATS_FS_SNAPSHOT_MAX);
	/* A field added to the queue stats is missed here until it is listed. */
	BUILD_BUG_ON(ARRAY_SIZE(statsfs_net_qstats_rx) != STATSFS_NET_RX_FIELDS + 1);
	BUILD_BUG_ON(ARRAY_SIZE(statsfs_net_qstats_tx) != STATSFS_NET_TX_FIELDS + 1);
	BUILD_BUG_ON(STATSFS_NET_RX_FIELDS > 32 || STATSFS_NET_TX_FIELDS > 32);
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
	/* No device is left to resync, and no callback runs to ask for it. */
	cancel_work_sync(&statsfs_net_resync_work);
	unregister_pernet_subsys(&statsfs_net_ops);
	/* Every group of it was revoked: statsfs never reads it again. */
	kfree(statsfs_net_unsummed);
}

module_init(statsfs_net_init);
module_exit(statsfs_net_exit);

MODULE_DESCRIPTION("The statistics of network devices in statsfs");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
