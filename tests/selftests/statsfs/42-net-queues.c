// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs_net.ko's queue statistics (net/dev/<name>/queues/) against the
 * netdev netlink family's qstats-get, read here by a small generic netlink
 * client of its own, never against numbers statsfs produced. The devices are
 * tests/modules/stats_fs_netdev_test.ko's: every queue statistic distinct and
 * known, some left unset as a driver that does not collect them leaves them;
 * one device whose stat ops run under RTNL, one ops-locked (instance lock):
 *
 * - every queue directory holds exactly the fields qstats-get reports for that
 *   queue, with its values, and there is a directory for every queue it
 *   reports and no other; queues/ holds exactly the device's totals;
 * - the values are read live (they follow the module's qgen);
 * - while the lock the ops need is held, a read does not wait and gives the
 *   last values; after, the new ones;
 * - queue count changes: the totals follow (they sum the queues live when
 *   read, whatever the directories), the directories soon after;
 * - a device without stat ops has no queues/;
 * - readers of every queue file while devices with stat ops come and go and
 *   change their queue counts: no deadlock (the harness fails on lockdep);
 * - a real driver, netdevsim (ops-locked, stat ops that report queue 0 and
 *   base statistics from its own counters): two linked ports passing frames,
 *   every queue and total as qstats-get, the totals as the device's link
 *   statistics in sysfs, a channel count changed through ethtool, and its
 *   directories gone when the device is;
 * - a real driver under RTNL, virtio-net, on QEMU's virtio-net device with four
 *   queue pairs: frames sent from both CPUs land on several tx queues, every
 *   queue and total as qstats-get, the totals as sysfs, channel counts set
 *   through ethtool (the device's control queue), the directories gone when
 *   the driver is unloaded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <glob.h>
#include <inttypes.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <time.h>

#include "harness.h"
#include "net_util.h"
#include "util.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MNT "/sys/kernel/stats"
#define NET_MODULE "/lib/modules/net/statsfs_net.ko"
#define DEV_MODULE "/lib/modules/tests/stats_fs_netdev_test.ko"
#define PARAMS "/sys/module/stats_fs_netdev_test/parameters/"
#define HELD "/sys/kernel/debug/stats_fs_netdev_test/held"
#define NSIM_BUS "/sys/bus/netdevsim/"
#define NSIM_ID 7
#define NSIM_QUEUES 4
#define NSIM_NETDEVS NSIM_BUS "devices/netdevsim7/net/*"	/* NSIM_ID's */
#define VIRTIO_NETDEVS "/sys/bus/virtio/drivers/virtio_net/virtio*/net/*"

/*
 * The netdev family, from include/uapi/linux/netdev.h of Linux 7.3 (the
 * build's headers do not carry it): the command, its scope and attributes.
 */
#define NETDEV_FAMILY "netdev"
#define CMD_QSTATS_GET 12
#define QUEUE_TYPE_RX 0
#define QUEUE_TYPE_TX 1
#define QSTATS_SCOPE_QUEUE 1
#define A_IFINDEX 1
#define A_QUEUE_TYPE 2
#define A_QUEUE_ID 3
#define A_SCOPE 4
#define A_FIRST_STAT 8
#define A_TX_PACKETS 10
#define A_MAX 34

/* The statistics' attributes, numbered from A_FIRST_STAT, as statsfs names them. */
static const char *const stat_names[A_MAX + 1] = {
	[8] = "rx_packets", [9] = "rx_bytes", [10] = "tx_packets", [11] = "tx_bytes",
	[12] = "rx_alloc_fail", [13] = "rx_hw_drops", [14] = "rx_hw_drop_overruns",
	[15] = "rx_csum_complete", [16] = "rx_csum_unnecessary", [17] = "rx_csum_none",
	[18] = "rx_csum_bad", [19] = "rx_hw_gro_packets", [20] = "rx_hw_gro_bytes",
	[21] = "rx_hw_gro_wire_packets", [22] = "rx_hw_gro_wire_bytes",
	[23] = "rx_hw_drop_ratelimits", [24] = "tx_hw_drops", [25] = "tx_hw_drop_errors",
	[26] = "tx_csum_none", [27] = "tx_needs_csum", [28] = "tx_hw_gso_packets",
	[29] = "tx_hw_gso_bytes", [30] = "tx_hw_gso_wire_packets",
	[31] = "tx_hw_gso_wire_bytes", [32] = "tx_hw_drop_ratelimits", [33] = "tx_stop",
	[34] = "tx_wake",
};

/* One answer of qstats-get: a queue (type, id) or the device (type -1). */
struct qrec {
	int type, id;
	bool has[A_MAX + 1];
	uint64_t val[A_MAX + 1];
};

#define MAX_RECS 64

struct qdump {
	int n;
	struct qrec rec[MAX_RECS];
};

struct genl_req {
	struct nlmsghdr nh;
	struct genlmsghdr g;
	char buf[256];
};

static void genl_init(struct genl_req *req, int family, int cmd, int flags)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req->nh.nlmsg_type = family;
	req->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	req->g.cmd = cmd;
	req->g.version = 1;
}

#define GENL_ATTRS(nh) ((struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN))
#define GENL_ATTRS_LEN(nh) ((int)(nh)->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN))
#define NLA_OK(a, len) ((len) >= (int)sizeof(*(a)) && (a)->nla_len >= sizeof(*(a)) && \
			(a)->nla_len <= (len))
