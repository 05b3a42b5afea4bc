// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs_net.ko against the kernel's own views of network devices.
 *
 * Dummy devices and a veth pair whose ends live in two network namespaces are
 * created before the module loads. Each namespace is seen through a mount of
 * statsfs made in it, which shows that namespace's net/ and nothing of the
 * others. After each step (load, traffic across the veth pair, renames, a
 * move to another namespace, deletions, a namespace destroyed), every field of
 * every device of every namespace in statsfs is compared with the files of
 * /sys/class/net/<if>/statistics/ (a sysfs mounted in that namespace), with
 * /proc/net/dev read in that namespace, and with rtnetlink's IFLA_STATS64; each
 * namespace's aggregates with the sums of sysfs's values over its devices but
 * loopback; and each namespace's devices with sysfs's. The module unloads with
 * files open.
 * Also: dummy devices come and go while readers walk net/ (1,000 in `make
 * bench`, 100 in `make check`), timed against sysfs's own cost.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "bulk_util.h"
#include "harness.h"
#include "net_util.h"
#include "util.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MNT "/sys/kernel/stats"
#define NET MNT "/net"
#define DEVS NET "/dev"
#define NET_MODULE "/lib/modules/net/statsfs_net.ko"
#define MAX_DEVS 16

enum { RX_PACKETS, TX_PACKETS, RX_BYTES, TX_BYTES, RX_ERRORS, TX_ERRORS, RX_DROPPED,
       TX_DROPPED, MULTICAST, COLLISIONS, RX_LENGTH, RX_OVER, RX_CRC, RX_FRAME, RX_FIFO,
       RX_MISSED, TX_ABORTED, TX_CARRIER, TX_FIFO, TX_HEARTBEAT, TX_WINDOW,
       RX_COMPRESSED, TX_COMPRESSED };

/* One device as the kernel's own interfaces show it. */
struct dev_view {
	char name[IFNAMSIZ];
	uint64_t sysfs[NFIELDS];
	bool in_sysfs[NFIELDS];
	uint64_t netlink[NFIELDS];
	uint64_t procnet[16];
};

/*
 * A namespace under test: its fd (-1: the initial one), the mount of statsfs
 * made in it, its net/ there, and net/dev/.
 */
struct netns {
	int fd;
	char mnt[64];
	char net[80];
	char dir[96];
	int nr_devs;
	struct dev_view devs[MAX_DEVS];
};

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	int r = slurp(path, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return errno || *end != '\n' ? -EINVAL : 0;
}

/* IFLA_STATS64 of device @name of the current namespace. */
static int netlink_stats(const char *name, uint64_t *out)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = if_nametoindex(name) },
	};
	char reply[8192];
	struct nlmsghdr *nh = (struct nlmsghdr *)reply;
	struct rtattr *rta;
	int fd, len, err = -ENOENT;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) < 0 || (n = recv(fd, reply, sizeof(reply), 0)) < 0) {
		close(fd);
		return -errno;
	}
	close(fd);
	if (!NLMSG_OK(nh, n) || nh->nlmsg_type != RTM_NEWLINK)
		return -EIO;
	len = IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_STATS64) {
			memset(out, 0, NFIELDS * sizeof(*out));
			memcpy(out, RTA_DATA(rta), RTA_PAYLOAD(rta) < NFIELDS * 8 ?
			       RTA_PAYLOAD(rta) : NFIELDS * 8);
			err = 0;
		}
	}
	return err;
}

/*
 * Reads namespace @ns's devices as the kernel shows them: sysfs (mounted in a
 * child that entered the namespace), /proc/net/dev and rtnetlink.
 */
