// SPDX-License-Identifier: GPL-2.0
/*
 * Random sequences of statsfs C API calls, checked against a reference model.
 * About 760 lines: the model, its steps and its checks belong together.
 *
 * Up to MDL_SLOTS sources live at once. Each step picks one call at random
 * (create, register, add_values, remove_values, add_subordinate,
 * remove_subordinate, remove, revoke, get, put, clear, or a change of the
 * values' memory) and checks its return value against the model. Then it
 * checks values through stats_fs_source_get_value() against values the model
 * recomputes by brute force from the memory it owns: after every step those
 * of the groups of the source the step acted on, and every @full_every steps
 * every value and aggregate of every live source. Every @fs_every steps it
 * also compares the whole tree as the file system shows it (on a mount of its
 * own): the set of directories, the files in each, and the text of every file. With both at 1,
 * everything is compared after every step: under KASAN and lockdep in QEMU TCG
 * that is more than 9 ms a step, so `make check` spaces the full comparisons out
 * and a long run on demand does them all (see the README).
 *
 * Loaded by tests/selftests/statsfs/50-model.c, which walks a mount of
 * statsfs from other processes while the sequence runs. The seed is
 * printed; load with seed=N to replay a failure.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/stats_fs.h>
#include <linux/string.h>

#include "stats_fs_test_vfs.h"

static unsigned int steps = 100000;
module_param(steps, uint, 0444);
MODULE_PARM_DESC(steps, "Steps of the random sequence");
static unsigned int seed;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "Seed of the sequence (0: a random one, printed)");
static unsigned int full_every = 1;
module_param(full_every, uint, 0444);
MODULE_PARM_DESC(full_every, "Compare every value of every source every this many steps");
static unsigned int fs_every = 1;
module_param(fs_every, uint, 0444);
MODULE_PARM_DESC(fs_every, "Compare the file system every this many steps");

#define MDL_SLOTS	6
#define MDL_BASES	2
#define MDL_GROUPS	8
#define MDL_ARRAYS	2
#define MDL_AGGREGATE	(-1)

/* The memory the values live in: MDL_BASES instances per slot. */
struct mdl_data {
	u64 sum;
	s64 min;
	u64 zero;
	u64 gauge;
	u32 max;
	s32 avg;
	u16 avg16;
	s16 smax;
	u8 b8;
	bool flag;
};

static struct mdl_data mdl_data[MDL_SLOTS][MDL_BASES];

