// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs_net.ko as a netdev maintainer would read it, on devices whose every
 * counter is known (tests/modules/stats_fs_netdev_test.ko: field k of the
 * device with ifindex i reads i * 1000 + k + 1), two in the initial network
 * namespace and two in another:
 *
 * - each namespace's mount shows its own devices and sums, and nothing of the
 *   other's, whoever reads it; a namespace made after the module loaded too;
 * - every field of every device is its known value, and the ifindex;
 * - net/ sums the devices that carry their own traffic: not loopback, not a
 *   VLAN or a bridge stacked on other devices (traffic sent through them
 *   shows in their own counters, and must not in the sums);
 * - .schema describes the values;
 * - a rename moves the directory at once, and a reused name comes with the
 *   new device's ifindex and counters;
 * - a device named like an aggregate does not hide it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bulk_util.h"
#include "harness.h"
#include "net_util.h"
#include "util.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MNT "/sys/kernel/stats"
#define NET_MODULE "/lib/modules/net/statsfs_net.ko"
#define DEV_MODULE "/lib/modules/tests/stats_fs_netdev_test.ko"
#define ACTION "/sys/module/stats_fs_netdev_test/parameters/action"

/* The value of file @path as an integer (-1 on failure). */
static int64_t value_of(const char *path)
{
	char buf[64];

	return slurp(path, buf, sizeof(buf)) > 0 ? strtoll(buf, NULL, 10) : -1;
}

/* Field @k of a test device with ifindex @ifindex. */
static uint64_t known(int ifindex, int k)
{
	return (uint64_t)ifindex * 1000 + k + 1;
}

static int add_device(const char *name)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "add=%s", name);
	return write_file(ACTION, cmd);
}

static int del_device(const char *name)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "del=%s", name);
	return write_file(ACTION, cmd);
}

/* Mounts statsfs at @mnt from network namespace @ns (-1: the current one). */
static int mount_in(int ns, const char *mnt)
{
	int back = ns >= 0 ? netns_enter(ns) : -1, r;

	mkdir(mnt, 0755);
	r = mount("statsfs", mnt, "statsfs", 0, NULL);
	if (ns >= 0)
		netns_leave(back);
	return r;
}

/* The directories of @dir, sorted, joined by spaces. */
static void list_of(const char *dir, char *out, size_t size)
{
	struct dirent **list;
	int i, n = scandir(dir, &list, NULL, alphasort);

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.' && list[i]->d_type == DT_DIR) {
			strncat(out, list[i]->d_name, size - strlen(out) - 2);
			strcat(out, " ");
		}
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

/* Checks every field of test device @name under @net/dev/; its ifindex is @ifindex. */
static void check_known(TEST_METADATA, const char *net, const char *name, int ifindex)
{
	char path[256], why[256] = "";
	int k;

	snprintf(path, sizeof(path), "%s/dev/%s/ifindex", net, name);
	CHECK(value_of(path) == ifindex, "ifindex", "%s: %" PRId64 ", want %d", path,
	      value_of(path), ifindex);
	for (k = 0; k < NFIELDS && !why[0]; k++) {
		snprintf(path, sizeof(path), "%s/dev/%s/%s", net, name, fields[k]);
		if (value_of(path) != (int64_t)known(ifindex, k))
			snprintf(why, sizeof(why), "%s: %" PRId64 ", want %" PRIu64, path,
				 value_of(path), known(ifindex, k));
	}
	CHECK(!why[0], "every_field_known", "%s", why);
}

/* The ifindex of device @name in namespace @ns (-1: the current one). */
static int ifindex_in(int ns, const char *name)
{
	int back = ns >= 0 ? netns_enter(ns) : -1, i = if_nametoindex(name);

	if (ns >= 0)
		netns_leave(back);
	return i;
}

FIXTURE(net) {
	int ns;		/* namespace A */
	int a0, a1;	/* ifindex of sfs_a0, sfs_a1 in A */
	int i0, i1;	/* ifindex of sfs_i0, sfs_i1 */
};

#define MNT_A "/tmp/statsfs-views-a"