#define NLA_NEXT(a, len) ((len) -= NLA_ALIGN((a)->nla_len), \
			  (struct nlattr *)((char *)(a) + NLA_ALIGN((a)->nla_len)))
#define NLA_DATA(a) ((void *)((char *)(a) + NLA_HDRLEN))

/* An attribute of netlink type "uint": 4 or 8 bytes. */
static uint64_t nla_uint(struct nlattr *a)
{
	uint64_t v64;
	uint32_t v32;

	if (a->nla_len - NLA_HDRLEN == 8) {
		memcpy(&v64, NLA_DATA(a), 8);
		return v64;
	}
	memcpy(&v32, NLA_DATA(a), 4);
	return v32;
}

static void family_each(struct nlmsghdr *nh, void *arg)
{
	struct nlattr *a = GENL_ATTRS(nh);
	int len = GENL_ATTRS_LEN(nh);

	for (; NLA_OK(a, len); a = NLA_NEXT(a, len))
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			*(int *)arg = *(uint16_t *)NLA_DATA(a);
}

/* The id of generic netlink family @name, or -errno. */
static int genl_family(const char *name)
{
	struct genl_req req;
	struct nlattr *a;
	int id = -ENOENT, err;

	genl_init(&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	a = (struct nlattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + strlen(name) + 1;
	strcpy(NLA_DATA(a), name);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	err = nl_exchange(NETLINK_GENERIC, &req.nh, family_each, &id);
	return err ? err : id;
}

static void qstats_each(struct nlmsghdr *nh, void *arg)
{
	struct qdump *dump = arg;
	struct nlattr *a = GENL_ATTRS(nh);
	int len = GENL_ATTRS_LEN(nh);
	struct qrec *r;

	if (dump->n == MAX_RECS)
		return;
	r = &dump->rec[dump->n++];
	memset(r, 0, sizeof(*r));
	r->type = -1;
	for (; NLA_OK(a, len); a = NLA_NEXT(a, len)) {
		int t = a->nla_type & NLA_TYPE_MASK;

		if (t == A_QUEUE_TYPE)
			r->type = *(uint32_t *)NLA_DATA(a);
		else if (t == A_QUEUE_ID)
			r->id = *(uint32_t *)NLA_DATA(a);
		else if (t >= A_FIRST_STAT && t <= A_MAX) {
			r->has[t] = true;
			r->val[t] = nla_uint(a);
		}
	}
}

/* qstats-get of device @ifindex, per queue if @queues, else for the device. */
static int qstats_get(int family, int ifindex, bool queues, struct qdump *dump)
{
	struct genl_req req;
	struct nlattr *a;
	uint32_t v;

	dump->n = 0;
	genl_init(&req, family, CMD_QSTATS_GET, NLM_F_DUMP);
	a = (struct nlattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	a->nla_type = A_IFINDEX;
	a->nla_len = NLA_HDRLEN + 4;
	v = ifindex;
	memcpy(NLA_DATA(a), &v, 4);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	if (queues) {
		a = (struct nlattr *)((char *)&req + req.nh.nlmsg_len);
		a->nla_type = A_SCOPE;
		a->nla_len = NLA_HDRLEN + 4;
		v = QSTATS_SCOPE_QUEUE;
		memcpy(NLA_DATA(a), &v, 4);
		req.nh.nlmsg_len += NLA_ALIGN(a->nla_len);
	}
	return nl_exchange(NETLINK_GENERIC, &req.nh, qstats_each, dump);
}

/* The value of file @path (-1 on failure). */
static int64_t value_of(const char *path)
{
	char buf[64];

	return slurp(path, buf, sizeof(buf)) > 0 ? strtoll(buf, NULL, 10) : -1;
}

/*
 * Compares directory @dir with record @r: the same fields, the same values.
 * Returns 0, or -1 with the first difference in @why.
 */
static int compare_dir(const char *dir, const struct qrec *r, char *why, size_t size)
{
	bool seen[A_MAX + 1] = {};
	struct dirent *e;
	char path[512];
	DIR *d = opendir(dir);
	int t, bad = 0;

	if (!d) {
		snprintf(why, size, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while (!bad && (e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_REG)
			continue;
		for (t = A_FIRST_STAT; t <= A_MAX; t++)
			if (!strcmp(e->d_name, stat_names[t]))
				break;
		if (t > A_MAX || !r->has[t]) {
			snprintf(why, size, "%s/%s: not reported by qstats-get", dir, e->d_name);
			bad = -1;
			break;
		}
		seen[t] = true;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (value_of(path) != (int64_t)r->val[t]) {
			snprintf(why, size, "%s: %" PRId64 ", qstats-get says %" PRIu64, path,
				 value_of(path), r->val[t]);
			bad = -1;
		}
	}
	closedir(d);
	for (t = A_FIRST_STAT; !bad && t <= A_MAX; t++) {
		if (r->has[t] && !seen[t]) {
			snprintf(why, size, "%s: no %s, which qstats-get reports", dir,
				 stat_names[t]);
			bad = -1;
		}
	}
	return bad;
}

/* The queue directories of @qdir, counted, and whether all are in @dump. */
static int queue_dirs(const char *qdir, const struct qdump *dump, char *why, size_t size)
{
	struct dirent *e;
	DIR *d = opendir(qdir);
	int n = 0, i, id;
	char kind[4];

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		n++;
		if (sscanf(e->d_name, "%2[rtx]-%d", kind, &id) != 2) {
			snprintf(why, size, "%s/%s: not a queue", qdir, e->d_name);
			continue;
		}
		for (i = 0; i < dump->n; i++)
			if (dump->rec[i].id == id &&
			    dump->rec[i].type == (strcmp(kind, "rx") ? QUEUE_TYPE_TX : QUEUE_TYPE_RX))
				break;
		if (i == dump->n)
			snprintf(why, size, "%s/%s: a queue qstats-get does not report", qdir,
				 e->d_name);
	}
	closedir(d);
	return n;
}

/*
 * Compares net/dev/@name/queues/ with qstats-get for device @ifindex: every
 * queue and the totals. Returns 0, or -1 with the first difference in @why.
 */
static int compare_device(int family, const char *name, int ifindex, char *why, size_t size)
{
	static struct qdump dump;
	char qdir[256], dir[320];
	int i, n;

	why[0] = '\0';
	snprintf(qdir, sizeof(qdir), MNT "/net/dev/%s/queues", name);
	if (qstats_get(family, ifindex, true, &dump)) {
		snprintf(why, size, "qstats-get of the queues of %s failed", name);
		return -1;
	}
	if (!dump.n) {
		snprintf(why, size, "qstats-get reports no queue of %s", name);
		return -1;
	}
	for (i = 0; i < dump.n; i++) {
		snprintf(dir, sizeof(dir), "%s/%s-%d", qdir,
			 dump.rec[i].type == QUEUE_TYPE_RX ? "rx" : "tx", dump.rec[i].id);
		if (compare_dir(dir, &dump.rec[i], why, size))
			return -1;
	}
	n = queue_dirs(qdir, &dump, why, size);
	if (why[0])
		return -1;
	if (n != dump.n) {
		snprintf(why, size, "%s: %d queue directories, qstats-get reports %d queues",
			 qdir, n, dump.n);
		return -1;
	}
	if (qstats_get(family, ifindex, false, &dump) || dump.n != 1) {
		snprintf(why, size, "qstats-get of device %s: %d answers", name, dump.n);
		return -1;
	}
	return compare_dir(qdir, &dump.rec[0], why, size);
}

/* Compares, again for up to 3 s while the directories follow a change. */
static int compare_soon(int family, const char *name, int ifindex, char *why, size_t size)
{
	int i;

	for (i = 0; i < 60; i++) {
		if (!compare_device(family, name, ifindex, why, size))
			return 0;
		usleep(50000);
	}
	return -1;
}

static int action(const char *fmt, const char *name, int a, int b)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), fmt, name, a, b);
	return write_file(PARAMS "action", cmd);
}

static int set_qgen(int gen)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", gen);
	return write_file(PARAMS "qgen", buf);
}

