/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network devices and namespaces for the in-guest programs, through rtnetlink
 * (busybox's ip knows neither veth nor namespaces): create dummy and veth
 * devices, bring them up, rename them, move them between namespaces, delete
 * them; create network namespaces and run code in them; send frames.
 */
#ifndef STATSFS_GUEST_NET_UTIL_H
#define STATSFS_GUEST_NET_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct nl_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char buf[1024];
};

static inline struct rtattr *nl_tail(struct nlmsghdr *nh)
{
	return (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
}

static inline struct rtattr *nl_attr(struct nlmsghdr *nh, int type, const void *data,
				     size_t len)
{
	struct rtattr *rta = nl_tail(nh);

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

/* Ends a nested attribute opened with nl_attr(nh, type, NULL, 0). */
static inline void nl_nest_end(struct nlmsghdr *nh, struct rtattr *nest)
{
	nest->rta_len = (char *)nl_tail(nh) - (char *)nest;
}

static inline void nl_init(struct nl_req *req, int type, int flags)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req->nh.nlmsg_type = type;
	req->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	req->ifi.ifi_family = AF_UNSPEC;
}

/*
 * Sends request @req on a new netlink socket of protocol @proto in the current
 * namespace and reads the answer to its end: @each (if not NULL) is called for
 * every message of it, and an error message (or an acknowledgement, error 0)
 * ends it. Returns 0 or -errno; -EIO for an answer that no @each takes.
 */
static inline int nl_exchange(int proto, const struct nlmsghdr *req,
			      void (*each)(struct nlmsghdr *, void *), void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char reply[65536];	/* a dump's messages come in pages */
	int fd, err = 0;
	bool done = false;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	while (!done && !err) {
		ssize_t n = recv(fd, reply, sizeof(reply), 0);
		struct nlmsghdr *nh;

		if (n < 0) {
			err = -errno;
			break;
		}
		for (nh = (struct nlmsghdr *)reply; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
				done = true;
				break;
			}
			if (!each) {
				err = -EIO;
				break;
			}
			each(nh, arg);
			if (!(nh->nlmsg_flags & NLM_F_MULTI))
				done = true;
		}
	}
out:
	close(fd);
	return err;
}

/* Sends rtnetlink request @req (it asks for an acknowledgement); 0 or -errno. */
static inline int nl_talk(struct nl_req *req)
{
	return nl_exchange(NETLINK_ROUTE, &req->nh, NULL, NULL);
}

/* Creates a device called @name of a kind that needs no attributes ("dummy", "bridge"). */
static inline int link_add_kind(const char *name, const char *kind)
{
	struct nl_req req;
	struct rtattr *info;

	nl_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nl_attr(&req.nh, IFLA_IFNAME, name, strlen(name) + 1);
	info = nl_attr(&req.nh, IFLA_LINKINFO, NULL, 0);
	nl_attr(&req.nh, IFLA_INFO_KIND, kind, strlen(kind));
	nl_nest_end(&req.nh, info);
	return nl_talk(&req);
}

/* Creates a dummy device called @name. */
static inline int link_add_dummy(const char *name)
{
	return link_add_kind(name, "dummy");
}

static inline int link_add_veth(const char *name, const char *peer, int peer_ns)
{
	struct rtattr *info, *data, *peer_attr;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };
	struct nl_req req;

	nl_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nl_attr(&req.nh, IFLA_IFNAME, name, strlen(name) + 1);
	info = nl_attr(&req.nh, IFLA_LINKINFO, NULL, 0);
	nl_attr(&req.nh, IFLA_INFO_KIND, "veth", 4);
	data = nl_attr(&req.nh, IFLA_INFO_DATA, NULL, 0);
	peer_attr = nl_attr(&req.nh, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	nl_attr(&req.nh, IFLA_IFNAME, peer, strlen(peer) + 1);
	nl_attr(&req.nh, IFLA_NET_NS_FD, &peer_ns, sizeof(peer_ns));
	nl_nest_end(&req.nh, peer_attr);
	nl_nest_end(&req.nh, data);
	nl_nest_end(&req.nh, info);
	return nl_talk(&req);
}

/* Creates VLAN @id called @name on device @lower. */
static inline int link_add_vlan(const char *name, const char *lower, unsigned short id)
{
	unsigned int link = if_nametoindex(lower);
	struct rtattr *info, *data;
	struct nl_req req;

	if (!link)
		return -ENODEV;
	nl_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nl_attr(&req.nh, IFLA_IFNAME, name, strlen(name) + 1);
	nl_attr(&req.nh, IFLA_LINK, &link, sizeof(link));
	info = nl_attr(&req.nh, IFLA_LINKINFO, NULL, 0);
	nl_attr(&req.nh, IFLA_INFO_KIND, "vlan", 4);
	data = nl_attr(&req.nh, IFLA_INFO_DATA, NULL, 0);
	nl_attr(&req.nh, IFLA_VLAN_ID, &id, sizeof(id));
	nl_nest_end(&req.nh, data);
	nl_nest_end(&req.nh, info);
	return nl_talk(&req);
}