#define MDL_VALUE(n, field, t, aggr, flags) \
	{ .name = n, .offset = offsetof(struct mdl_data, field), \
	  .type = &stats_fs_type_##t, .aggr_kind = aggr, .value_flag = flags }

static struct stats_fs_value mdl_array_a[] = {
	MDL_VALUE("sum", sum, u64, STATS_FS_SUM, 0),
	MDL_VALUE("max", max, u32, STATS_FS_MAX, 0),
	MDL_VALUE("min", min, s64, STATS_FS_MIN, 0),
	MDL_VALUE("zeros", zero, u64, STATS_FS_COUNT_ZERO, 0),
	MDL_VALUE("avg", avg, s32, STATS_FS_AVG, 0),
	MDL_VALUE("gauge", gauge, u64, STATS_FS_SUM, STATS_FS_FLOATING_VALUE),
	{ .name = NULL },
};

static struct stats_fs_value mdl_array_b[] = {
	MDL_VALUE("b8", b8, u8, STATS_FS_SUM, 0),
	MDL_VALUE("flag", flag, bool, STATS_FS_SUM, 0),
	MDL_VALUE("smax", smax, s16, STATS_FS_MAX, 0),
	MDL_VALUE("avg16", avg16, u16, STATS_FS_AVG, 0),
	{ .name = NULL },
};

static struct stats_fs_value *const mdl_arrays[MDL_ARRAYS] = { mdl_array_a, mdl_array_b };
static const int mdl_array_len[MDL_ARRAYS] = {
	ARRAY_SIZE(mdl_array_a) - 1, ARRAY_SIZE(mdl_array_b) - 1
};

struct mdl_group {
	int arr;
	int base;		/* index into mdl_data[slot], or MDL_AGGREGATE */
	bool revoked;
	bool hidden;
};

struct mdl_slot {
	struct stats_fs_source *src;	/* NULL: free slot */
	char name[16];
	int refs;			/* references the test holds */
	int parent;			/* slot, or -1 */
	bool registered;
	bool hidden;
	int ngroups;
	struct mdl_group groups[MDL_GROUPS];
};

struct mdl {
	struct kunit *test;
	struct vfsmount *mnt;
	struct rnd_state rnd;
	struct mdl_slot slot[MDL_SLOTS];
	unsigned int step, created;
	const char *op;
	char *buf;		/* PAGE_SIZE, for file contents */
	bool failed;
};

static u32 mdl_rand(struct mdl *m, u32 n)
{
	return prandom_u32_state(&m->rnd) % n;
}

#define MDL_FAIL(m, fmt, ...) do {						\
	struct mdl *__m = (m);							\
										\
	if (!__m->failed)							\
		KUNIT_FAIL(__m->test, "seed %u, step %u (%s): " fmt, seed,	\
			   __m->step, __m->op, ##__VA_ARGS__);			\
	__m->failed = true;							\
} while (0)

/* Reads descriptor @i of @arr from @d as u64, sign-extended as statsfs does. */
static u64 mdl_read(const struct mdl_data *d, int arr, int i)
{
	const void *p = (const char *)d + mdl_arrays[arr][i].offset;
	const struct stats_fs_type *t = mdl_arrays[arr][i].type;

	if (t == &stats_fs_type_u64)
		return READ_ONCE(*(const u64 *)p);
	if (t == &stats_fs_type_s64)
		return (u64)READ_ONCE(*(const s64 *)p);
	if (t == &stats_fs_type_u32)
		return READ_ONCE(*(const u32 *)p);
	if (t == &stats_fs_type_s32)
		return (u64)(s64)READ_ONCE(*(const s32 *)p);
	if (t == &stats_fs_type_u16)
		return READ_ONCE(*(const u16 *)p);
	if (t == &stats_fs_type_s16)
		return (u64)(s64)READ_ONCE(*(const s16 *)p);
	if (t == &stats_fs_type_u8)
		return READ_ONCE(*(const u8 *)p);
	return READ_ONCE(*(const bool *)p);
}

static void mdl_zero(struct mdl_data *d, int arr, int i)
{
	memset((char *)d + mdl_arrays[arr][i].offset, 0, mdl_arrays[arr][i].type->size);
}

static bool mdl_signed(int arr, int i)
{
	return mdl_arrays[arr][i].type->sign;
}

/* The newest group of @s with descriptor array @arr, or NULL. */
static struct mdl_group *mdl_find(struct mdl_slot *s, int arr)
{
	int k;

	for (k = s->ngroups - 1; k >= 0; k--)
		if (s->groups[k].arr == arr)
			return &s->groups[k];
	return NULL;
}

/* The live group of @s added as (@arr, @base), or NULL. */
static struct mdl_group *mdl_live(struct mdl_slot *s, int arr, int base)
{
	int k;

	for (k = 0; k < s->ngroups; k++)
		if (s->groups[k].arr == arr && s->groups[k].base == base && !s->groups[k].revoked)
			return &s->groups[k];
	return NULL;
}

static bool mdl_has_live(struct mdl_slot *s, int arr)
{
	int k;

	for (k = 0; k < s->ngroups; k++)
		if (s->groups[k].arr == arr && !s->groups[k].revoked)
			return true;
	return false;
}

/* Whether slot @a is @s or one of its ancestors. */
static bool mdl_in_subtree(struct mdl *m, int s, int a)
{
	for (; a >= 0; a = m->slot[a].parent)
		if (a == s)
			return true;
	return false;
}

struct mdl_acc {
	u64 sum, umin, umax, zeros, count;
	s64 smin, smax, ssum;
};

/* The model's value of descriptor @i of group @g of slot @s. */
static u64 mdl_value(struct mdl *m, int s, const struct mdl_group *g, int i)
{
	int arr = g->arr, c, k;
	bool sign = mdl_signed(arr, i);
	struct mdl_acc a = { .umin = U64_MAX, .smin = S64_MAX, .smax = S64_MIN };

	if (g->revoked)
		return 0;
	if (g->base != MDL_AGGREGATE)
		return mdl_read(&mdl_data[s][g->base], arr, i);
	for (c = 0; c < MDL_SLOTS; c++) {
		struct mdl_slot *cs = &m->slot[c];

		if (!cs->src || !mdl_in_subtree(m, s, c))
			continue;
		for (k = 0; k < cs->ngroups; k++) {
			const struct mdl_group *cg = &cs->groups[k];
			u64 v;

			if (cg->arr != arr || cg->base == MDL_AGGREGATE || cg->revoked)
				continue;
			v = mdl_read(&mdl_data[c][cg->base], arr, i);
			a.count++;
			a.sum += v;
			a.ssum += (s64)v;
			a.zeros += v == 0;
			a.umin = min(a.umin, v);
			a.umax = max(a.umax, v);
			a.smin = min_t(s64, a.smin, v);
			a.smax = max_t(s64, a.smax, v);
		}
	}
	switch (mdl_arrays[arr][i].aggr_kind) {
	case STATS_FS_SUM:
		return a.sum;
	case STATS_FS_MIN:
		return sign ? (u64)a.smin : a.umin;
	case STATS_FS_MAX:
		return sign ? (u64)a.smax : a.umax;
	case STATS_FS_COUNT_ZERO:
		return a.zeros;
	case STATS_FS_AVG:
		if (!a.count)
			return 0;
		return sign ? (u64)div64_s64(a.ssum, a.count) : div64_u64(a.sum, a.count);
	default:
		return 0;
	}
}

/* Whether slot @s has a directory in the file system. */
static bool mdl_visible(struct mdl *m, int s)
{
	for (; s >= 0; s = m->slot[s].parent) {
		if (m->slot[s].hidden)
			return false;
		if (m->slot[s].registered)
			return true;
	}
	return false;
}

/*
 * Every value of slot @s, through the C API; with @all false, only those of
 * the arrays it has a group of (the others are only -ENOENT).
 */
static void mdl_check_slot(struct mdl *m, int s, bool all)
{
	struct mdl_slot *sl = &m->slot[s];
	int arr, i;

	if (!sl->src)
		return;
	for (arr = 0; arr < MDL_ARRAYS; arr++) {
		struct mdl_group *g = mdl_find(sl, arr);

		for (i = 0; i < mdl_array_len[arr] && (g || all); i++) {
			struct stats_fs_value *val = &mdl_arrays[arr][i];
			u64 got = 1, want = g ? mdl_value(m, s, g, i) : 0;
			int err = stats_fs_source_get_value(sl->src, val, &got);

			if (err != (g ? 0 : -ENOENT) || got != want)
				MDL_FAIL(m, "%s/%s: get_value %d, %llu; model %d, %llu", sl->name,
					 val->name, err, got, g ? 0 : -ENOENT, want);
		}
	}
}

struct mdl_listing {
	struct dir_context ctx;
	char names[64][24];
	int n;
	bool overflow;
};

static bool mdl_filldir(struct dir_context *ctx, const char *name, int len, loff_t pos,
			u64 ino, unsigned int type)
{
	struct mdl_listing *l = container_of(ctx, struct mdl_listing, ctx);

	if ((len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2)))
		return true;
	if (l->n == ARRAY_SIZE(l->names) || len >= sizeof(l->names[0])) {
		l->overflow = true;
		return false;
	}
	memcpy(l->names[l->n], name, len);
	l->names[l->n][len] = '\0';
	l->n++;
	return true;
}