static int view_netns(struct netns *ns)
{
	char path[256], line[512];
	FILE *f;
	pid_t pid;
	int status, back, i;

	/* sysfs: a child mounts one in a private mount namespace, in @ns. */
	pid = fork();
	if (pid == 0) {
		struct dirent *d, *e;
		DIR *dir, *stats;
		FILE *out = fopen("/tmp/net-oracle", "w");

		if (!out || unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    (ns->fd >= 0 && setns(ns->fd, CLONE_NEWNET)))
			_exit(1);
		mkdir("/tmp/net-sys", 0700);
		if (mount("sysfs", "/tmp/net-sys", "sysfs", 0, NULL))
			_exit(2);
		dir = opendir("/tmp/net-sys/class/net");
		while (dir && (d = readdir(dir))) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/tmp/net-sys/class/net/%s/statistics",
				 d->d_name);
			stats = opendir(path);
			while (stats && (e = readdir(stats))) {
				char file[512];
				uint64_t v;

				snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
				if (e->d_name[0] != '.' && !read_u64(file, &v))
					fprintf(out, "%s %s %" PRIu64 "\n", d->d_name, e->d_name, v);
			}
			if (stats)
				closedir(stats);
		}
		fclose(out);
		_exit(dir ? 0 : 3);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	ns->nr_devs = 0;
	memset(ns->devs, 0, sizeof(ns->devs));
	f = fopen("/tmp/net-oracle", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char name[64], field[64];
		uint64_t v;
		int k;

		if (sscanf(line, "%63s %63s %" SCNu64, name, field, &v) != 3)
			continue;
		for (i = 0; i < ns->nr_devs && strcmp(ns->devs[i].name, name); i++)
			;
		if (i == ns->nr_devs && i < MAX_DEVS)
			snprintf(ns->devs[ns->nr_devs++].name, IFNAMSIZ, "%s", name);
		for (k = 0; k < NFIELDS && i < MAX_DEVS; k++)
			if (!strcmp(fields[k], field)) {
				ns->devs[i].sysfs[k] = v;
				ns->devs[i].in_sysfs[k] = true;
			}
	}
	if (f)
		fclose(f);

	/* /proc/net/dev and rtnetlink, from inside the namespace. */
	back = netns_enter(ns->fd);
	f = fopen("/proc/self/net/dev", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line;
		struct dev_view *dv = NULL;
		int k;

		if (!colon)
			continue;
		*colon = '\0';
		while (*name == ' ')
			name++;
		for (i = 0; i < ns->nr_devs; i++)
			if (!strcmp(ns->devs[i].name, name))
				dv = &ns->devs[i];
		if (!dv)
			continue;
		for (k = 0, name = colon + 1; k < 16; k++)
			dv->procnet[k] = strtoull(name, &name, 10);
	}
	if (f)
		fclose(f);
	for (i = 0; i < ns->nr_devs; i++)
		if (netlink_stats(ns->devs[i].name, ns->devs[i].netlink))
			ns->devs[i].netlink[0] = UINT64_MAX;
	netns_leave(back);
	return 0;
}

/* The /proc/net/dev columns, from the fields (net/core/net-procfs.c). */
static void procnet_of(const uint64_t *s, uint64_t *p)
{
	uint64_t cols[16] = {
		s[RX_BYTES], s[RX_PACKETS], s[RX_ERRORS], s[RX_DROPPED] + s[RX_MISSED],
		s[RX_FIFO], s[RX_LENGTH] + s[RX_OVER] + s[RX_CRC] + s[RX_FRAME],
		s[RX_COMPRESSED], s[MULTICAST], s[TX_BYTES], s[TX_PACKETS], s[TX_ERRORS],
		s[TX_DROPPED], s[TX_FIFO], s[COLLISIONS],
		s[TX_CARRIER] + s[TX_ABORTED] + s[TX_WINDOW] + s[TX_HEARTBEAT],
		s[TX_COMPRESSED],
	};

	memcpy(p, cols, sizeof(cols));
}