FIXTURE(queues) {
	int family;
};

FIXTURE_SETUP(queues)
{
	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		TH_LOG("mount: %s", strerror(errno));
	ASSERT_EQ(0, load_module(NET_MODULE));
	ASSERT_EQ(0, load_module(DEV_MODULE));
	ASSERT_EQ(0, action("addq=%s", "sfq_rtnl", 0, 0));
	ASSERT_EQ(0, action("addql=%s", "sfq_lock", 0, 0));
	ASSERT_EQ(0, action("add=%s", "sfq_none", 0, 0));
	/* qstats-get reports the queues of a device that is up only. */
	ASSERT_EQ(0, link_set("sfq_rtnl", true, NULL, -1));
	ASSERT_EQ(0, link_set("sfq_lock", true, NULL, -1));
	self->family = genl_family(NETDEV_FAMILY);
	ASSERT_LT(0, self->family);
}

FIXTURE_TEARDOWN(queues)
{
	char id[16];

	if (!access(NSIM_BUS "del_device", F_OK)) {
		snprintf(id, sizeof(id), "%d", NSIM_ID);
		write_file(NSIM_BUS "del_device", id);	/* Gone already if the case passed. */
		unload_module("netdevsim");
	}
	unload_module("virtio_net");
	unload_module("stats_fs_netdev_test");
	unload_module("statsfs_net");
	umount(MNT);
}