/* Lists @path into @l; returns 0 or -errno. */
static int mdl_list(struct mdl *m, const char *path, struct mdl_listing *l)
{
	struct file *f = stats_fs_test_open(m->mnt, path, O_RDONLY | O_DIRECTORY);
	int err, before;

	memset(l, 0, sizeof(*l));
	l->ctx.actor = mdl_filldir;
	if (IS_ERR(f))
		return PTR_ERR(f);
	do {
		before = l->n;
		err = iterate_dir(f, &l->ctx);
	} while (!err && l->n != before && !l->overflow);
	fput(f);
	return l->overflow ? -E2BIG : err;
}

/* Takes @name out of @l if it is there; returns whether it was. */
static bool mdl_take(struct mdl_listing *l, const char *name)
{
	int k;

	for (k = 0; k < l->n; k++) {
		if (!strcmp(l->names[k], name)) {
			l->names[k][0] = '\0';
			return true;
		}
	}
	return false;
}

/* Directory of visible slot @s, and its files and subdirectories. */
static void mdl_check_dir(struct mdl *m, int s, struct mdl_listing *l, char *path, size_t len)
{
	struct mdl_slot *sl = &m->slot[s];
	char want[32];
	int c, k, i, err;
	ssize_t n;

	err = mdl_list(m, path, l);
	if (err) {
		MDL_FAIL(m, "listing %s: %d", path, err);
		return;
	}
	for (c = 0; c < MDL_SLOTS; c++)
		if (m->slot[c].src && m->slot[c].parent == s && mdl_visible(m, c) &&
		    !mdl_take(l, m->slot[c].name))
			MDL_FAIL(m, "%s: subordinate %s not listed", path, m->slot[c].name);
	for (k = 0; k < sl->ngroups; k++) {
		const struct mdl_group *g = &sl->groups[k];

		if (g->revoked || g->hidden)
			continue;
		for (i = 0; i < mdl_array_len[g->arr]; i++) {
			const char *name = mdl_arrays[g->arr][i].name;
			u64 v = mdl_value(m, s, g, i);

			if (!mdl_take(l, name)) {
				MDL_FAIL(m, "%s: %s not listed", path, name);
				continue;
			}
			snprintf(path + len, PATH_MAX - len, "/%s", name);
			n = stats_fs_test_read(m->mnt, path, m->buf, PAGE_SIZE);
			if (mdl_signed(g->arr, i))
				snprintf(want, sizeof(want), "%lld\n", (s64)v);
			else
				snprintf(want, sizeof(want), "%llu\n", v);
			if (n < 0 || strcmp(m->buf, want))
				MDL_FAIL(m, "%s: read %zd \"%s\", model \"%s\"", path, n,
					 n < 0 ? "" : m->buf, want);
			path[len] = '\0';
		}
	}
	for (k = 0; k < l->n; k++)
		if (l->names[k][0])
			MDL_FAIL(m, "%s: unexpected entry %s", path, l->names[k]);
}

