/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metadata files (.values, .schema, .stats) against the files they sum up:
 * whole reads with any buffer size, a per-file walk of a directory giving the
 * lines .values should have, and a parser of .stats with <linux/kvm.h>'s
 * structs only.
 */
#ifndef STATSFS_GUEST_BULK_UTIL_H
#define STATSFS_GUEST_BULK_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A growing list of lines. */
struct lines {
	char **line;
	int n, cap;
};

static inline void lines_add(struct lines *l, const char *text, size_t len)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->line = realloc(l->line, l->cap * sizeof(*l->line));
	}
	l->line[l->n] = strndup(text, len);
	l->n++;
}

static inline void lines_free(struct lines *l)
{
	while (l->n)
		free(l->line[--l->n]);
	free(l->line);
	memset(l, 0, sizeof(*l));
}

static inline int lines_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline void lines_sort(struct lines *l)
{
	qsort(l->line, l->n, sizeof(*l->line), lines_cmp);
}

/* Reads @path to its end with read()s of @chunk bytes; returns a malloc'd buffer. */
static inline char *read_chunked(const char *path, size_t chunk, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY), e;
	ssize_t r;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (n + chunk > cap) {
			cap = 2 * (n + chunk);
			buf = realloc(buf, cap + 1);
		}
		r = read(fd, buf + n, chunk);
		if (r <= 0)
			break;
		n += r;
	}
	e = errno;
	close(fd);
	if (r < 0) {
		free(buf);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Splits @text into @l, a line each (without the newlines). */
static inline void lines_of(struct lines *l, const char *text)
{
	const char *p = text, *nl;

	while ((nl = strchr(p, '\n'))) {
		lines_add(l, p, nl - p);
		p = nl + 1;
	}
}

/*
 * The lines .values should hold for @dir: "path value" for every regular file below
 * it, walked file by file (histograms are directories of buckets), sorted.
 */
static inline void walk_lines(struct lines *l, const char *dir, const char *prefix)
{
	char path[1024], rel[1024], buf[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		ssize_t n;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(rel, sizeof(rel), "%s%s", prefix, e->d_name);
		if (e->d_type == DT_DIR) {
			strncat(rel, "/", sizeof(rel) - strlen(rel) - 1);
			walk_lines(l, path, rel);
			continue;
		}
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			continue;
		buf[n - 1] = '\0';	/* the newline */
		strncat(rel, " ", sizeof(rel) - strlen(rel) - 1);
		strncat(rel, buf, sizeof(rel) - strlen(rel) - 1);
		lines_add(l, rel, strlen(rel));
	}
	if (d)
		closedir(d);
}

/* A .stats file read whole: the header, then pointers into it. */
struct kvm_layout {
	char *buf;
	size_t len;
	struct kvm_stats_header h;
	size_t desc_size;
};

/* Reads .stats file @path with @chunk-byte reads; 0 or -1 if its layout is not sound. */
/*
 * Reads a .stats file whole, in reads of @chunk bytes, and checks its header.
 * Returns -1 with errno set on failure: ESTALE if the values below the
 * directory changed while it was read (the layout fixed at open no longer
 * describes them; open it again).
 */
static inline int kvm_layout_read(struct kvm_layout *k, const char *path, size_t chunk)
{
	memset(k, 0, sizeof(*k));
	k->buf = read_chunked(path, chunk, &k->len);
	if (!k->buf)
		return -1;
	errno = EINVAL;
	if (k->len < sizeof(k->h))
		return -1;
	memcpy(&k->h, k->buf, sizeof(k->h));
	k->desc_size = sizeof(struct kvm_stats_desc) + k->h.name_size;
	if (k->h.name_size % 8 || k->h.id_offset != sizeof(k->h) ||
	    k->h.desc_offset != k->h.id_offset + k->h.name_size ||
	    k->h.data_offset != k->h.desc_offset + k->h.num_desc * k->desc_size ||
	    k->h.data_offset > k->len)
		return -1;
	return 0;
}

static inline struct kvm_stats_desc *kvm_layout_desc(struct kvm_layout *k, unsigned int i)
{
	return (struct kvm_stats_desc *)(k->buf + k->h.desc_offset + i * k->desc_size);
}

static inline uint64_t *kvm_layout_data(struct kvm_layout *k, struct kvm_stats_desc *d)
{
	return (uint64_t *)(k->buf + k->h.data_offset + d->offset);
}

#endif /* STATSFS_GUEST_BULK_UTIL_H */