static const char *const devs[] = { "sfq_rtnl", "sfq_lock" };

TEST_F(queues, every_queue_and_total_as_qstats_get)
{
	char why[512], path[256];
	int i, gen;

	for (gen = 0; gen < 2; gen++) {
		CHECK_OK("qgen", set_qgen(gen * 7));
		for (i = 0; i < 2; i++) {
			CHECK(!compare_soon(self->family, devs[i], if_nametoindex(devs[i]), why,
					    sizeof(why)), devs[i], "qgen %d: %s", gen * 7, why);
		}
	}
	snprintf(path, sizeof(path), MNT "/net/dev/sfq_none");
	CHECK(!access(path, F_OK), "plain_device_published", "%s", path);
	snprintf(path, sizeof(path), MNT "/net/dev/sfq_none/queues");
	CHECK(access(path, F_OK) && errno == ENOENT, "no_queues_without_stat_ops", "%s", path);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct hold_arg {
	const char *name;
	int ms;
};

/* Whether the module holds the lock now (its debugfs flag: Y or N). */
static bool lock_held(void)
{
	char buf[8];

	return slurp(HELD, buf, sizeof(buf)) > 0 && buf[0] == 'Y';
}

static void *hold_lock(void *p)
{
	struct hold_arg *h = p;

	action("hold=%s:%d", h->name, h->ms, 0);
	return NULL;
}

/*
 * With the lock the ops need held (RTNL for sfq_rtnl, the instance lock for
 * sfq_lock), a read returns at once with the last values, not 0 and not
 * blocked; once the lock is free, the new ones.
 */
TEST_F(queues, a_busy_lock_gives_the_last_values)
{
	char path[256], why[512];
	int i, ifindex;

	CHECK_OK("qgen", set_qgen(3));
	for (i = 0; i < 2; i++) {
		struct hold_arg h = { devs[i], 1500 };
		int64_t before, during, after;
		pthread_t t;
		int wait;

		ifindex = if_nametoindex(devs[i]);
		CHECK(!compare_soon(self->family, devs[i], ifindex, why, sizeof(why)), devs[i],
		      "%s", why);
		snprintf(path, sizeof(path), MNT "/net/dev/%s/queues/rx-1/rx_packets", devs[i]);
		before = value_of(path);
		CHECK_OK("qgen_changed", set_qgen(4));
		ASSERT_EQ(0, pthread_create(&t, NULL, hold_lock, &h));
		/* Until the module says it holds the lock, for at most 10 s. */
		for (wait = 0; !lock_held() && wait < 1000; wait++)
			usleep(10000);
		ASSERT_TRUE(lock_held());
		during = value_of(path);
		/* Had the read waited for the lock, it would have ended after its release. */
		CHECK(lock_held(), "read_did_not_wait", "%s: the lock was released first",
		      devs[i]);
		snprintf(path, sizeof(path), MNT "/net/dev/%s/queues/rx_packets", devs[i]);
		CHECK(value_of(path) > 0, "totals_not_zero", "%s: %" PRId64, path,
		      value_of(path));
		snprintf(path, sizeof(path), MNT "/net/dev/%s/queues/rx-1/rx_packets", devs[i]);
		pthread_join(t, NULL);
		after = value_of(path);
		CHECK(during == before, "last_values_while_busy", "%s: %" PRId64 ", before %" PRId64,
		      path, during, before);
		CHECK(after == before + 100000, "new_values_after", "%s: %" PRId64 ", before %"
		      PRId64, path, after, before);
		CHECK(!compare_soon(self->family, devs[i], ifindex, why, sizeof(why)), devs[i],
		      "after the lock: %s", why);
		CHECK_OK("qgen_back", set_qgen(3));
	}
}

/*
 * The totals follow a queue count change (they sum the queues live when read,
 * not the directories); the directories follow soon, after a read sees it.
 */
TEST_F(queues, queue_count_changes)
{
	static const int counts[][2] = { { 2, 6 }, { 8, 1 }, { 4, 4 } };
	static struct qdump dump;
	char why[512], path[256];
	int i, c, ifindex, tries;
	bool ok = false;

	for (i = 0; i < 2; i++) {
		ifindex = if_nametoindex(devs[i]);
		for (c = 0; c < 3; c++) {
			ASSERT_EQ(0, action("queues=%s:%d:%d", devs[i], counts[c][0], counts[c][1]));
			ASSERT_EQ(0, qstats_get(self->family, ifindex, false, &dump));
			ASSERT_EQ(1, dump.n);
			snprintf(path, sizeof(path), MNT "/net/dev/%s/queues", devs[i]);
			/* A few tries: a read that finds the lock busy gives the last values. */
			for (tries = 0; tries < 10; tries++) {
				ok = !compare_dir(path, &dump.rec[0], why, sizeof(why));
				if (ok)
					break;
				usleep(20000);
			}
			CHECK(ok, "totals_follow", "%s %d:%d: %s", devs[i], counts[c][0],
			      counts[c][1], why);
			CHECK(!compare_soon(self->family, devs[i], ifindex, why, sizeof(why)),
			      "directories_follow", "%s %d:%d: %s", devs[i], counts[c][0],
			      counts[c][1], why);
		}
	}
}

static volatile bool hammer_stop;
static volatile long hammer_reads;

/* Reads every value below net/dev/, and its .values, until told to stop. */
static void *hammer(void *arg)
{
	char buf[65536], path[512];
	struct dirent *e, *f;
	DIR *devs_dir, *q;

	(void)arg;
	while (!hammer_stop) {
		devs_dir = opendir(MNT "/net/dev");
		while (devs_dir && (e = readdir(devs_dir))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), MNT "/net/dev/%s/queues/.values", e->d_name);
			slurp(path, buf, sizeof(buf));
			snprintf(path, sizeof(path), MNT "/net/dev/%s/queues", e->d_name);
			q = opendir(path);
			while (q && (f = readdir(q))) {
				if (f->d_name[0] == '.')
					continue;
				if (f->d_type == DT_DIR) {
					/* rx-<i>/ or tx-<i>/: all of it, and one file. */
					snprintf(path, sizeof(path),
						 MNT "/net/dev/%s/queues/%s/.values",
						 e->d_name, f->d_name);
					slurp(path, buf, sizeof(buf));
					snprintf(path, sizeof(path),
						 MNT "/net/dev/%s/queues/%s/%.2s_packets",
						 e->d_name, f->d_name, f->d_name);
				} else {
					snprintf(path, sizeof(path), MNT "/net/dev/%s/queues/%s",
						 e->d_name, f->d_name);
				}
				slurp(path, buf, sizeof(buf));
				hammer_reads++;
			}
			if (q)
				closedir(q);
		}
		if (devs_dir)
			closedir(devs_dir);
	}
	return NULL;
}