/* The whole tree of the model's sources, through the file system. */
static void mdl_check_fs(struct mdl *m)
{
	struct mdl_listing *l = kmalloc(sizeof(*l), GFP_KERNEL);
	char *path = kmalloc(PATH_MAX, GFP_KERNEL);
	int s, err;
	size_t len;

	if (!l || !path) {
		MDL_FAIL(m, "out of memory");
		goto out;
	}
	err = mdl_list(m, ".", l);
	if (err) {
		MDL_FAIL(m, "listing the top: %d", err);
		goto out;
	}
	/* The root: the registered visible sources among the entries named mdl-*. */
	for (s = 0; s < MDL_SLOTS; s++)
		if (m->slot[s].src && m->slot[s].registered && !m->slot[s].hidden &&
		    !mdl_take(l, m->slot[s].name))
			MDL_FAIL(m, "top: %s not listed", m->slot[s].name);
	for (s = 0; s < l->n; s++)
		if (!strncmp(l->names[s], "mdl-", 4))
			MDL_FAIL(m, "top: unexpected entry %s", l->names[s]);
	for (s = 0; s < MDL_SLOTS && !m->failed; s++) {
		int a, depth, chain[MDL_SLOTS];

		if (!m->slot[s].src || !mdl_visible(m, s))
			continue;
		/* Its path: the names from the registered ancestor down. */
		for (depth = 0, a = s; a >= 0 && depth < MDL_SLOTS; a = m->slot[a].parent)
			chain[depth++] = a;
		len = scnprintf(path, PATH_MAX, ".");
		while (depth--)
			len += scnprintf(path + len, PATH_MAX - len, "/%s",
					 m->slot[chain[depth]].name);
		mdl_check_dir(m, s, l, path, len);
	}
out:
	kfree(path);
	kfree(l);
}

