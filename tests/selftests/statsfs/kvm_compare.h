/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Comparing statsfs's kvm/ with KVM's own stats fds, for the KVM tests of every
 * architecture: one-integer files, mismatch tallies, the aggregation statsfs
 * documents (sum, maximum for peaks, histograms bucket by bucket), a
 * directory's layout against the descriptor tables, kvm_stat's output, and the
 * lines of .values and .schema. Include after harness.h and the architecture's
 * VM header (kvm_util.h on x86), which defines struct vm { fd, name, nr_vcpus,
 * vcpu[] } and struct vcpu { fd, id }, MAX_VCPUS and vcpu_stats()/vm_stats().
 */
#ifndef STATSFS_GUEST_KVM_COMPARE_H
#define STATSFS_GUEST_KVM_COMPARE_H

#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "bulk_util.h"
#include "kvm_stats.h"
#include "util.h"

/* Paths here are short; at worst a truncated path shortens a failure message. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#ifndef MNT
#define MNT "/sys/kernel/stats"
#endif
#define KVM_DIR MNT "/kvm"
#define DBG_DIR "/sys/kernel/debug/kvm"

/* Parses exactly one decimal integer and a newline; true on success. */
static inline bool parse_value(const char *text, int64_t *out, bool *negative)
{
	const char *p = text;
	char *end;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	errno = 0;
	if (negative)
		*negative = text[0] == '-';
	*out = text[0] == '-' ? strtoll(text, &end, 10) : (int64_t)strtoull(text, &end, 10);
	return !errno && end[0] == '\n' && end[1] == '\0';
}

/* Reads one integer file; 0 or -errno (-EINVAL if it is not one integer). */
static inline int read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	int64_t x;
	int r = slurp(path, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (!parse_value(buf, &x, NULL))
		return -EINVAL;
	*v = (uint64_t)x;
	return 0;
}

/* Mismatch bookkeeping for one comparison case. */
struct tally {
	unsigned int compared;
	unsigned int bad;
	char first[384];
};

static inline void tally_check(struct tally *t, const char *path, int r, uint64_t got,
			       uint64_t want)
{
	t->compared++;
	if (r == 0 && got == want)
		return;
	if (!t->bad++)
		snprintf(t->first, sizeof(t->first), "%s: read %d, got %" PRIu64
			 ", want %" PRIu64, path, r, got, want);
	if (t->bad <= 8)
		printf("# mismatch %s: read %d, got %" PRIu64 ", want %" PRIu64 "\n", path,
		       r, got, want);
}

static inline void tally_report(TEST_METADATA, const char *name, const struct tally *t)
{
	CHECK(t->bad == 0 && t->compared > 0, name,
	      "%u of %u values differ; first: %s", t->bad, t->compared,
	      t->compared ? t->first : "nothing compared");
}

/* Compares the statsfs file(s) of @d under @dir with @vals (one per bucket). */
static inline void compare_stat(struct tally *t, const char *dir,
				const struct kvm_stats_desc *d, const uint64_t *vals)
{
	char path[512];
	uint64_t got = 0;
	unsigned int b;
	int r;

	if (!is_hist(d)) {
		snprintf(path, sizeof(path), "%s/%s", dir, d->name);
		r = read_u64(path, &got);
		tally_check(t, path, r, got, vals[0]);
		return;
	}
	for (b = 0; b < d->size; b++) {
		snprintf(path, sizeof(path), "%s/%s/%u", dir, d->name, b);
		got = 0;
		r = read_u64(path, &got);
		tally_check(t, path, r, got, vals[b]);
	}
}

/* Folds @vals into @acc the way statsfs aggregates @d: max for peaks, else sum. */
static inline void aggregate(const struct kvm_stats_desc *d, uint64_t *acc, const uint64_t *vals)
{
	unsigned int b;

	for (b = 0; b < d->size; b++) {
		if (is_peak(d))
			acc[b] = vals[b] > acc[b] ? vals[b] : acc[b];
		else
			acc[b] += vals[b];
	}
}