/* The names of the directories in @dir, other than namespaces', sorted. */
static int list_devices(const char *dir, char names[][IFNAMSIZ], int max)
{
	struct dirent **list;
	int i, k = 0, n = scandir(dir, &list, NULL, alphasort);

	for (i = 0; i < n; i++) {
		if (list[i]->d_type == DT_DIR && list[i]->d_name[0] != '.' &&
		    strncmp(list[i]->d_name, "net:[", 5) && k < max)
			snprintf(names[k++], IFNAMSIZ, "%s", list[i]->d_name);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return n < 0 ? -errno : k;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Compares statsfs with the kernel's views of namespace @ns, after @step. */
static void check_netns(TEST_METADATA, const char *step, struct netns *ns)
{
	char names[MAX_DEVS][IFNAMSIZ] = {}, want[MAX_DEVS][IFNAMSIZ] = {};
	char path[256], why[512] = "";
	uint64_t sum[NFIELDS] = {}, v, p[16];
	int i, k, n, bad = 0, compared = 0;

	ASSERT_EQ(0, view_netns(ns)) TH_LOG("%s: the kernel's view of %s", step, ns->dir);
	/* Layout: one directory per device, named after it. */
	n = list_devices(ns->dir, names, MAX_DEVS);
	for (i = 0; i < ns->nr_devs; i++)
		snprintf(want[i], IFNAMSIZ, "%s", ns->devs[i].name);
	qsort(want, ns->nr_devs, IFNAMSIZ, by_name);
	for (i = 0, k = n == ns->nr_devs; i < n && k; i++)
		k = !strcmp(names[i], want[i]);
	CHECK(k, "layout_follows_devices",
	      "%s: %s has %d device directories, the namespace %d devices (first %s / %s)",
	      step, ns->dir, n, ns->nr_devs, n > 0 ? names[0] : "-",
	      ns->nr_devs ? want[0] : "-");
	/* Every field of every device. */
	for (i = 0; i < ns->nr_devs; i++) {
		struct dev_view *dv = &ns->devs[i];
		uint64_t got[NFIELDS];

		for (k = 0; k < NFIELDS; k++) {
			snprintf(path, sizeof(path), "%s/%s/%s", ns->dir, dv->name, fields[k]);
			got[k] = UINT64_MAX;
			if (read_u64(path, &got[k]))
				bad++;
			else if ((dv->in_sysfs[k] && got[k] != dv->sysfs[k]) ||
				 got[k] != dv->netlink[k])
				bad++;
			else
				compared++;
			if (bad && !why[0])
				snprintf(why, sizeof(why), "%s: %" PRIu64 ", sysfs %" PRIu64
					 ", netlink %" PRIu64, path, got[k], dv->sysfs[k],
					 dv->netlink[k]);
			/* net/ sums every device but loopback (none here is stacked). */
			if (strcmp(dv->name, "lo"))
				sum[k] += dv->in_sysfs[k] ? dv->sysfs[k] : dv->netlink[k];
		}
		procnet_of(got, p);
		if (memcmp(p, dv->procnet, sizeof(p))) {
			bad++;
			if (!why[0])
				snprintf(why, sizeof(why), "%s: /proc/net/dev differs", dv->name);
		}
	}
	CHECK(!bad && compared > 0, "values_match_sysfs_procnet_netlink",
	      "%s: %d of %d values differ; first: %s", step, bad, bad + compared, why);
	/* The namespace's aggregates, in its own net/. */
	bad = 0;
	for (k = 0; k < NFIELDS; k++) {
		snprintf(path, sizeof(path), "%s/%s", ns->net, fields[k]);
		if (read_u64(path, &v) || v != sum[k]) {
			if (!bad++)
				snprintf(why, sizeof(why), "%s: %" PRIu64 ", sum %" PRIu64, path,
					 v, sum[k]);
		}
	}
	CHECK(!bad, "namespace_aggregates", "%s: %s", step, why);
}

static struct netns init_ns = { .fd = -1, .mnt = MNT, .net = NET, .dir = DEVS };
static struct netns ns_a, ns_b;

/* A new namespace, and a mount of statsfs made in it at /tmp/statsfs-@tag. */
static void make_netns(TEST_METADATA, struct netns *ns, const char *tag)
{
	int back;

	ns->fd = netns_new();
	snprintf(ns->mnt, sizeof(ns->mnt), "/tmp/statsfs-%s", tag);
	snprintf(ns->net, sizeof(ns->net), "%s/net", ns->mnt);
	snprintf(ns->dir, sizeof(ns->dir), "%s/net/dev", ns->mnt);
	mkdir(ns->mnt, 0755);
	back = netns_enter(ns->fd);
	CHECK_OK("mount_in_namespace", mount("statsfs", ns->mnt, "statsfs", 0, NULL));
	netns_leave(back);
}

/* Checks every namespace in @nss. */
static void check_all(TEST_METADATA, const char *step, struct netns **nss, int n)
{
	int i;

	for (i = 0; i < n; i++)
		check_netns(_metadata, step, nss[i]);
}

static int in_netns(int ns, int (*fn)(void))
{
	int back = netns_enter(ns), r = fn();

	netns_leave(back);
	return r;
}

static int veth_up_a(void)
{
	return link_set("veth_a", true, NULL, -1);
}

static int veth_up_b(void)
{
	return link_set("veth_b", true, NULL, -1);
}

/* Whether veth_a has its carrier (both ends up): frames sent before are dropped. */
static int veth_a_running(void)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "veth_a");
	r = !ioctl(fd, SIOCGIFFLAGS, &ifr) && (ifr.ifr_flags & IFF_RUNNING);
	close(fd);
	return r;
}