/* The source of slot @s just lost its last reference: the model's teardown. */
static void mdl_teardown(struct mdl *m, int s)
{
	struct mdl_slot *sl = &m->slot[s];
	int c;

	sl->src = NULL;
	for (c = 0; c < MDL_SLOTS; c++) {
		if (!m->slot[c].src || m->slot[c].parent != s)
			continue;
		m->slot[c].parent = -1;
		if (!m->slot[c].refs)
			mdl_teardown(m, c);
	}
}

/* Every group revoked; of the revoked groups, the first of each array is kept. */
static void mdl_revoke(struct mdl_slot *sl)
{
	bool kept[MDL_ARRAYS] = { };
	int k, n = 0;

	for (k = 0; k < sl->ngroups; k++) {
		struct mdl_group g = sl->groups[k];

		if (kept[g.arr])
			continue;
		kept[g.arr] = true;
		g.revoked = true;
		sl->groups[n++] = g;
	}
	sl->ngroups = n;
}

/* A slot the test holds a reference to, or -1. */
static int mdl_pick_held(struct mdl *m)
{
	int s = mdl_rand(m, MDL_SLOTS), k;

	for (k = 0; k < MDL_SLOTS; k++, s = (s + 1) % MDL_SLOTS)
		if (m->slot[s].src && m->slot[s].refs)
			return s;
	return -1;
}

static void mdl_expect(struct mdl *m, int got, int want, const char *what)
{
	if (got != want)
		MDL_FAIL(m, "%s returned %d, model %d", what, got, want);
}

/* Creates a source in a free slot, if the one drawn is free; returns the slot. */
static int mdl_create(struct mdl *m)
{
	int s = mdl_rand(m, MDL_SLOTS);
	struct mdl_slot *sl = &m->slot[s];
	u32 flags = mdl_rand(m, 8) ? 0 : STATS_FS_HIDDEN;

	m->op = "create";
	if (sl->src)
		return -1;
	memset(sl, 0, sizeof(*sl));
	snprintf(sl->name, sizeof(sl->name), "mdl-%u", m->created++);
	sl->src = stats_fs_source_create(flags, "%s", sl->name);
	if (IS_ERR(sl->src)) {
		MDL_FAIL(m, "create: %ld", PTR_ERR(sl->src));
		sl->src = NULL;
		return -1;
	}
	sl->refs = 1;
	sl->parent = -1;
	sl->hidden = flags;
	return s;
}