/* The entries of @dir, sorted, NUL separated, in @out; returns their count. */
static inline int list_dir(const char *dir, char out[][64], int max, bool *dirs)
{
	struct dirent **names;
	char path[512];
	struct stat st;
	int i, k = 0, n = scandir(dir, &names, NULL, alphasort);

	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..") &&
		    k < max) {
			snprintf(out[k], 64, "%.63s", names[i]->d_name);
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			dirs[k] = !stat(path, &st) && S_ISDIR(st.st_mode);
			k++;
		}
		free(names[i]);
	}
	free(names);
	return k;
}

static inline int find_name(char names[][64], int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

#define MAX_ENTRIES 256
static char entries[MAX_ENTRIES][64];
static bool entry_is_dir[MAX_ENTRIES];

/*
 * Checks that @dir holds exactly: the statistics of @tables (histograms as
 * directories of @size files named 0..size-1, the others as files), and the
 * names in @extra (files unless they start with "vcpu" or contain '-'). Other
 * VM directories at the top are allowed through @allow_vms.
 */
static inline void check_layout(TEST_METADATA, const char *name, const char *dir,
				struct stats **tables, int nr_tables, const char *const *extra,
				bool allow_vms)
{
	bool seen[MAX_ENTRIES] = {};
	char why[256] = "";
	int n = list_dir(dir, entries, MAX_ENTRIES, entry_is_dir);
	int i, t, k;

	if (n < 0) {
		CHECK(0, name, "%s: %s", dir, strerror(-n));
		return;
	}
	for (t = 0; t < nr_tables; t++) {
		for (i = 0; i < (int)tables[t]->h.num_desc; i++) {
			const struct kvm_stats_desc *d = stats_desc(tables[t], i);
			char sub[512];
			bool sub_dirs[64];
			char (*buckets)[64] = malloc(64 * 64);
			int nb;

			k = find_name(entries, n, d->name);
			if (k < 0 || entry_is_dir[k] != is_hist(d)) {
				snprintf(why, sizeof(why), "%s: %s %s", dir, d->name,
					 k < 0 ? "missing" : "of the wrong type");
				free(buckets);
				goto out;
			}
			seen[k] = true;
			if (is_hist(d)) {
				snprintf(sub, sizeof(sub), "%s/%s", dir, d->name);
				nb = list_dir(sub, buckets, 64, sub_dirs);
				for (k = 0; k < nb; k++) {
					char want[16];

					snprintf(want, sizeof(want), "%d", k);
					if (find_name(buckets, nb, want) < 0)
						break;
				}
				if (nb != d->size || k != nb) {
					snprintf(why, sizeof(why), "%s: %d buckets, want %u",
						 sub, nb, d->size);
					free(buckets);
					goto out;
				}
			}
			free(buckets);
		}
	}
	for (i = 0; extra && extra[i]; i++) {
		k = find_name(entries, n, extra[i]);
		if (k < 0) {
			snprintf(why, sizeof(why), "%s: %s missing", dir, extra[i]);
			goto out;
		}
		seen[k] = true;
	}
	for (k = 0; k < n; k++) {
		bool vm_dir = entry_is_dir[k] && isdigit((unsigned char)entries[k][0]) &&
			      strchr(entries[k], '-');

		if (!seen[k] && !(allow_vms && vm_dir)) {
			snprintf(why, sizeof(why), "%s: unexpected entry %s", dir, entries[k]);
			goto out;
		}
	}
out:
	CHECK(!why[0], name, "%s", why);
}

/* kvm_stat's debugfs rule: every regular file listed in @dir is one integer. */
static inline int files_are_integers(const char *dir, char *why, size_t size)
{
	char path[512], buf[128];
	int i, n = list_dir(dir, entries, MAX_ENTRIES, entry_is_dir);
	int64_t v;

	if (n <= 0) {
		snprintf(why, size, "%s: %d entries", dir, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (entry_is_dir[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]);
		if (slurp(path, buf, sizeof(buf)) < 0 || !parse_value(buf, &v, NULL)) {
			snprintf(why, size, "%s: \"%s\"", path, buf);
			return -1;
		}
	}
	return 0;
}

struct kvm_stat_row {
	char name[64];
	uint64_t value;
};

/* Parses kvm_stat -1 output ("name value delta" lines); returns the row count. */
static inline int read_kvm_stat(const char *path, struct kvm_stat_row *rows, int max)
{
	char line[256];
	int n = 0;
	FILE *f = fopen(path, "r");

	while (f && n < max && fgets(line, sizeof(line), f)) {
		unsigned long long v, delta;

		if (sscanf(line, "%63s %llu %llu", rows[n].name, &v, &delta) == 3) {
			rows[n].value = v;
			n++;
		}
	}
	if (f)
		fclose(f);
	return n;
}

/* The KVM_STATS_TYPE_* of .schema's kind column. */
static const char *const schema_kinds[] = {
	"cumulative", "instant", "peak", "linear_hist", "log_hist",
};

static const char *const schema_units[] = { "none", "bytes", "seconds", "cycles", "boolean" };

/* The descriptor named @name in @s, or NULL. */
static inline struct kvm_stats_desc *desc_named(const struct stats *s, const char *name, size_t len)
{
	unsigned int n;

	for (n = 0; n < s->h.num_desc; n++) {
		struct kvm_stats_desc *d = stats_desc(s, n);

		if (strlen(d->name) == len && !strncmp(d->name, name, len))
			return d;
	}
	return NULL;
}

/*
 * Line @line of a VM's .values ("<path> <value>") against KVM's stats fds: the VM's
 * statistics, each vCPU's (vcpuN/...), and the VM's aggregates of its vCPUs' (the sum
 * over the fds, the maximum for a peak). A histogram's line names its bucket
 * (<path>/<bucket>). Returns -1 if KVM has no such statistic, else whether it differs.
 */
static inline int values_line_differs(const char *line, const struct stats *vm_stats,
				      const struct stats *vcpus, int nr_vcpus)
{
	const char *sp = strrchr(line, ' '), *name = line, *slash;
	unsigned long long got = sp ? strtoull(sp + 1, NULL, 10) : 0, want = 0;
	const struct stats *only = NULL;
	struct kvm_stats_desc *d;
	unsigned int bucket = 0;
	size_t len;
	int j;

	if (!sp)
		return 1;
	if (!strncmp(name, "vcpu", 4) && strchr(name, '/') < sp) {
		j = atoi(name + 4);
		if (j >= nr_vcpus)
			return -1;
		only = &vcpus[j];
		name = strchr(name, '/') + 1;
	}
	slash = strchr(name, '/');
	len = (slash && slash < sp ? slash : sp) - name;
	if (slash && slash < sp)
		bucket = atoi(slash + 1);
	if (only) {
		d = desc_named(only, name, len);
		if (!d || bucket >= d->size)
			return -1;
		return stats_data(only, d)[bucket] != got;
	}
	d = desc_named(vm_stats, name, len);
	if (d)
		return bucket >= d->size ? -1 : stats_data(vm_stats, d)[bucket] != got;
	for (j = 0; j < nr_vcpus; j++) {
		uint64_t v;

		d = desc_named(&vcpus[j], name, len);
		if (!d || bucket >= d->size)
			return -1;
		v = stats_data(&vcpus[j], d)[bucket];
		if ((d->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_PEAK)
			want = v > want ? v : want;
		else
			want += v;
	}
	return nr_vcpus ? want != got : -1;
}

/*
 * The .schema line statsfs documents for statistic @d at @path of a KVM
 * directory (bucket @bucket of a histogram): "<path> u64 unsigned <sum|max>
 * <flags> <kind> <unit> <base>^<exponent> <layout>", with "aggregate" among
 * the flags when the line is one.
 */
static inline void schema_line(char *buf, size_t size, const char *path,
			       const struct kvm_stats_desc *d, unsigned int bucket,
			       bool aggregate)
{
	unsigned int type = (d->flags & KVM_STATS_TYPE_MASK) >> KVM_STATS_TYPE_SHIFT;
	unsigned int unit = (d->flags & KVM_STATS_UNIT_MASK) >> KVM_STATS_UNIT_SHIFT;
	bool instant = (d->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_INSTANT;
	char layout[64] = "-", name[320];

	snprintf(name, sizeof(name), "%s", path);
	if (is_hist(d)) {
		snprintf(name, sizeof(name), "%s/%u", path, bucket);
		snprintf(layout, sizeof(layout), "bucket=%u/%u", bucket, d->size);
		if ((d->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_LINEAR_HIST)
			snprintf(layout + strlen(layout), sizeof(layout) - strlen(layout),
				 ",width=%u", d->bucket_size);
	}
	snprintf(buf, size, "%s u64 unsigned %s %s%s %s %s %s^%d %s", name,
		 is_peak(d) ? "max" : "sum", aggregate ? "aggregate," : "",
		 instant ? "floating" : "clearable", schema_kinds[type % 5],
		 schema_units[unit % 5], (d->flags & KVM_STATS_BASE_MASK) ? "2" : "10",
		 d->exponent, layout);
}

/* Adds the .schema lines of every statistic of @s under @prefix to @l. */
static inline void schema_lines_of(struct lines *l, const char *prefix,
				   const struct stats *s, bool aggregate)
{
	char path[320], line[512];
	unsigned int i, b;

	for (i = 0; i < s->h.num_desc; i++) {
		const struct kvm_stats_desc *d = stats_desc(s, i);

		snprintf(path, sizeof(path), "%s%s", prefix, d->name);
		for (b = 0; b < (is_hist(d) ? d->size : 1); b++) {
			schema_line(line, sizeof(line), path, d, b, aggregate);
			lines_add(l, line, strlen(line));
		}
	}
}

/*
 * Checks a VM directory's .schema, line by line: its own statistics (@vm, not
 * aggregates), the aggregates of its vCPUs' (@vcpus[0]'s descriptors), and each vCPU's
 * own, vcpu<id>/... (@ids), exactly as schema_line() says; besides those it
 * may hold only the lines of @allowed, a NULL-terminated list of names a
 * vCPU's directory has besides the statistics ("pid").
 */
static inline void check_vm_schema(TEST_METADATA, const char *name, const char *dir,
				   const struct stats *vm, const struct stats *vcpus,
				   const int *ids, int nr_vcpus, const char *const *allowed)
{
	struct lines want = {}, got = {};
	char path[512], prefix[32], why[640] = "";
	unsigned int other = 0;
	int i, j, k, a;
	size_t len;
	char *text;

	schema_lines_of(&want, "", vm, false);
	if (nr_vcpus)
		schema_lines_of(&want, "", &vcpus[0], true);
	for (j = 0; j < nr_vcpus; j++) {
		snprintf(prefix, sizeof(prefix), "vcpu%d/", ids[j]);
		schema_lines_of(&want, prefix, &vcpus[j], false);
	}
	snprintf(path, sizeof(path), "%s/.schema", dir);
	text = read_chunked(path, 4096, &len);
	lines_of(&got, text ? text : "");
	free(text);
	/* Every line statsfs should print is there, once. */
	for (i = 0; i < want.n && !why[0]; i++) {
		for (k = 0, a = 0; k < got.n; k++)
			a += !strcmp(got.line[k], want.line[i]);
		if (a != 1)
			snprintf(why, sizeof(why), "%s: \"%.300s\" %s", path, want.line[i],
				 a ? "more than once" : "missing");
	}
	/* And every other line is one of @allowed in a vCPU's directory. */
	for (k = 0; k < got.n && !why[0]; k++) {
		const char *line = got.line[k], *slash = strchr(line, '/');
		bool ok = false;

		for (i = 0; i < want.n && !ok; i++)
			ok = !strcmp(line, want.line[i]);
		if (ok)
			continue;
		for (a = 0; allowed && allowed[a] && slash && !strncmp(line, "vcpu", 4); a++)
			ok |= !strncmp(slash + 1, allowed[a], strlen(allowed[a])) &&
			      slash[1 + strlen(allowed[a])] == ' ';
		if (!ok)
			snprintf(why, sizeof(why), "%s: unexpected line \"%.300s\"", path, line);
		other++;
	}
	CHECK(!why[0] && want.n > 0, name, "%s (%d lines, %d expected, %u others)", why, got.n,
	      want.n, other);
	lines_free(&want);
	lines_free(&got);
}

/*
 * Every statsfs value of every VM and vCPU in @vms against KVM's own stats fds,
 * and the aggregates also against debugfs; a vCPU's directory holds the
 * statistics, its debugfs files (with the same values) and @vcpu_extra (a
 * NULL-terminated list). @vcpu_debugfs says whether the architecture gives
 * vCPUs debugfs directories (__KVM_HAVE_ARCH_VCPU_DEBUGFS): if not, none may
 * exist. Call with no vCPU running.
 */
static inline void compare_everything(TEST_METADATA, struct vm *vms, int nr_vms,
				      const char *const *vcpu_extra, bool vcpu_debugfs)
{
	int vcpu_debugfs_dirs = 0;
	struct tally vm_values = {}, vcpu_values = {}, vm_aggr = {}, vm_aggr_dbg = {};
	struct tally global = {}, global_dbg = {}, extras = {};
	struct stats vm_s, vc_s, first_vm = {}, first_vcpu = {};
	uint64_t *vm_total = NULL, *vcpu_total = NULL;
	char dir[256], path[512], dpath[512], why[512] = "";
	int i, j, r = 0;
	unsigned int k;

	for (i = 0; i < nr_vms; i++) {
		struct vm *vm = &vms[i];
		uint64_t *per_vm;
		const char *const vm_extra_dirs[MAX_VCPUS + 1] = {
			"vcpu0", "vcpu1", "vcpu2", "vcpu3", NULL,
		};
		const char *vm_extra[MAX_VCPUS + 1] = {};
		struct stats *tables[2];

		r = vm_stats(vm, &vm_s);
		if (r)
			break;
		if (!vm_total) {
			first_vm = vm_s;
			vm_total = calloc(vm_s.data_len / 8 + 1, 8);
		}
		snprintf(dir, sizeof(dir), "%s/%s", KVM_DIR, vm->name);
		for (k = 0; k < vm_s.h.num_desc; k++) {
			struct kvm_stats_desc *d = stats_desc(&vm_s, k);

			compare_stat(&vm_values, dir, d, stats_data(&vm_s, d));
			aggregate(d, vm_total + d->offset / 8, stats_data(&vm_s, d));
		}
		per_vm = NULL;
		for (j = 0; j < vm->nr_vcpus; j++) {
			char vdir[300];

			r = vcpu_stats(&vm->vcpu[j], &vc_s);
			if (r)
				break;
			if (!per_vm)
				per_vm = calloc(vc_s.data_len / 8 + 1, 8);
			if (!vcpu_total) {
				first_vcpu = vc_s;
				vcpu_total = calloc(vc_s.data_len / 8 + 1, 8);
			}
			snprintf(vdir, sizeof(vdir), "%s/vcpu%d", dir, vm->vcpu[j].id);
			for (k = 0; k < vc_s.h.num_desc; k++) {
				struct kvm_stats_desc *d = stats_desc(&vc_s, k);

				compare_stat(&vcpu_values, vdir, d, stats_data(&vc_s, d));
				aggregate(d, per_vm + d->offset / 8, stats_data(&vc_s, d));
				aggregate(d, vcpu_total + d->offset / 8, stats_data(&vc_s, d));
			}
			/*
			 * Each file of the vCPU's debugfs directory has the same value
			 * in statsfs; those, mp_state and the statistics are all the
			 * vCPU's directory holds.
			 */
			{
				char dvdir[300], dnames[16][64];
				const char *extra[18];
				int m, nd = 0, n2;

				snprintf(dvdir, sizeof(dvdir), "%s/%s/vcpu%d", DBG_DIR,
					 vm->name, vm->vcpu[j].id);
				n2 = list_dir(dvdir, entries, MAX_ENTRIES, entry_is_dir);
				vcpu_debugfs_dirs += n2 >= 0;
				for (m = 0; m < n2 && nd < 16; m++)
					snprintf(dnames[nd++], 64, "%s", entries[m]);
				for (m = 0; m < nd; m++) {
					uint64_t got = 0;
					int64_t sv;
					char buf[64];

					extra[m] = dnames[m];
					snprintf(dpath, sizeof(dpath), "%s/%s", dvdir, dnames[m]);
					snprintf(path, sizeof(path), "%s/%s", vdir, dnames[m]);
					if (slurp(dpath, buf, sizeof(buf)) < 0 ||
					    !parse_value(buf, &sv, NULL))
						continue;
					int rr = read_u64(path, &got);

					tally_check(&extras, path, rr, got, (uint64_t)sv);
				}
				for (m = 0; vcpu_extra && vcpu_extra[m] && nd + m < 17; m++)
					extra[nd + m] = vcpu_extra[m];
				extra[nd + m] = NULL;
				tables[0] = &vc_s;
				snprintf(path, sizeof(path), "vcpu_layout_vm%d_vcpu%d", i, j);
				check_layout(_metadata, path, vdir, tables, 1, extra, false);
			}
			if (vc_s.descs != first_vcpu.descs)
				stats_free(&vc_s);
		}
		if (r)
			break;
		/* The VM's aggregates of its vCPUs' statistics. */
		for (k = 0; k < first_vcpu.h.num_desc; k++) {
			struct kvm_stats_desc *d = stats_desc(&first_vcpu, k);
			uint64_t dbg = 0;

			compare_stat(&vm_aggr, dir, d, per_vm + d->offset / 8);
			if (is_peak(d))
				continue;
			/* debugfs sums, and shows a histogram's bucket 0 only. */
			snprintf(dpath, sizeof(dpath), "%s/%s/%s", DBG_DIR, vm->name, d->name);
			r = read_u64(dpath, &dbg);
			snprintf(path, sizeof(path), "%s/%s%s", dir, d->name,
				 is_hist(d) ? "/0" : "");
			{
				uint64_t got = 0;
				int r2 = read_u64(path, &got);

				tally_check(&vm_aggr_dbg, path, r ? r : r2, got, dbg);
			}
			r = 0;
		}
		free(per_vm);
		for (j = 0; j < vm->nr_vcpus; j++)
			vm_extra[j] = vm_extra_dirs[vm->vcpu[j].id];
		tables[0] = &vm_s;
		tables[1] = &first_vcpu;
		snprintf(path, sizeof(path), "vm_layout_vm%d", i);
		check_layout(_metadata, path, dir, tables, 2, vm_extra, false);
		if (!why[0])
			files_are_integers(dir, why, sizeof(why));
		if (vm_s.descs != first_vm.descs)
			stats_free(&vm_s);
	}
	CHECK(r == 0, "stats_fds_read", "%s", strerror(-r));
	if (r || !vm_total || !vcpu_total)
		return;
	tally_report(_metadata, "vm_values_match_stats_fd", &vm_values);
	tally_report(_metadata, "vcpu_values_match_stats_fd", &vcpu_values);
	tally_report(_metadata, "vm_aggregates_match_stats_fds", &vm_aggr);
	tally_report(_metadata, "vm_aggregates_match_debugfs", &vm_aggr_dbg);
	if (vcpu_debugfs)
		tally_report(_metadata, "vcpu_extras_match_debugfs", &extras);
	else
		CHECK(!vcpu_debugfs_dirs, "no_vcpu_directories_in_debugfs", "%d found",
		      vcpu_debugfs_dirs);

	/* kvm/: every VM statistic over all VMs, every vCPU one over all vCPUs. */
	for (i = 0; i < 2; i++) {
		struct stats *s = i ? &first_vcpu : &first_vm;
		uint64_t *total = i ? vcpu_total : vm_total;

		for (k = 0; k < s->h.num_desc; k++) {
			struct kvm_stats_desc *d = stats_desc(s, k);
			uint64_t dbg = 0, got = 0;

			compare_stat(&global, KVM_DIR, d, total + d->offset / 8);
			if (is_peak(d))
				continue;
			snprintf(dpath, sizeof(dpath), "%s/%s", DBG_DIR, d->name);
			snprintf(path, sizeof(path), "%s/%s%s", KVM_DIR, d->name,
				 is_hist(d) ? "/0" : "");
			r = read_u64(dpath, &dbg);
			if (!r)
				r = read_u64(path, &got);
			tally_check(&global_dbg, path, r, got, dbg);
		}
	}
	tally_report(_metadata, "global_aggregates_match_stats_fds", &global);
	tally_report(_metadata, "global_aggregates_match_debugfs", &global_dbg);
	{
		struct stats *tables[2] = { &first_vm, &first_vcpu };

		check_layout(_metadata, "global_layout", KVM_DIR, tables, 2, NULL, true);
	}
	if (!why[0])
		files_are_integers(KVM_DIR, why, sizeof(why));
	CHECK(!why[0], "kvm_stat_rule_every_listed_file_is_one_integer", "%s", why);
	free(vm_total);
	free(vcpu_total);
	stats_free(&first_vm);
	stats_free(&first_vcpu);
}

/*
 * The kernel's kvm_stat, unmodified, in its debugfs mode with past values
 * (-d -i -1), once on debugfs and once on statsfs's kvm/ bind-mounted over
 * debugfs's: every field it shows on statsfs has debugfs's value, and the
 * only fields missing are the histograms, which are directories in statsfs.
 * @vcpu: a vCPU, whose stats fd says which statistics are histograms.
 * @min_fields: the fewest fields kvm_stat must show on statsfs.
 */
static inline void kvm_stat_unmodified(TEST_METADATA, struct vcpu *vcpu, int min_fields)
{
	static struct kvm_stat_row dbg[256], sfs[256];
	struct stats s = {};
	char why[256] = "";
	int r1, r2 = -1, nd, ns, i, k, missing = 0;
	uint64_t total;

	r1 = system("/usr/bin/python3 /usr/bin/kvm_stat -d -i -1 >/tmp/kvm_stat.debugfs 2>&1");
	if (!mount(KVM_DIR, DBG_DIR, NULL, MS_BIND, NULL)) {
		r2 = system("/usr/bin/python3 /usr/bin/kvm_stat -d -i -1 >/tmp/kvm_stat.statsfs 2>&1");
		umount(DBG_DIR);
	}
	nd = read_kvm_stat("/tmp/kvm_stat.debugfs", dbg, 256);
	ns = read_kvm_stat("/tmp/kvm_stat.statsfs", sfs, 256);
	CHECK(r1 == 0 && r2 == 0 && ns >= min_fields, "kvm_stat_runs_on_statsfs",
	      "exit %d and %d, %d fields on statsfs, %d on debugfs", r1, r2, ns, nd);
	if (vcpu_stats(vcpu, &s))
		return;
	for (i = 0; i < nd && !why[0]; i++) {
		for (k = 0; k < ns && strcmp(sfs[k].name, dbg[i].name); k++)
			;
		if (k < ns) {
			if (sfs[k].value != dbg[i].value)
				snprintf(why, sizeof(why), "%s: %" PRIu64 " on statsfs, %" PRIu64
					 " on debugfs", dbg[i].name, sfs[k].value, dbg[i].value);
			continue;
		}
		/* Not on statsfs: it must be a histogram. */
		for (k = 0; k < (int)s.h.num_desc; k++)
			if (!strcmp(stats_desc(&s, k)->name, dbg[i].name) &&
			    is_hist(stats_desc(&s, k)))
				break;
		if (k == (int)s.h.num_desc)
			snprintf(why, sizeof(why), "%s missing on statsfs", dbg[i].name);
		missing++;
	}
	for (k = 0, total = 0; k < ns; k++)
		total += sfs[k].value;
	printf("# kvm_stat -d -i -1: %d fields on debugfs, %d on statsfs (the %d others are histograms), values summing to %" PRIu64 "\n",
	       nd, ns, missing, total);
	CHECK(!why[0] && nd > 0 && ns + missing == nd && total > 0,
	      "kvm_stat_values_match_debugfs",
	      "%s (%d fields on debugfs, %d on statsfs, %d histograms)", why, nd, ns, missing);
	stats_free(&s);
}

#endif /* STATSFS_GUEST_KVM_COMPARE_H */