/*
 * Two readers of every queue file while devices with stat ops (both kinds)
 * are added, brought up, resized and deleted: everything finishes, and the
 * harness fails the run on any lockdep report.
 */
TEST_F(queues, readers_against_registration)
{
	pthread_t t[2];
	char name[16];
	int round, i, errors = 0;
	double t0 = now();

	hammer_stop = false;
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hammer, NULL));
	for (round = 0; now() - t0 < 1.5; round++) {
		snprintf(name, sizeof(name), "sfq_h%d", round % 4);
		errors += !!action(round % 2 ? "addql=%s" : "addq=%s", name, 0, 0);
		errors += !!link_set(name, true, NULL, -1);
		errors += !!action("queues=%s:%d:%d", name, 1 + round % 8, 8 - round % 8);
		errors += !!action("queues=%s:%d:%d", "sfq_lock", 1 + round % 3, 2);
		errors += !!action("queues=%s:%d:%d", "sfq_rtnl", 3, 1 + round % 5);
		usleep(10000);
		errors += !!action("del=%s", name, 0, 0);
	}
	hammer_stop = true;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	TH_LOG("%d rounds, %ld queue directory reads", round, hammer_reads);
	CHECK(!errors, "device_actions", "%d failed", errors);
	CHECK(round >= 2 && hammer_reads > 0, "work_done", "%d rounds, %ld reads", round,
	      hammer_reads);
}