/* One step; returns the slot it acted on, or -1. */
static int mdl_step(struct mdl *m)
{
	int s = mdl_pick_held(m), c, arr, base, want, err;
	u32 flags;
	struct mdl_slot *sl, *cs;
	struct mdl_group *g;

	if (s < 0)
		return mdl_create(m);
	sl = &m->slot[s];
	switch (mdl_rand(m, 13)) {
	case 0:
		return mdl_create(m);
	case 1:
		m->op = "register";
		want = sl->registered || sl->parent >= 0 ? -EBUSY : 0;
		mdl_expect(m, stats_fs_source_register(sl->src), want, m->op);
		sl->registered |= !want;
		break;
	case 2:
	case 3:
		m->op = "add_values";
		arr = mdl_rand(m, MDL_ARRAYS);
		base = (int)mdl_rand(m, MDL_BASES + 1) - 1;
		/* One live group per array and source: no two files of one name. */
		if (mdl_has_live(sl, arr) && !mdl_live(sl, arr, base))
			break;
		want = mdl_live(sl, arr, base) ? -EEXIST : 0;
		flags = mdl_rand(m, 6) ? 0 : STATS_FS_HIDDEN;
		err = stats_fs_source_add_values(sl->src, mdl_arrays[arr],
						 base < 0 ? NULL : &mdl_data[s][base], flags);
		mdl_expect(m, err, want, m->op);
		if (!err && sl->ngroups == MDL_GROUPS) {
			MDL_FAIL(m, "more than %d groups", MDL_GROUPS);
		} else if (!err) {
			g = &sl->groups[sl->ngroups++];
			*g = (struct mdl_group){ .arr = arr, .base = base, .hidden = flags };
		}
		break;
	case 4:
		m->op = "remove_values";
		arr = mdl_rand(m, MDL_ARRAYS);
		base = (int)mdl_rand(m, MDL_BASES + 1) - 1;
		g = mdl_live(sl, arr, base);
		mdl_expect(m, stats_fs_source_remove_values(sl->src, mdl_arrays[arr],
							    base < 0 ? NULL : &mdl_data[s][base]),
			   g ? 0 : -ENOENT, m->op);
		if (g) {
			int k = g - sl->groups;

			memmove(g, g + 1, (sl->ngroups - k - 1) * sizeof(*g));
			sl->ngroups--;
		}
		break;
	case 5:
		m->op = "add_subordinate";
		c = mdl_pick_held(m);
		cs = &m->slot[c];
		if (cs->registered || cs->parent >= 0)
			want = -EBUSY;
		else if (mdl_in_subtree(m, c, s))
			want = -EINVAL;
		else
			want = 0;
		mdl_expect(m, stats_fs_source_add_subordinate(sl->src, cs->src), want, m->op);
		if (!want)
			cs->parent = s;
		break;
	case 6:
		/* Any subordinate of @s, held by the test or only by @s. */
		m->op = "remove_subordinate";
		c = mdl_rand(m, MDL_SLOTS);
		cs = &m->slot[c];
		if (!cs->src || (!cs->refs && cs->parent != s))
			break;
		stats_fs_source_remove_subordinate(sl->src, cs->src);
		if (cs->parent == s) {
			cs->parent = -1;
			if (!cs->refs)
				mdl_teardown(m, c);
		}
		break;
	case 7:
		m->op = "remove";
		stats_fs_source_remove(sl->src);
		if (sl->registered)
			sl->registered = false;
		else
			sl->parent = -1;
		break;
	case 8:
		m->op = "revoke";
		stats_fs_source_revoke(sl->src);
		mdl_revoke(sl);
		break;
	case 9:
		m->op = "get";
		stats_fs_source_get(sl->src);
		sl->refs++;
		break;
	case 10:
		m->op = "put";
		stats_fs_source_put(sl->src);
		if (!--sl->refs && sl->parent < 0)
			mdl_teardown(m, s);
		break;
	case 11: {
		int i;

		m->op = "clear";
		arr = mdl_rand(m, MDL_ARRAYS);
		i = mdl_rand(m, mdl_array_len[arr]);
		g = mdl_find(sl, arr);
		if (!g)
			want = -ENOENT;
		else if (g->revoked)
			want = 0;
		else if (mdl_arrays[arr][i].value_flag & STATS_FS_FLOATING_VALUE)
			want = -EPERM;
		else
			want = 0;
		mdl_expect(m, stats_fs_source_clear(sl->src, &mdl_arrays[arr][i]), want, m->op);
		if (want || !g || g->revoked)
			break;
		if (g->base != MDL_AGGREGATE) {
			mdl_zero(&mdl_data[s][g->base], arr, i);
			break;
		}
		for (c = 0; c < MDL_SLOTS; c++) {
			int k;

			if (!m->slot[c].src || !mdl_in_subtree(m, s, c))
				continue;
			for (k = 0; k < m->slot[c].ngroups; k++) {
				struct mdl_group *cg = &m->slot[c].groups[k];

				if (cg->arr == arr && cg->base != MDL_AGGREGATE && !cg->revoked)
					mdl_zero(&mdl_data[c][cg->base], arr, i);
			}
		}
		break;
	}
	default: {
		/* New contents for one of @s's memory blocks: small, with zeros. */
		struct mdl_data *d = &mdl_data[s][mdl_rand(m, MDL_BASES)];

		m->op = "set";
		WRITE_ONCE(d->sum, (u64)prandom_u32_state(&m->rnd) << 32 |
			   prandom_u32_state(&m->rnd));
		WRITE_ONCE(d->min, (s64)mdl_rand(m, 2001) - 1000);
		WRITE_ONCE(d->zero, mdl_rand(m, 3));
		WRITE_ONCE(d->gauge, mdl_rand(m, 100));
		WRITE_ONCE(d->max, prandom_u32_state(&m->rnd));
		WRITE_ONCE(d->avg, (s32)mdl_rand(m, 2001) - 1000);
		WRITE_ONCE(d->avg16, mdl_rand(m, 65536));
		WRITE_ONCE(d->smax, (s16)mdl_rand(m, 65536));
		WRITE_ONCE(d->b8, mdl_rand(m, 256));
		WRITE_ONCE(d->flag, mdl_rand(m, 2));
		break;
	}
	}
	return s;
}