/* Creates a bridge called @name. */
static inline int link_add_bridge(const char *name)
{
	return link_add_kind(name, "bridge");
}

static inline int link_set_master(const char *name, const char *master)
{
	unsigned int index = if_nametoindex(name), m = if_nametoindex(master);
	struct nl_req req;

	if (!index || !m)
		return -ENODEV;
	nl_init(&req, RTM_NEWLINK, 0);
	req.ifi.ifi_index = index;
	nl_attr(&req.nh, IFLA_MASTER, &m, sizeof(m));
	return nl_talk(&req);
}

/* Changes device @name of the current namespace: up, a new name, or another namespace. */
static inline int link_set(const char *name, bool up, const char *new_name, int to_ns)
{
	struct nl_req req;
	unsigned int index = if_nametoindex(name);

	if (!index)
		return -ENODEV;
	nl_init(&req, RTM_NEWLINK, 0);
	req.ifi.ifi_index = index;
	if (up) {
		req.ifi.ifi_flags = IFF_UP;
		req.ifi.ifi_change = IFF_UP;
	}
	if (new_name)
		nl_attr(&req.nh, IFLA_IFNAME, new_name, strlen(new_name) + 1);
	if (to_ns >= 0)
		nl_attr(&req.nh, IFLA_NET_NS_FD, &to_ns, sizeof(to_ns));
	return nl_talk(&req);
}

/* Deletes device @name of the current namespace. */
static inline int link_del(const char *name)
{
	struct nl_req req;
	unsigned int index = if_nametoindex(name);

	if (!index)
		return -ENODEV;
	nl_init(&req, RTM_DELLINK, 0);
	req.ifi.ifi_index = index;
	return nl_talk(&req);
}

/* The namespace this thread is in, as an fd. */
static inline int netns_self(void)
{
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

/* A new network namespace, as an fd; the thread stays where it was. */
static inline int netns_new(void)
{
	int self = netns_self(), ns = -1;

	if (self >= 0 && !unshare(CLONE_NEWNET)) {
		ns = netns_self();
		if (setns(self, CLONE_NEWNET)) {
			close(ns);
			ns = -1;
		}
	}
	if (self >= 0)
		close(self);
	return ns;
}

/* The inode number of namespace @ns: statsfs names its directory "net:[inum]". */
static inline unsigned long netns_inum(int ns)
{
	char link[64], path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", ns);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = '\0';
	return strtoul(link + strlen("net:["), NULL, 10);
}

/* Enters namespace @ns (an fd, or -1 to stay); returns the fd to come back, or -1. */
static inline int netns_enter(int ns)
{
	int self = netns_self();

	if (ns >= 0 && setns(ns, CLONE_NEWNET)) {
		close(self);
		return -1;
	}
	return self;
}

static inline void netns_leave(int back)
{
	if (back >= 0) {
		setns(back, CLONE_NEWNET);
		close(back);
	}
}

/*
 * Sends @count broadcast frames of @len bytes (EtherType 0x88b5, local
 * experimental) from device @name of namespace @ns (an fd, or -1 for the
 * current one). Returns how many were sent.
 */
static inline int send_frames(int ns, const char *name, int count, int len)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
	unsigned char frame[1500] = {};
	int back = netns_enter(ns), fd, i, sent = 0;

	to.sll_ifindex = if_nametoindex(name);
	memset(to.sll_addr, 0xff, ETH_ALEN);
	memset(frame, 0xff, ETH_ALEN);
	frame[12] = 0x88;
	frame[13] = 0xb5;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	for (i = 0; fd >= 0 && i < count; i++)
		sent += sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) == len;
	if (fd >= 0)
		close(fd);
	netns_leave(back);
	return sent;
}

/* The fields of struct rtnl_link_stats64, in order: statsfs's file names. */
#define NFIELDS 25
static const char *const fields[NFIELDS] __attribute__((unused)) = {
	"rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors",
	"rx_dropped", "tx_dropped", "multicast", "collisions", "rx_length_errors",
	"rx_over_errors", "rx_crc_errors", "rx_frame_errors", "rx_fifo_errors",
	"rx_missed_errors", "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors",
	"tx_heartbeat_errors", "tx_window_errors", "rx_compressed", "tx_compressed",
	"rx_nohandler", "rx_otherhost_dropped",
};

#endif /* STATSFS_GUEST_NET_UTIL_H */