/* The names of the netdevs whose sysfs paths match @pattern, sorted; how many. */
static int netdevs_of(const char *pattern, char names[][IFNAMSIZ], int max)
{
	glob_t g;
	int n = 0;

	if (glob(pattern, 0, NULL, &g))
		return 0;
	for (; n < max && n < (int)g.gl_pathc; n++)
		snprintf(names[n], IFNAMSIZ, "%s", strrchr(g.gl_pathv[n], '/') + 1);
	globfree(&g);
	return n;
}

/* Sets the combined channel count of @name through the ethtool ioctl. */
static int set_channels(const char *name, unsigned int combined)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ch;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	if (!r) {
		ch.cmd = ETHTOOL_SCHANNELS;
		ch.combined_count = combined;
		r = ioctl(fd, SIOCETHTOOL, &ifr);
	}
	close(fd);
	return r;
}

/* Whether net/dev/@name/queues/@field is the device's statistics/@field in sysfs. */
static bool total_is_link_stat(const char *name, const char *field, char *why, size_t size)
{
	char path[256];
	int64_t ours, sysfs;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", name, field);
	sysfs = value_of(path);
	snprintf(path, sizeof(path), MNT "/net/dev/%s/queues/%s", name, field);
	ours = value_of(path);
	snprintf(why, size, "%s: %" PRId64 ", sysfs says %" PRId64, path, ours, sysfs);
	return ours >= 0 && ours == sysfs;
}

/*
 * Whether the link statistic @field of @name in sysfs reaches @want within 2 s
 * (frames are counted as the device gets to them); if not, why in @why.
 */
static bool link_stat_reaches(const char *name, const char *field, int64_t want, char *why,
			      size_t size)
{
	char path[256];
	int tries;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", name, field);
	for (tries = 0; tries < 100 && value_of(path) < want; tries++)
		usleep(20000);
	snprintf(why, size, "%s: %" PRId64 " of %" PRId64, path, value_of(path), want);
	return value_of(path) >= want;
}