FIXTURE_SETUP(net)
{
	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		TH_LOG("mount: %s", strerror(errno));
	ASSERT_EQ(0, load_module(NET_MODULE));
	ASSERT_EQ(0, load_module(DEV_MODULE));
	ASSERT_EQ(0, add_device("sfs_i0"));
	ASSERT_EQ(0, add_device("sfs_i1"));
	ASSERT_EQ(0, add_device("sfs_a0"));
	ASSERT_EQ(0, add_device("sfs_a1"));
	/* A namespace made after the module loaded; two devices move there. */
	self->ns = netns_new();
	ASSERT_LE(0, self->ns);
	ASSERT_EQ(0, link_set("sfs_a0", false, NULL, self->ns));
	ASSERT_EQ(0, link_set("sfs_a1", false, NULL, self->ns));
	ASSERT_EQ(0, mount_in(self->ns, MNT_A));
	self->i0 = if_nametoindex("sfs_i0");
	self->i1 = if_nametoindex("sfs_i1");
	self->a0 = ifindex_in(self->ns, "sfs_a0");
	self->a1 = ifindex_in(self->ns, "sfs_a1");
}

FIXTURE_TEARDOWN(net)
{
	umount(MNT_A);
	close(self->ns);
	unload_module("stats_fs_netdev_test");
	unload_module("statsfs_net");
	/* The tests after this one mount the tree themselves. */
	umount(MNT);
}

TEST_F(net, each_namespace_sees_its_own_devices)
{
	char got[512];

	list_of(MNT "/net/dev", got, sizeof(got));
	CHECK(strstr(got, "sfs_i0 ") && strstr(got, "sfs_i1 ") && strstr(got, "lo ") &&
	      !strstr(got, "sfs_a"), "initial_namespace_view", "net/dev/: %s", got);
	list_of(MNT_A "/net/dev", got, sizeof(got));
	CHECK(!strcmp(got, "lo sfs_a0 sfs_a1 "), "namespace_a_view", "net/dev/: %s", got);
	/* A reader in A with a mount of its own, in a mount namespace of its own. */
	{
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			char seen[512];

			if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
			    netns_enter(self->ns) < 0 ||
			    mount("statsfs", MNT, "statsfs", 0, NULL))
				_exit(2);
			list_of(MNT "/net/dev", seen, sizeof(seen));
			_exit(strcmp(seen, "lo sfs_a0 sfs_a1 ") ? 1 : 0);
		}
		CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0, "child_namespace_reader",
		      "a task of namespace A mounting statsfs saw more, or failed (%#x)", status);
	}
}

TEST_F(net, every_field_of_every_device)
{
	check_known(_metadata, MNT "/net", "sfs_i0", self->i0);
	check_known(_metadata, MNT "/net", "sfs_i1", self->i1);
	check_known(_metadata, MNT_A "/net", "sfs_a0", self->a0);
	check_known(_metadata, MNT_A "/net", "sfs_a1", self->a1);
}

/*
 * In namespace A: a VLAN on sfs_a0 and a bridge with sfs_a1 as its port, both
 * up, each sending frames of its own, and lo sending some too. net/ sums
 * sfs_a0 and sfs_a1 (their
 * known counters: what the VLAN and the bridge send goes to them, which count
 * nothing of it) and nothing else: lo, the VLAN and the bridge, whose own
 * counters now hold the frames, are left out.
 */