static void random_sequences_match_the_model(struct kunit *test)
{
	struct mdl *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	int s, acted, full_checks = 0, fs_checks = 0;

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	m->mnt = stats_fs_test_mount();
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(m->mnt), "mount: %ld", PTR_ERR(m->mnt));
	if (!seed)
		seed = get_random_u32() ?: 1;
	kunit_info(test, "seed %u, %u steps, every value every %u steps, file system every %u steps",
		   seed, steps, full_every, fs_every);
	m->test = test;
	prandom_seed_state(&m->rnd, seed);
	for (s = 0; s < MDL_SLOTS; s++)
		m->slot[s].parent = -1;
	for (m->step = 0; m->step < steps && !m->failed; m->step++) {
		acted = mdl_step(m);
		if (full_every && m->step % full_every == 0) {
			for (s = 0; s < MDL_SLOTS; s++)
				mdl_check_slot(m, s, true);
			full_checks++;
		} else if (acted >= 0) {
			mdl_check_slot(m, acted, false);
		}
		if (fs_every && m->step % fs_every == 0) {
			mdl_check_fs(m);
			fs_checks++;
		}
		/* Long runs say how far they got. */
		if (m->step && m->step % 100000 == 0 && m->step < steps)
			kunit_info(test, "%u steps done", m->step);
		cond_resched();
	}
	/* Put every reference the test holds: everything goes. */
	m->op = "teardown";
	for (s = 0; s < MDL_SLOTS; s++) {
		while (m->slot[s].src && m->slot[s].refs) {
			stats_fs_source_put(m->slot[s].src);
			if (!--m->slot[s].refs && m->slot[s].parent < 0)
				mdl_teardown(m, s);
		}
	}
	for (s = 0; s < MDL_SLOTS; s++)
		if (m->slot[s].src)
			MDL_FAIL(m, "%s outlives the test's references", m->slot[s].name);
	mdl_check_fs(m);
	kunit_info(test, "%u steps, %u sources created, %d full and %d file system comparisons",
		   m->step, m->created, full_checks, fs_checks + 1);
	kern_unmount(m->mnt);
}

static struct kunit_case mdl_cases[] = {
	KUNIT_CASE_SLOW(random_sequences_match_the_model),
	{}
};

static struct kunit_suite mdl_suite = {
	.name = "statsfs_model",
	.test_cases = mdl_cases,
};

kunit_test_suite(mdl_suite);

MODULE_DESCRIPTION("statsfs: random C API sequences against a reference model");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("STATS_FS");
