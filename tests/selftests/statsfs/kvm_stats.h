/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's binary stats fds (KVM_GET_STATS_FD), read whole the way
 * Documentation/virt/kvm/api.rst describes them: the oracle the KVM tests
 * compare statsfs with, on every architecture.
 */
#ifndef STATSFS_GUEST_KVM_STATS_H
#define STATSFS_GUEST_KVM_STATS_H

#include <errno.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* One read of a stats fd: header, descriptors, data. */
struct stats {
	struct kvm_stats_header h;
	size_t desc_size;
	char *descs;
	uint64_t *data;
	size_t data_len;
};

static inline struct kvm_stats_desc *stats_desc(const struct stats *s, unsigned int i)
{
	return (struct kvm_stats_desc *)(s->descs + i * s->desc_size);
}

static inline uint64_t *stats_data(const struct stats *s, const struct kvm_stats_desc *d)
{
	return s->data + d->offset / sizeof(uint64_t);
}

static inline void stats_free(struct stats *s)
{
	free(s->descs);
	free(s->data);
	memset(s, 0, sizeof(*s));
}

/* Reads a whole stats fd the way KVM documents it; 0 or -errno. */
static inline int stats_read(int fd, struct stats *s)
{
	size_t n, max_end = 0;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	if (pread(fd, &s->h, sizeof(s->h), 0) != sizeof(s->h))
		return -EIO;
	s->desc_size = sizeof(struct kvm_stats_desc) + s->h.name_size;
	n = s->desc_size * s->h.num_desc;
	s->descs = malloc(n);
	if (!s->descs || pread(fd, s->descs, n, s->h.desc_offset) != (ssize_t)n)
		return -EIO;
	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = stats_desc(s, i);
		size_t end = d->offset + d->size * sizeof(uint64_t);

		if (end > max_end)
			max_end = end;
	}
	s->data_len = max_end;
	s->data = malloc(max_end);
	if (!s->data || pread(fd, s->data, max_end, s->h.data_offset) != (ssize_t)max_end)
		return -EIO;
	return 0;
}

static inline bool is_hist(const struct kvm_stats_desc *d)
{
	unsigned int type = d->flags & KVM_STATS_TYPE_MASK;

	return type == KVM_STATS_TYPE_LINEAR_HIST || type == KVM_STATS_TYPE_LOG_HIST;
}

static inline bool is_peak(const struct kvm_stats_desc *d)
{
	return (d->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_PEAK;
}

/* Reads the stats fd of the VM or vCPU whose fd is @fd; 0 or -errno. */
static inline int stats_of(int fd, struct stats *s)
{
	int sfd = ioctl(fd, KVM_GET_STATS_FD, NULL);
	int r;

	if (sfd < 0)
		return -errno;
	r = stats_read(sfd, s);
	close(sfd);
	return r;
}

#endif /* STATSFS_GUEST_KVM_STATS_H */