TEST_F(net, sums_leave_out_loopback_and_stacked_devices)
{
	char path[256], why[256] = "";
	int back, k, sent = 0;

	/* Loaded now: the guest has no /sbin/modprobe for the kernel to ask. */
	ASSERT_EQ(0, system("modprobe 8021q && modprobe bridge"));
	back = netns_enter(self->ns);
	CHECK_OK("vlan", link_add_vlan("vlan7", "sfs_a0", 7));
	CHECK_OK("bridge", link_add_bridge("br0"));
	CHECK_OK("port", link_set_master("sfs_a1", "br0"));
	CHECK_OK("up", link_set("sfs_a0", true, NULL, -1) || link_set("sfs_a1", true, NULL, -1) ||
		 link_set("vlan7", true, NULL, -1) || link_set("br0", true, NULL, -1) ||
		 link_set("lo", true, NULL, -1));
	sent += send_frames(-1, "vlan7", 5, 100);
	sent += send_frames(-1, "br0", 5, 100);
	sent += send_frames(-1, "lo", 5, 100);
	netns_leave(back);
	CHECK(sent == 15, "frames_sent", "%d of 15", sent);
	snprintf(path, sizeof(path), MNT_A "/net/dev/lo/rx_packets");
	CHECK(value_of(path) >= 5, "lo_counts_its_frames", "%s: %" PRId64, path, value_of(path));
	snprintf(path, sizeof(path), MNT_A "/net/dev/vlan7/tx_packets");
	CHECK(value_of(path) >= 5, "vlan_counts_its_frames", "%s: %" PRId64, path,
	      value_of(path));
	for (k = 0; k < NFIELDS && !why[0]; k++) {
		uint64_t want = known(self->a0, k) + known(self->a1, k);

		snprintf(path, sizeof(path), MNT_A "/net/%s", fields[k]);
		if (value_of(path) != (int64_t)want)
			snprintf(why, sizeof(why), "%s: %" PRId64 ", want %" PRIu64
				 " (sfs_a0 and sfs_a1 only)", path, value_of(path), want);
	}
	CHECK(!why[0], "sums_of_devices_with_their_own_traffic", "%s", why);
	/* Out of the bridge, sfs_a1 still counts; the bridge, gone, never did. */
	back = netns_enter(self->ns);
	CHECK_OK("bridge_gone", link_del("br0"));
	CHECK_OK("vlan_gone", link_del("vlan7"));
	netns_leave(back);
	snprintf(path, sizeof(path), MNT_A "/net/rx_packets");
	CHECK(value_of(path) == (int64_t)(known(self->a0, 0) + known(self->a1, 0)),
	      "sums_after_unstacking", "%s: %" PRId64, path, value_of(path));
}

TEST_F(net, schema_describes_the_values)
{
	struct lines l = {};
	size_t len;
	char *text = read_chunked(MNT "/net/dev/sfs_i0/.schema", 4096, &len);
	int i, k, found = 0;

	ASSERT_NE(NULL, text);
	lines_of(&l, text);
	for (k = 0; k < NFIELDS; k++)
		for (i = 0; i < l.n; i++)
			if (!strncmp(l.line[i], fields[k], strlen(fields[k])) &&
			    l.line[i][strlen(fields[k])] == ' ' &&
			    strstr(l.line[i], "u64 unsigned sum") && strstr(l.line[i], "cumulative") &&
			    strstr(l.line[i], strstr(fields[k], "bytes") ? " bytes " : " none "))
				found++;
	CHECK(found == NFIELDS, "fields_described", "%d of %d lines as expected", found,
	      NFIELDS);
	for (i = 0, found = 0; i < l.n; i++)
		found += !strncmp(l.line[i], "ifindex s32 signed none floating instant", 40);
	CHECK(found == 1, "ifindex_described", "%s", text);
	lines_free(&l);
	free(text);
}

/*
 * A rename moves the directory at once; a device that takes the old name is
 * a new directory with its own ifindex and counters.
 */
TEST_F(net, rename_and_reused_name)
{
	int fresh;

	CHECK_OK("rename", link_set("sfs_i0", false, "sfs_r0", -1));
	CHECK(access(MNT "/net/dev/sfs_i0", F_OK) && !access(MNT "/net/dev/sfs_r0", F_OK),
	      "directory_moves", "sfs_i0 still there, or sfs_r0 missing");
	check_known(_metadata, MNT "/net", "sfs_r0", self->i0);
	CHECK_OK("reuse", add_device("sfs_i0"));
	fresh = if_nametoindex("sfs_i0");
	CHECK(fresh > 0 && fresh != self->i0, "new_ifindex", "%d", fresh);
	check_known(_metadata, MNT "/net", "sfs_i0", fresh);
	del_device("sfs_r0");
	del_device("sfs_i0");
}

TEST_F(net, device_named_like_an_aggregate)
{
	char path[128];
	int index;

	CHECK_OK("named_rx_bytes", add_device("rx_bytes"));
	index = if_nametoindex("rx_bytes");
	check_known(_metadata, MNT "/net", "rx_bytes", index);
	snprintf(path, sizeof(path), MNT "/net/rx_bytes");
	CHECK(value_of(path) >= (int64_t)(known(self->i0, 2) + known(self->i1, 2) +
					  known(index, 2)),
	      "aggregate_still_a_sum", "%s: %" PRId64, path, value_of(path));
	del_device("rx_bytes");
}

TEST_HARNESS_MAIN