static int make_veth(void)
{
	return link_add_veth("veth_a", "veth_b", ns_b.fd);
}

static int rename_veth_b(void)
{
	return link_set("veth_b", false, "veth_b2", -1);
}

static int delete_dummy0(void)
{
	return link_del("dummy0");
}

TEST(devices_namespaces_and_traffic)
{
	struct netns *all3[] = { &init_ns, &ns_a, &ns_b }, *all2[] = { &init_ns, &ns_a };
	uint64_t tx = 0, rx = 0;
	char buf[64];
	int fds[3], i, r;

	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		TH_LOG("mount: %s", strerror(errno));
	ASSERT_EQ(0, system("modprobe dummy numdummies=0 && modprobe veth"));
	make_netns(_metadata, &ns_a, "a");
	make_netns(_metadata, &ns_b, "b");
	ASSERT_TRUE(ns_a.fd >= 0 && ns_b.fd >= 0);
	/* Devices first: the module publishes what it finds when it loads. */
	CHECK_OK("dummy0", link_add_dummy("dummy0"));
	CHECK_OK("dummy1", link_add_dummy("dummy1"));
	CHECK_OK("veth_pair_across_namespaces", in_netns(ns_a.fd, make_veth));
	CHECK_OK("load_with_devices_present", load_module(NET_MODULE));
	check_all(_metadata, "load", all3, 3);
	{
		/* net/.values: every value of the namespace, as the files read. */
		struct lines got = {}, want = {};
		size_t len;
		char *text = read_chunked(NET "/.values", 7, &len);
		int bad = 0;

		lines_of(&got, text ? text : "");
		free(text);
		walk_lines(&want, NET, "");
		lines_sort(&got);
		lines_sort(&want);
		for (i = 0; i < got.n && got.n == want.n; i++)
			bad += !!strcmp(got.line[i], want.line[i]);
		CHECK(got.n == want.n && got.n > 0 && !bad, "net_values_equal_file_reads",
		      "%d lines, %d files, %d differ", got.n, want.n, bad);
		lines_free(&got);
		lines_free(&want);
	}

	/* Traffic: 100 frames of 200 bytes from veth_a (namespace A) to veth_b (B). */
	CHECK(!in_netns(ns_a.fd, veth_up_a) && !in_netns(ns_b.fd, veth_up_b), "veth_up", "");
	for (i = 0; i < 100 && !in_netns(ns_a.fd, veth_a_running); i++)
		usleep(50000);
	CHECK(in_netns(ns_a.fd, veth_a_running), "veth_carrier", "after 5 s");
	r = send_frames(ns_a.fd, "veth_a", 100, 200);
	CHECK(r == 100, "frames_sent", "%d of 100", r);
	/* Sent is not yet transmitted: the frames leave through the qdisc, for up to 10 s. */
	for (i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "%s/veth_a/tx_packets", ns_a.dir);
		read_u64(buf, &tx);
		snprintf(buf, sizeof(buf), "%s/veth_b/rx_packets", ns_b.dir);
		read_u64(buf, &rx);
		if (tx >= 100 && rx >= 100)
			break;
		usleep(100000);
	}
	check_all(_metadata, "traffic", all3, 3);
	CHECK(tx >= 100 && rx >= 100, "traffic_counted", "veth_a tx %" PRIu64 ", veth_b rx %"
	      PRIu64, tx, rx);

	/* Renames: the directory follows the name. */
	CHECK_OK("rename_dummy1", link_set("dummy1", false, "renamed1", -1));
	CHECK_OK("rename_veth_b", in_netns(ns_b.fd, rename_veth_b));
	check_all(_metadata, "rename", all3, 3);
	CHECK(access(DEVS "/dummy1", F_OK) && !access(DEVS "/renamed1", F_OK), "renamed_dir",
	      "dummy1 still there or renamed1 missing");

	/* A move to another namespace. */
	CHECK_OK("move_dummy0", link_set("dummy0", false, NULL, ns_a.fd));
	check_all(_metadata, "move", all3, 3);

	/* Deletion. */
	CHECK_OK("delete_dummy0", in_netns(ns_a.fd, delete_dummy0));
	check_all(_metadata, "delete", all3, 3);

	/*
	 * A namespace destroyed (its mount of statsfs, which holds it, goes
	 * first): its veth end goes, and so does the other end, in A.
	 */
	CHECK_OK("umount_b", umount(ns_b.mnt));
	close(ns_b.fd);
	snprintf(buf, sizeof(buf), "%s/veth_a", ns_a.dir);
	for (i = 0; i < 200 && !access(buf, F_OK); i++)
		usleep(50000);
	CHECK(access(buf, F_OK), "destroyed_namespace_takes_the_peer", "%s still there", buf);
	check_all(_metadata, "destroy", all2, 2);

	/* The module unloads under open files, which then read 0. */
	snprintf(buf, sizeof(buf), "%s/lo/rx_packets", ns_a.dir);
	fds[0] = open(DEVS "/lo/rx_packets", O_RDONLY);
	fds[1] = open(buf, O_RDONLY);
	fds[2] = open(NET "/tx_bytes", O_RDONLY);
	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0, "open_files", "%s", strerror(errno));
	CHECK_OK("unload_with_files_open", unload_module("statsfs_net"));
	CHECK(access(NET, F_OK), "net_gone_after_unload", "net/ still there");
	for (i = 0; i < 3; i++) {
		ssize_t n = pread(fds[i], buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = '\0';
		CHECK(n == 2 && !strcmp(buf, "0\n"), "open_file_reads_0", "%d: %zd \"%s\"", i, n,
		      buf);
		close(fds[i]);
	}
	umount(ns_a.mnt);
	close(ns_a.fd);
	link_del("renamed1");
}