/*
 * Sets @name's channel count to each of @counts in turn: after each, qstats-get
 * reports that many rx and tx queues, and statsfs follows (directories and
 * values).
 */
static void channels_followed(TEST_METADATA, int family, const char *name,
			      const int *counts, int n)
{
	int i, ifindex = if_nametoindex(name);
	static struct qdump dump;
	char why[512];

	for (i = 0; i < n; i++) {
		CHECK_OK("set_channels", set_channels(name, counts[i]));
		CHECK(!qstats_get(family, ifindex, true, &dump) && dump.n == 2 * counts[i],
		      "channels_set", "%s: %d queues, want %d", name, dump.n, 2 * counts[i]);
		CHECK(!compare_soon(family, name, ifindex, why, sizeof(why)),
		      "channels_followed", "%s, %d channels: %s", name, counts[i], why);
	}
}

/*
 * Runs @remove (a device going away: its driver's doing) while two readers
 * walk every queue file, then checks that net/dev/@names[i] are gone.
 */
static void gone_under_readers(TEST_METADATA, int (*remove)(void), char names[][IFNAMSIZ],
			       int n)
{
	char path[256];
	pthread_t t[2];
	int i;

	hammer_stop = false;
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hammer, NULL));
	usleep(100000);
	CHECK_OK("device_removed", remove());
	hammer_stop = true;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), MNT "/net/dev/%s", names[i]);
		CHECK(access(path, F_OK) && errno == ENOENT, "gone_with_the_device", "%s", path);
	}
}

static int nsim_del_device(void)
{
	char id[16];

	snprintf(id, sizeof(id), "%d", NSIM_ID);
	return write_file(NSIM_BUS "del_device", id);
}

/*
 * netdevsim, a driver whose stat ops take its own counters: device NSIM_ID
 * with two ports of NSIM_QUEUES queues each, linked to each other, port 0
 * sending frames that port 1 receives. Every queue and the totals match
 * qstats-get before and after; the totals match the link statistics sysfs
 * shows (netdevsim's base and queue 0 add up to them); a channel count set
 * through ethtool is followed; the directories go with the device, deleted
 * while two readers walk every queue file.
 */
TEST_F(queues, netdevsim_as_qstats_get)
{
	char names[2][IFNAMSIZ], why[512], buf[128];
	int i, ifindex[2], ns, sent;
	static struct qdump dump;

	ASSERT_EQ(0, system("modprobe netdevsim"));
	snprintf(buf, sizeof(buf), "%d 2 %d", NSIM_ID, NSIM_QUEUES);
	ASSERT_EQ(0, write_file(NSIM_BUS "new_device", buf));
	ASSERT_EQ(2, netdevs_of(NSIM_NETDEVS, names, 2));
	for (i = 0; i < 2; i++) {
		ifindex[i] = if_nametoindex(names[i]);
		ASSERT_LT(0, ifindex[i]);
		ASSERT_EQ(0, link_set(names[i], true, NULL, -1));
	}
	ns = netns_self();
	ASSERT_LE(0, ns);
	snprintf(buf, sizeof(buf), "%d:%d %d:%d", ns, ifindex[0], ns, ifindex[1]);
	ASSERT_EQ(0, write_file(NSIM_BUS "link_device", buf));
	close(ns);

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, qstats_get(self->family, ifindex[i], true, &dump));
		CHECK(dump.n == 2 * NSIM_QUEUES, "every_queue_reported", "%s: %d queues",
		      names[i], dump.n);
		CHECK(!compare_soon(self->family, names[i], ifindex[i], why, sizeof(why)),
		      "idle", "%s: %s", names[i], why);
	}

	sent = send_frames(-1, names[0], 60, 300);
	CHECK(sent == 60, "frames_sent", "%d of 60", sent);
	/* Port 1 receives them from a timer. */
	CHECK(link_stat_reaches(names[1], "rx_packets", sent, why, sizeof(why)),
	      "frames_received", "%s", why);
	for (i = 0; i < 2; i++) {
		CHECK(!compare_soon(self->family, names[i], ifindex[i], why, sizeof(why)),
		      "with_traffic", "%s: %s", names[i], why);
	}
	CHECK(total_is_link_stat(names[0], "tx_packets", why, sizeof(why)), "tx_totals", "%s",
	      why);
	CHECK(total_is_link_stat(names[1], "rx_packets", why, sizeof(why)), "rx_totals", "%s",
	      why);
	CHECK(total_is_link_stat(names[1], "rx_bytes", why, sizeof(why)), "rx_byte_totals",
	      "%s", why);

	/* Fewer channels, then all again: the directories follow, the values too. */
	channels_followed(_metadata, self->family, names[0], (const int[]){ 2, NSIM_QUEUES },
			  2);
	gone_under_readers(_metadata, nsim_del_device, names, 2);
	CHECK_OK("unload", unload_module("netdevsim"));
}