/*
 * Reads net/.values (every value of the namespace, one snapshot per device) over and
 * over, until killed; exits 1 on an error, 2 if lo's record is missed.
 */
static void values_reader(void)
{
	for (;;) {
		size_t len;
		char *text = read_chunked(NET "/.values", 65536, &len);

		if (!text)
			_exit(1);
		if (!strstr(text, "\ndev/lo/rx_packets "))
			_exit(2);
		free(text);
	}
}

/* The same load on sysfs: every device's statistics files, over and over. */
static void sysfs_reader(void)
{
	static const char *const fields[] = { "rx_packets", "tx_packets", "rx_bytes", "tx_bytes" };

	for (;;) {
		DIR *d = opendir("/sys/class/net");
		struct dirent *e;

		if (!d)
			_exit(1);
		while ((e = readdir(d))) {
			char path[300];
			uint64_t v;
			size_t k;

			if (e->d_name[0] == '.')
				continue;
			for (k = 0; k < ARRAY_SIZE(fields); k++) {
				snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s",
					 e->d_name, fields[k]);
				read_u64(path, &v);
			}
		}
		closedir(d);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Registers and removes @n dummy devices (the dummy module's numdummies); seconds each way. */
static int dummies(int n, double *reg, double *unreg)
{
	char cmd[64];
	double t0 = now();
	int r;

	snprintf(cmd, sizeof(cmd), "modprobe dummy numdummies=%d", n);
	r = system(cmd);
	*reg = now() - t0;
	t0 = now();
	r |= unload_module("dummy");
	*unreg = now() - t0;
	return r;
}

/* Registers and removes @n dummy devices while 2 processes run @reader; 0 if they ran throughout. */
static int dummies_under(void (*reader)(void), int n, double *reg, double *unreg)
{
	pid_t readers[2];
	int i, status, bad;

	for (i = 0; i < 2; i++) {
		readers[i] = fork();
		if (readers[i] == 0)
			reader();
	}
	bad = dummies(n, reg, unreg) ? 10 : 0;
	for (i = 0; i < 2; i++) {
		kill(readers[i], SIGTERM);
		waitpid(readers[i], &status, 0);
		bad += !WIFSIGNALED(status);
	}
	return bad;
}

/*
 * Dummy devices registered and removed (the dummy module registers them all under one
 * RTNL hold, and unregisters them under another, so the time per device is RTNL's hold
 * time per device): without statsfs_net (sysfs's own cost), with it, and with it while
 * 2 readers read net/.values over and over, against the same while 2 readers read
 * sysfs's statistics (the guest has 2 CPUs: the readers' CPU time weighs on both the
 * same). The readers must see lo every time, and no read may fail.
 * statsfs_net_dummies=N, 40 by default (1,000 in make bench).
 */
TEST(dummies_come_and_go_under_readers)
{
	double reg0, unreg0, reg1, unreg1, reg2, unreg2, reg3, unreg3, worst;
	int n = 40;

	if (getenv("statsfs_net_dummies"))
		n = atoi(getenv("statsfs_net_dummies"));
	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		TH_LOG("mount: %s", strerror(errno));
	unload_module("dummy");
	CHECK_OK("dummies_without_statsfs_net", dummies(n, &reg0, &unreg0));
	CHECK_OK("load_statsfs_net", load_module(NET_MODULE));
	CHECK_OK("dummies_with_statsfs_net", dummies(n, &reg1, &unreg1));
	CHECK_OK("dummies_under_values_readers", dummies_under(values_reader, n, &reg2, &unreg2));
	CHECK_OK("dummies_under_sysfs_readers", dummies_under(sysfs_reader, n, &reg3, &unreg3));
	CHECK(access(DEVS "/dummy0", F_OK), "dummies_gone", "net/dev/dummy0 still there");
	CHECK_OK("unload_statsfs_net", unload_module("statsfs_net"));
	CHECK_OK("umount", umount(MNT));
	printf("# bench: %d dummy devices, RTNL held per device, register / remove: %.0f / %.0f us without statsfs_net, %.0f / %.0f us with it (%.2fx / %.2fx); with 2 readers of net/.values %.0f / %.0f us, with 2 readers of sysfs %.0f / %.0f us (%.2fx / %.2fx)\n",
	       n, reg0 * 1e6 / n, unreg0 * 1e6 / n, reg1 * 1e6 / n, unreg1 * 1e6 / n,
	       reg1 / reg0, unreg1 / unreg0, reg2 * 1e6 / n, unreg2 * 1e6 / n, reg3 * 1e6 / n,
	       unreg3 * 1e6 / n, reg2 / reg3, unreg2 / unreg3);
	worst = reg2 / reg3 > unreg2 / unreg3 ? reg2 / reg3 : unreg2 / unreg3;
	printf("# bench target rtnl_hold_under_values_readers_vs_sysfs_readers: %.2fx (goal <= 1.2x): %s\n",
	       worst, worst <= 1.2 ? "met" : "missed");
	printf("# bench done net\n");
}

TEST_HARNESS_MAIN