/* Sends @count frames of @len bytes from @name on CPU @cpu: its tx queue (XPS). */
static int send_from_cpu(const char *name, int cpu, int count, int len)
{
	cpu_set_t one, all;
	int sent;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_getaffinity(0, sizeof(all), &all) || sched_setaffinity(0, sizeof(one), &one))
		return -1;
	sent = send_frames(-1, name, count, len);
	sched_setaffinity(0, sizeof(all), &all);
	return sent;
}

static int virtio_net_unload(void)
{
	return unload_module("virtio_net");
}

/*
 * virtio-net, whose stat ops run under RTNL (it has no instance lock), on
 * QEMU's virtio-net device with four queue pairs (scripts/run-guest.sh gives
 * it a tap whose host side is down). With all four in use, 40 frames from
 * each CPU go out on that CPU's tx queue: every queue and the totals match
 * qstats-get, the totals match sysfs (virtio-net's ndo_get_stats64 sums every
 * queue it has). Then one, then three channels; then the driver goes, under
 * two readers of every queue file.
 */
TEST_F(queues, virtio_net_multiqueue_as_qstats_get)
{
	char names[1][IFNAMSIZ], why[512];
	int q, cpu, ifindex, busy = 0, sent = 0;
	static struct qdump dump;

	ASSERT_EQ(0, system("modprobe virtio_net"));
	ASSERT_EQ(1, netdevs_of(VIRTIO_NETDEVS, names, 1))
		TH_LOG("no virtio-net device: scripts/run-guest.sh gives the guest one on a tap, "
		       "which QEMU makes as root through /dev/net/tun");
	ifindex = if_nametoindex(names[0]);
	ASSERT_EQ(0, link_set(names[0], true, NULL, -1));
	channels_followed(_metadata, self->family, names[0], (const int[]){ 4 }, 1);

	for (cpu = 0; cpu < 2; cpu++)
		sent += send_from_cpu(names[0], cpu, 40, 200 + 100 * cpu);
	CHECK(sent == 80, "frames_sent", "%d of 80", sent);
	/* virtio-net counts a frame when the device has used it. */
	CHECK(link_stat_reaches(names[0], "tx_packets", sent, why, sizeof(why)),
	      "frames_counted", "%s", why);
	ASSERT_EQ(0, qstats_get(self->family, ifindex, true, &dump));
	for (q = 0; q < dump.n; q++)
		busy += dump.rec[q].type == QUEUE_TYPE_TX && dump.rec[q].val[A_TX_PACKETS] > 0;
	TH_LOG("%s: %d of %d tx queues carried frames", names[0], busy, dump.n / 2);
	CHECK(busy >= 2, "traffic_on_several_tx_queues", "%d tx queues with packets", busy);
	CHECK(!compare_soon(self->family, names[0], ifindex, why, sizeof(why)), "with_traffic",
	      "%s: %s", names[0], why);
	CHECK(total_is_link_stat(names[0], "tx_packets", why, sizeof(why)), "tx_totals", "%s",
	      why);
	CHECK(total_is_link_stat(names[0], "tx_bytes", why, sizeof(why)), "tx_byte_totals",
	      "%s", why);

	channels_followed(_metadata, self->family, names[0], (const int[]){ 1, 3 }, 2);
	gone_under_readers(_metadata, virtio_net_unload, names, 1);
}

TEST_HARNESS_MAIN
