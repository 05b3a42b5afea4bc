// SPDX-License-Identifier: GPL-2.0
/*
 * KVM in statsfs, with real VMs running real guest code.
 *
 * Several VMs with several vCPUs run real-mode code that makes a known number
 * of port I/O exits, MMIO exits and HLTs; one VM has an in-kernel irqchip and
 * a vCPU that halts in the kernel until a signal wakes it, which fills the
 * halt histograms. Then, with no vCPU running, every statsfs value of every VM
 * and vCPU is compared with the same statistic read through KVM_GET_STATS_FD,
 * and the per-VM and global aggregates with KVM's debugfs files and with the
 * values of the stats fds combined the way statsfs documents (sum, or maximum
 * for peaks; histograms bucket by bucket). Also: the layout follows the
 * descriptor tables, kvm_stat's rule that every listed file in kvm/ and in a
 * VM's directory is one integer, the vCPU extras against debugfs, mp_state by
 * name, clearing, destruction with files held open, a taken directory name
 * (a suffix), VM and vCPU creation with each allocation failed in turn, and
 * unloading KVM with files open.
 */
#define _GNU_SOURCE
#define STATSFS_DESTRUCTIVE "unloads and reloads kvm and kvm_amd, and injects allocation failures"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bulk_util.h"
#include "kvm_util.h"
#include "harness.h"
#include "util.h"

/* Paths here are short; at worst a truncated path shortens a failure message. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MNT "/sys/kernel/stats"
#define KVM_DIR MNT "/kvm"
#define DBG_DIR "/sys/kernel/debug/kvm"
#define MAX_VMS 8

/* Parses exactly one decimal integer and a newline; true on success. */
static bool parse_value(const char *text, int64_t *out, bool *negative)
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
static int read_u64(const char *path, uint64_t *v)
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

static void tally_check(struct tally *t, const char *path, int r, uint64_t got,
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

static void tally_report(TEST_METADATA, const char *name, const struct tally *t)
{
	CHECK(t->bad == 0 && t->compared > 0, name,
		  "%u of %u values differ; first: %s", t->bad, t->compared,
		  t->compared ? t->first : "nothing compared");
}

/* Compares the statsfs file(s) of @d under @dir with @vals (one per bucket). */
static void compare_stat(struct tally *t, const char *dir, const struct kvm_stats_desc *d,
			 const uint64_t *vals)
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
static void aggregate(const struct kvm_stats_desc *d, uint64_t *acc, const uint64_t *vals)
{
	unsigned int b;

	for (b = 0; b < d->size; b++) {
		if (is_peak(d))
			acc[b] = vals[b] > acc[b] ? vals[b] : acc[b];
		else
			acc[b] += vals[b];
	}
}

static void wake(int sig)
{
	(void)sig;
}

/* Runs a vCPU whose guest halts in the kernel: KVM_RUN returns when signalled. */
static void *halting_vcpu(void *arg)
{
	struct vcpu *v = arg;
	intptr_t r = 0;
	int guard;

	for (guard = 0; guard < 1000; guard++) {
		if (ioctl(v->fd, KVM_RUN, NULL)) {
			r = errno == EINTR ? 0 : errno;
			break;
		}
		if (v->run->exit_reason == KVM_EXIT_IO && v->run->io.port == IO_PORT)
			v->seen_io++;
	}
	return (void *)r;
}

static struct vm vms[MAX_VMS];
static int nr_vms;

/* Creates and runs the VMs; every vCPU ends outside KVM_RUN. False on failure. */
static bool create_and_run(TEST_METADATA)
{
	static const int plain_vcpus[] = { 2, 3, 2 };
	struct sigaction sa = { .sa_handler = wake };
	struct vm *vm;
	pthread_t thread;
	void *thread_ret = NULL;
	const char *err = NULL;
	int i, j, r = 0;

	for (i = 0; i < 3 && !r; i++) {
		r = create_vm(&vms[i], false, plain_vcpus[i]);
		nr_vms++;
	}
	CHECK(r == 0, "create_vms", "VM %d: %s", nr_vms - 1, strerror(-r));
	if (r)
		return false;
	vm = &vms[nr_vms++];
	r = create_vm(vm, true, 2);
	CHECK(r == 0, "create_vm_with_irqchip", "%s", strerror(-r));
	if (r)
		return false;

	/* Distinct counts per vCPU, so that a value read from the wrong one shows. */
	for (i = 0; i < 3 && !err; i++) {
		for (j = 0; j < vms[i].nr_vcpus && !err; j++) {
			struct vcpu *v = &vms[i].vcpu[j];

			if (program_vcpu(v, 2 + 3 * j + 7 * i, 1 + j + i, 1 + (i + j) % 3))
				err = "KVM_SET_REGS failed";
			else
				err = run_to_done(v);
		}
	}
	CHECK(!err, "guest_code_runs", "%s", err);
	for (i = 0, r = 0; i < 3; i++)
		for (j = 0; j < vms[i].nr_vcpus; j++) {
			struct vcpu *v = &vms[i].vcpu[j];

			r |= v->seen_io != v->n_io || v->seen_mmio != v->n_mmio ||
			     v->seen_hlt != v->n_hlt;
		}
	CHECK(!r, "guest_code_exits_as_written", "an exit count differs from the code's");

	/* vCPU 0 of the irqchip VM halts in the kernel until a signal. */
	sigaction(SIGUSR1, &sa, NULL);
	r = program_vcpu(&vm->vcpu[0], 3, 0, 1);
	if (!r)
		r = pthread_create(&thread, NULL, halting_vcpu, &vm->vcpu[0]);
	if (!r) {
		usleep(300 * 1000);
		pthread_kill(thread, SIGUSR1);
		pthread_join(thread, &thread_ret);
	}
	CHECK(!r && !thread_ret, "vcpu_halts_in_kernel_until_signalled",
		  "create %d, KVM_RUN errno %ld", r, (long)(intptr_t)thread_ret);
	return !err && !r && !thread_ret;
}

/* The entries of @dir, sorted, NUL separated, in @out; returns their count. */
static int list_dir(const char *dir, char out[][64], int max, bool *dirs)
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

static int find_name(char names[][64], int n, const char *name)
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
static void check_layout(TEST_METADATA, const char *name, const char *dir, struct stats **tables,
			 int nr_tables, const char *const *extra, bool allow_vms)
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
static int files_are_integers(const char *dir, char *why, size_t size)
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

/* Every statsfs value of every VM and vCPU against KVM's own stats fds. */
static void compare_everything(TEST_METADATA)
{
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
				extra[nd] = "mp_state";
				extra[nd + 1] = NULL;
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
	tally_report(_metadata, "vcpu_extras_match_debugfs", &extras);

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

	/* The figures the guest code makes are what statsfs shows. */
	{
		uint64_t io = 0, mmio = 0, hlt = 0;

		snprintf(path, sizeof(path), "%s/%s/vcpu1/io_exits", KVM_DIR, vms[1].name);
		read_u64(path, &io);
		snprintf(path, sizeof(path), "%s/%s/vcpu1/mmio_exits", KVM_DIR, vms[1].name);
		read_u64(path, &mmio);
		snprintf(path, sizeof(path), "%s/%s/vcpu1/halt_exits", KVM_DIR, vms[1].name);
		read_u64(path, &hlt);
		/* vCPU 1 of VM 1: 2 + 3 + 7 port writes plus the one to DONE_PORT. */
		CHECK(io == 13 && mmio == 3 && hlt == 3, "known_exit_counts",
			  "io_exits %" PRIu64 " (want 13), mmio_exits %" PRIu64
			  " (want 3), halt_exits %" PRIu64 " (want 3)", io, mmio, hlt);
	}
	{
		/* Halting in the kernel filled a histogram bucket other than 0. */
		uint64_t v, sum = 0;

		for (k = 1; k < 64; k++) {
			snprintf(path, sizeof(path), "%s/%s/vcpu0/halt_wait_hist/%u",
				 KVM_DIR, vms[3].name, k);
			if (read_u64(path, &v))
				break;
			sum += v;
		}
		CHECK(sum > 0, "halt_wait_hist_has_samples",
			  "no sample above bucket 0 in %s", path);
	}
	free(vm_total);
	free(vcpu_total);
	stats_free(&first_vm);
	stats_free(&first_vcpu);
}

struct kvm_stat_row {
	char name[64];
	uint64_t value;
};

/* Parses kvm_stat -1 output ("name value delta" lines); returns the row count. */
static int read_kvm_stat(const char *path, struct kvm_stat_row *rows, int max)
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

/*
 * The kernel's kvm_stat, unmodified, in its debugfs mode with past values
 * (-d -i -1), once on debugfs and once on statsfs's kvm/ bind-mounted over
 * debugfs's: every field it shows on statsfs has debugfs's value, and the
 * only fields missing are the histograms, which are directories in statsfs.
 */
static void kvm_stat_unmodified(TEST_METADATA)
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
	CHECK(r1 == 0 && r2 == 0 && ns > 30, "kvm_stat_runs_on_statsfs",
		  "exit %d and %d, %d fields on statsfs, %d on debugfs", r1, r2, ns, nd);
	if (vcpu_stats(&vms[0].vcpu[0], &s))
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

static const char *mp_state_name(unsigned int s)
{
	static const char *const names[] = {
		"RUNNABLE", "UNINITIALIZED", "INIT_RECEIVED", "HALTED", "SIPI_RECEIVED",
		"STOPPED", "CHECK_STOP", "OPERATING", "LOAD", "AP_RESET_HOLD", "SUSPENDED",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void expect_mp_state(TEST_METADATA, const char *name, struct vm *vm, int j, const char *want)
{
	struct kvm_mp_state mp = { .mp_state = 99 };
	char path[512], buf[64] = "", wantnl[64];

	snprintf(path, sizeof(path), "%s/%s/vcpu%d/mp_state", KVM_DIR, vm->name, j);
	ioctl(vm->vcpu[j].fd, KVM_GET_MP_STATE, &mp);
	slurp(path, buf, sizeof(buf));
	snprintf(wantnl, sizeof(wantnl), "%s\n", want);
	CHECK(!strcmp(buf, wantnl) && !strcmp(mp_state_name(mp.mp_state), want), name,
		  "%s: \"%s\", KVM_GET_MP_STATE %s, want %s", path, buf,
		  mp_state_name(mp.mp_state), want);
}

static void mp_state_by_name(TEST_METADATA)
{
	struct kvm_mp_state halted = { .mp_state = KVM_MP_STATE_HALTED };

	expect_mp_state(_metadata, "mp_state_runnable", &vms[0], 1, "RUNNABLE");
	/* With an in-kernel irqchip, an AP waits for INIT/SIPI. */
	expect_mp_state(_metadata, "mp_state_uninitialized", &vms[3], 1, "UNINITIALIZED");
	ioctl(vms[3].vcpu[1].fd, KVM_SET_MP_STATE, &halted);
	expect_mp_state(_metadata, "mp_state_follows_set", &vms[3], 1, "HALTED");
}

/* Writes @text to @path; returns 0 or errno. */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	int e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		e = errno ? errno : EIO;
	close(fd);
	return e;
}

static void clearing(TEST_METADATA)
{
	char path[512];
	struct vm *vm = &vms[1];
	uint64_t before, other;
	int e, j;

	before = fd_value(vm, 2, "io_exits", 0);
	snprintf(path, sizeof(path), "%s/%s/vcpu0/io_exits", KVM_DIR, vm->name);
	e = put(path, "0\n");
	CHECK(!e && fd_value(vm, 0, "io_exits", 0) == 0 &&
		  fd_value(vm, 2, "io_exits", 0) == before, "clear_vcpu_value",
		  "write: %s; stats fd after: vcpu0 %" PRIu64 ", vcpu2 %" PRIu64 " (was %" PRIu64
		  ")", strerror(e), fd_value(vm, 0, "io_exits", 0),
		  fd_value(vm, 2, "io_exits", 0), before);

	/* An aggregate clears the value in every vCPU of the VM, and no other VM's. */
	other = fd_value(&vms[0], 0, "exits", 0);
	snprintf(path, sizeof(path), "%s/%s/exits", KVM_DIR, vm->name);
	e = put(path, "0");
	for (j = 0; j < vm->nr_vcpus && !e; j++)
		if (fd_value(vm, j, "exits", 0))
			e = -1;
	CHECK(!e && fd_value(&vms[0], 0, "exits", 0) == other, "clear_vm_aggregate",
		  "write or clear failed (%d)", e);

	/* One bucket of a histogram. */
	before = fd_value(&vms[3], 0, "halt_wait_hist", 0);
	for (j = 1; j < 64; j++)
		if (fd_value(&vms[3], 0, "halt_wait_hist", j))
			break;
	snprintf(path, sizeof(path), "%s/%s/vcpu0/halt_wait_hist/%d", KVM_DIR, vms[3].name, j);
	e = put(path, "0");
	CHECK(!e && fd_value(&vms[3], 0, "halt_wait_hist", j) == 0 &&
		  fd_value(&vms[3], 0, "halt_wait_hist", 0) == before, "clear_histogram_bucket",
		  "%s: %s", path, strerror(e));

	/* Instant values are read-only: root may open them, but not clear them. */
	snprintf(path, sizeof(path), "%s/%s/vcpu0/blocking", KVM_DIR, vm->name);
	e = put(path, "0");
	CHECK(e == EPERM, "instant_value_not_clearable", "%s: %s", path, strerror(e));
	snprintf(path, sizeof(path), "%s/%s/vcpu0/exits", KVM_DIR, vm->name);
	e = put(path, "7");
	CHECK(e == EINVAL, "only_zero_clears", "%s: %s", path, strerror(e));
}

/*
 * A taken name: a VM lives on after its fd closes, and the next VM gets that
 * fd. The new VM is <pid>-<fd>-1, the one after it <pid>-<fd>-2 (kvm_stat's
 * "<pid>-" filter still finds them); the first keeps <pid>-<fd>, and all of
 * them count in kvm/.
 */
static void name_collision(TEST_METADATA)
{
	struct vm first, second, third;
	char path[512];
	uint64_t global = 0, sum = 0, v = UINT64_MAX;
	int r, i, j;
	const char *err;

	r = create_vm(&first, false, 1);
	CHECK(!r, "collision_first_vm", "%s", strerror(-r));
	if (r)
		return;
	close(first.fd);	/* the vCPU fd keeps the VM alive; the next VM gets its fd */
	r = create_vm(&second, false, 1);
	CHECK(!r && !strcmp(second.name, first.name), "collision_second_vm_works",
		  "create: %s, names %s and %s", strerror(-r), first.name, second.name);
	if (r)
		goto out_first;
	err = program_vcpu(&second.vcpu[0], 5, 0, 0) ? "KVM_SET_REGS" :
	      run_to_done(&second.vcpu[0]);
	CHECK(!err, "collision_second_vm_runs", "%s", err);
	snprintf(path, sizeof(path), "%s/%s-1/vcpu0/io_exits", KVM_DIR, second.name);
	r = read_u64(path, &v);
	/* Its 5 port writes and its write to DONE_PORT. */
	CHECK(!r && v == 6 && fd_value(&second, 0, "io_exits", 0) == 6,
	      "collision_second_vm_gets_suffix_1", "%s: %s, %" PRIu64, path, strerror(-r), v);
	snprintf(path, sizeof(path), "%s/%s/vcpu0/io_exits", KVM_DIR, first.name);
	CHECK(fd_value(&first, 0, "io_exits", 0) == 0 && !read_u64(path, &v) && v == 0,
	      "collision_first_vm_keeps_its_name", "%s reads %" PRIu64, path, v);
	close(second.fd);
	r = create_vm(&third, false, 0);
	snprintf(path, sizeof(path), "%s/%s-2", KVM_DIR, third.name);
	CHECK(!r && !strcmp(third.name, first.name) && !access(path, F_OK),
	      "collision_third_vm_gets_suffix_2", "%s: %s", path, strerror(errno));
	/* Every VM counts in kvm/. */
	for (i = 0; i < nr_vms; i++)
		for (j = 0; j < vms[i].nr_vcpus; j++)
			sum += fd_value(&vms[i], j, "io_exits", 0);
	sum += fd_value(&first, 0, "io_exits", 0) + fd_value(&second, 0, "io_exits", 0);
	r = read_u64(KVM_DIR "/io_exits", &global);
	CHECK(!r && global == sum, "collision_vms_count_in_aggregates",
		  "kvm/io_exits %" PRIu64 ", sum of the stats fds %" PRIu64, global, sum);
	if (!r)
		destroy_vm(&third);
	second.fd = -1;
	destroy_vm(&second);
	snprintf(path, sizeof(path), "%s/%s-1", KVM_DIR, first.name);
	CHECK(access(path, F_OK) && errno == ENOENT, "collision_suffixed_directory_goes",
	      "%s still there", path);
out_first:
	first.fd = -1;
	destroy_vm(&first);
}

static bool readdir_is_empty(DIR *d)
{
	struct dirent *e;

	rewinddir(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			return false;
	return true;
}

/* Files held open across the destruction of their VM read 0 and close cleanly. */
static void destruction_with_open_files(TEST_METADATA)
{
	struct vm *vm = &vms[2];
	char path[512], buf[64] = "";
	const char *files[] = { "exits", "vcpu0/exits", "vcpu1/halt_wait_hist/0",
				"vcpu0/pid", "vcpu0/mp_state", "remote_tlb_flush" };
	int fds[6], i, ok = 1;
	DIR *d;

	for (i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", KVM_DIR, vm->name, files[i]);
		fds[i] = open(path, O_RDONLY);
		ok &= fds[i] >= 0;
	}
	snprintf(path, sizeof(path), "%s/%s/vcpu1", KVM_DIR, vm->name);
	d = opendir(path);
	CHECK(ok && d, "open_files_of_a_vm", "an open failed: %s", strerror(errno));
	destroy_vm(vm);
	snprintf(path, sizeof(path), "%s/%s", KVM_DIR, vm->name);
	CHECK(access(path, F_OK) && errno == ENOENT, "destroyed_vm_directory_is_gone",
		  "%s still there", path);
	for (i = 0; i < 6 && ok; i++) {
		ssize_t n = pread(fds[i], buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = '\0';
		if (n != 2 || strcmp(buf, "0\n")) {
			ok = 0;
			CHECK(0, "open_files_read_0_after_destruction", "%s: %zd \"%s\"",
				  files[i], n, buf);
		}
	}
	if (ok)
		CHECK(1, "open_files_read_0_after_destruction", "");
	CHECK(d && readdir_is_empty(d), "open_vcpu_directory_is_empty", "");
	for (i = 0; i < 6; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (d)
		closedir(d);
}

/* The VM directories under kvm/. */
static int count_vm_dirs(void)
{
	int i, k = 0, n = list_dir(KVM_DIR, entries, MAX_ENTRIES, entry_is_dir);

	for (i = 0; i < n; i++)
		k += entry_is_dir[i] && isdigit((unsigned char)entries[i][0]);
	return n < 0 ? n : k;
}

/* The entries of VM @fd's debugfs directory, or -1 if it has none. */
static int debugfs_vm_entries(int fd)
{
	char path[128];

	snprintf(path, sizeof(path), DBG_DIR "/%d-%d", getpid(), fd);
	return list_dir(path, entries, MAX_ENTRIES, entry_is_dir);
}

/*
 * VM and vCPU creation with the 1st, 2nd, ... slab allocation failed: each
 * attempt fails with ENOMEM or works, a VM that works has its statsfs
 * directory, and none is left behind; kmemleak, run after this program, finds
 * no leak. vCPU creation is run until it needs no more allocations, and so is
 * VM creation, but past the first failure that leaves the VM working with an
 * incomplete debugfs directory (KVM_CREATE_VM publishes in statsfs before
 * debugfs, whose failures it ignores, and then makes the VM's file, which may
 * fail) only every DEBUGFS_STRIDE-th: the some 350 allocations of debugfs would
 * take a minute under KASAN.
 */
#define DEBUGFS_STRIDE 20

static void creation_under_failed_allocations(TEST_METADATA)
{
	char path[512], why[256] = "";
	int nth, fd, e, vm_runs = 0, vcpu_runs = 0, vm_failures = 0, vcpu_failures = 0;
	int dirs = count_vm_dirs(), debugfs_entries;
	bool injected = true, in_debugfs = false;
	struct vm vm;

	if (put("/sys/kernel/debug/failslab/ignore-gfp-wait", "N") ||
	    put("/sys/kernel/debug/failslab/verbose", "0")) {
		CHECK(0, "failslab_configured", "%s", strerror(errno));
		return;
	}
	fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (fd < 0) {
		CHECK(0, "vm_created", "%s", strerror(errno));
		return;
	}
	debugfs_entries = debugfs_vm_entries(fd);
	close(fd);
	/* The allocator's reports of the failures injected here are expected. */
	kmsg("statsfs-test: expect allocation failures\n");
	for (nth = 1; nth < 3000 && injected && !why[0];
	     nth += in_debugfs ? DEBUGFS_STRIDE : 1, vm_runs++) {
		int nfd = fail_nth(nth);

		if (nfd < 0) {
			snprintf(why, sizeof(why), "fail-nth: %s", strerror(errno));
			break;
		}
		fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
		e = errno;
		injected = fail_nth_injected(nfd);
		if (fd >= 0) {
			snprintf(path, sizeof(path), "%s/%d-%d", KVM_DIR, getpid(), fd);
			if (access(path, F_OK))
				snprintf(why, sizeof(why), "allocation %d: %.200s missing", nth,
					 path);
			in_debugfs |= injected && debugfs_vm_entries(fd) != debugfs_entries;
			close(fd);
		} else if (e != ENOMEM) {
			snprintf(why, sizeof(why), "VM creation, allocation %d: %s", nth,
				 strerror(e));
		} else {
			vm_failures++;
		}
		if (count_vm_dirs() != dirs)
			snprintf(why, sizeof(why), "allocation %d: %d VM directories, want %d",
				 nth, count_vm_dirs(), dirs);
	}
	CHECK(!why[0] && in_debugfs && !injected && vm_failures > 0,
	      "vm_creation_with_failed_allocations", "%s (%d runs, %d failed)", why, vm_runs,
	      vm_failures);

	injected = true;
	for (nth = 1; nth < 3000 && injected && !why[0]; nth++, vcpu_runs++) {
		int nfd, r = create_vm(&vm, false, 0);

		if (r) {
			snprintf(why, sizeof(why), "VM: %s", strerror(-r));
			break;
		}
		nfd = fail_nth(nth);
		fd = ioctl(vm.fd, KVM_CREATE_VCPU, 0);
		e = errno;
		injected = nfd >= 0 && fail_nth_injected(nfd);
		snprintf(path, sizeof(path), "%s/%s/vcpu0", KVM_DIR, vm.name);
		if (fd >= 0) {
			if (access(path, F_OK))
				snprintf(why, sizeof(why), "allocation %d: %.200s missing", nth, path);
			close(fd);
		} else if (e != ENOMEM) {
			snprintf(why, sizeof(why), "vCPU creation, allocation %d: %s", nth,
				 strerror(e));
		} else {
			vcpu_failures++;
			if (!access(path, F_OK))
				snprintf(why, sizeof(why), "allocation %d: %.200s left behind", nth,
					 path);
		}
		destroy_vm(&vm);
	}
	CHECK(!why[0] && !injected && vcpu_failures > 0,
		  "vcpu_creation_with_failed_allocations", "%s (%d runs, %d failed)", why,
		  vcpu_runs, vcpu_failures);
	kmsg("statsfs-test: expect end\n");
	printf("# failed allocations: %d VM creations (%d failed), %d vCPU creations (%d failed)\n",
	       vm_runs, vm_failures, vcpu_runs, vcpu_failures);
}

/* kvm.ko goes away while files of kvm/ are open: they read 0 and close cleanly. */
static void unload_kvm_with_open_files(TEST_METADATA)
{
	int fds[3], i, ok = 1, r;
	char buf[64];

	fds[0] = open(KVM_DIR "/exits", O_RDONLY);
	fds[1] = open(KVM_DIR "/halt_wait_hist/3", O_RDONLY);
	fds[2] = open(KVM_DIR, O_RDONLY | O_DIRECTORY);
	r = unload_module("kvm_amd");
	if (!r)
		r = unload_module("kvm");
	CHECK(!r, "unload_kvm_with_open_files", "%s", strerror(errno));
	CHECK(access(KVM_DIR, F_OK) && errno == ENOENT, "kvm_directory_gone_after_unload",
		  "kvm/ still there");
	for (i = 0; i < 2; i++) {
		ssize_t n = pread(fds[i], buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = '\0';
		ok &= n == 2 && !strcmp(buf, "0\n");
	}
	CHECK(ok, "files_read_0_after_kvm_unload", "got \"%s\"", buf);
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

static void open_kvm(TEST_METADATA)
{
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	run_size = kvm_fd < 0 ? -1 : ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_TRUE(kvm_fd >= 0 && run_size > 0) TH_LOG("/dev/kvm: %s", strerror(errno));
}

/* With kvm.stats_fs=0, KVM works and publishes nothing in statsfs. */
static void not_published_when_disabled(TEST_METADATA)
{
	char path[256];
	struct vm vm;
	int r;

	r = system("modprobe kvm stats_fs=0 && modprobe kvm_amd");
	ASSERT_EQ(0, r);
	open_kvm(_metadata);
	r = create_vm(&vm, false, 1);
	snprintf(path, sizeof(path), "%s/%s", DBG_DIR, vm.name);
	CHECK(!r && access(KVM_DIR, F_OK) && !access(path, F_OK),
		  "kvm_stats_fs_0_publishes_nothing", "%d, kvm/ %s, debugfs %s", r,
		  access(KVM_DIR, F_OK) ? "absent" : "present",
		  access(path, F_OK) ? "absent" : "present");
	if (!r)
		destroy_vm(&vm);
	close(kvm_fd);
	unload_module("kvm_amd");
	unload_module("kvm");
}

/*
 * The harness runs the cases fixture by fixture, in the order the fixtures are
 * defined: kvm (the module), vms (VMs that ran), unload (the module goes).
 */
FIXTURE(kvm) {
	int unused;
};

FIXTURE_SETUP(kvm)
{
	int r;

	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		TH_LOG("mount: %s", strerror(errno));
	/* modprobe resolves kvm's symbols from statsfs (already loaded). */
	r = system("modprobe kvm_amd");
	ASSERT_EQ(0, r);
	open_kvm(_metadata);
}

FIXTURE_TEARDOWN(kvm)
{
	close(kvm_fd);
}

TEST_F(kvm, loads_and_depends_on_statsfs)
{
	CHECK(!access("/sys/module/statsfs/holders/kvm", F_OK),
	      "kvm_depends_on_statsfs", "no /sys/module/statsfs/holders/kvm");
	CHECK(count_vm_dirs() == 0, "no_vm_directories_at_first", "%d", count_vm_dirs());
}

TEST_F(kvm, vm_and_vcpu_creation_with_failed_allocations)
{
	creation_under_failed_allocations(_metadata);
	CHECK(count_vm_dirs() == 0, "no_vm_directories_at_the_end", "%d", count_vm_dirs());
}

/* Four VMs whose vCPUs ran the guest code and are out of KVM_RUN: quiescent. */
FIXTURE(vms) {
	int unused;
};

FIXTURE_SETUP(vms)
{
	open_kvm(_metadata);
	ASSERT_TRUE(create_and_run(_metadata));
}

FIXTURE_TEARDOWN(vms)
{
	int i;

	for (i = 0; i < nr_vms; i++)
		if (vms[i].fd >= 0)
			destroy_vm(&vms[i]);
	close(kvm_fd);
}


/* The KVM_STATS_TYPE_* of .schema's kind column. */
static const char *const schema_kinds[] = {
	"cumulative", "instant", "peak", "linear_hist", "log_hist",
};
static const char *const schema_units[] = { "none", "bytes", "seconds", "cycles", "boolean" };

/* The descriptor named @name in @s, or NULL. */
static struct kvm_stats_desc *desc_named(const struct stats *s, const char *name, size_t len)
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
static int values_line_differs(const char *line, const struct stats *vm_stats,
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
 * kvm/.values against per-file reads; a VM's .values and its .stats, parsed with
 * <linux/kvm.h>'s structs, against KVM's own stats fds; a VM's .schema against the
 * fds' descriptors.
 */
static void metadata_files(TEST_METADATA)
{
	struct lines got = {}, want = {}, schema = {};
	char path[512], *text;
	struct kvm_layout k;
	struct vm *vm = &vms[3];
	struct stats vs, cs[MAX_VCPUS];
	unsigned int i, j, compared = 0, bad = 0;
	size_t len;

	text = read_chunked(KVM_DIR "/.values", 4096, &len);
	lines_of(&got, text ? text : "");
	free(text);
	walk_lines(&want, KVM_DIR, "");
	lines_sort(&got);
	lines_sort(&want);
	for (i = 0; (int)i < got.n && got.n == want.n; i++)
		bad += !!strcmp(got.line[i], want.line[i]);
	CHECK(got.n == want.n && got.n > 100 && !bad, "kvm_values_equal_file_reads",
	      "%d lines, %d files, %u differ", got.n, want.n, bad);

	/* The irqchip VM: its statistics and every vCPU's, in KVM's layout. */
	ASSERT_EQ(0, vm_stats(vm, &vs));
	for (j = 0; j < (unsigned int)vm->nr_vcpus; j++)
		ASSERT_EQ(0, vcpu_stats(&vm->vcpu[j], &cs[j]));
	snprintf(path, sizeof(path), "%s/%s/.stats", KVM_DIR, vm->name);
	ASSERT_EQ(0, kvm_layout_read(&k, path, 4096)) TH_LOG("%s: not KVM's layout", path);
	bad = 0;
	for (i = 0; i < k.h.num_desc; i++) {
		struct kvm_stats_desc *d = kvm_layout_desc(&k, i);
		struct stats *s = &vs;
		const char *name = d->name;
		unsigned int n;

		if (!strncmp(name, "vcpu", 4) && strchr(name, '/')) {
			j = atoi(name + 4);
			if (j >= (unsigned int)vm->nr_vcpus)
				continue;
			s = &cs[j];
			name = strchr(name, '/') + 1;
		}
		for (n = 0; n < s->h.num_desc; n++) {
			struct kvm_stats_desc *want_d = stats_desc(s, n);

			if (strcmp(want_d->name, name) || strchr(name, '/'))
				continue;
			compared++;
			if (want_d->size != d->size || want_d->flags != d->flags ||
			    want_d->exponent != d->exponent ||
			    memcmp(stats_data(s, want_d), kvm_layout_data(&k, d), 8 * d->size)) {
				if (!bad++)
					TH_LOG("%s: %s differs from KVM's fd", path, d->name);
			}
		}
	}
	CHECK(!bad && compared > 40, "vm_stats_file_equals_kvm_stats_fds",
	      "%u of %u descriptors differ", bad, compared);
	free(k.buf);

	/*
	 * The VM's directory, listed (more than 64 entries: several of statsfs's readdir
	 * batches, in one getdents64 call), shows every statistic of its fds: its own and
	 * its vCPUs' sums.
	 */
	snprintf(path, sizeof(path), "%s/%s", KVM_DIR, vm->name);
	{
		DIR *dir = opendir(path);
		struct dirent *e;
		struct lines listed = {};
		unsigned int missing = 0, entries = 0;
		const struct stats *all[] = { &vs, &cs[0] };
		unsigned int a, n;
		int l, found;

		while (dir && (e = readdir(dir))) {
			lines_add(&listed, e->d_name, strlen(e->d_name));
			entries++;
		}
		if (dir)
			closedir(dir);
		for (a = 0; a < ARRAY_SIZE(all); a++) {
			for (n = 0; n < all[a]->h.num_desc; n++) {
				const char *name = stats_desc(all[a], n)->name;

				for (l = 0, found = 0; l < listed.n; l++)
					found |= !strcmp(listed.line[l], name);
				if (!found && !missing++)
					TH_LOG("%s: %s not listed", path, name);
			}
		}
		CHECK(dir && !missing && entries > 64, "vm_directory_lists_every_statistic",
		      "%u statistics missing from %u entries", missing, entries);
		lines_free(&listed);
	}

	/* The VM's .values, line by line, against the same fds. */
	snprintf(path, sizeof(path), "%s/%s/.values", KVM_DIR, vm->name);
	text = read_chunked(path, 4096, &len);
	lines_free(&got);
	lines_of(&got, text ? text : "");
	free(text);
	bad = compared = 0;
	for (i = 0; (int)i < got.n; i++) {
		int r = values_line_differs(got.line[i], &vs, cs, vm->nr_vcpus);

		compared += r >= 0;
		if (r > 0 && !bad++)
			TH_LOG("%s: \"%s\" differs from KVM's fds", path, got.line[i]);
	}
	CHECK(!bad && compared > 100, "vm_values_file_equals_kvm_stats_fds",
	      "%u of %u lines differ (%d lines)", bad, compared, got.n);

	/* .schema: kind, unit and scale as KVM's descriptors say. */
	snprintf(path, sizeof(path), "%s/%s/.schema", KVM_DIR, vm->name);
	text = read_chunked(path, 4096, &len);
	lines_of(&schema, text ? text : "");
	free(text);
	bad = 0;
	for (i = 0; i < vs.h.num_desc; i++) {
		struct kvm_stats_desc *d = stats_desc(&vs, i);
		char want_line[256];
		unsigned int type = (d->flags & KVM_STATS_TYPE_MASK) >> KVM_STATS_TYPE_SHIFT;
		unsigned int unit = (d->flags & KVM_STATS_UNIT_MASK) >> KVM_STATS_UNIT_SHIFT;
		int l, found = 0;

		snprintf(want_line, sizeof(want_line), " %s %s %s^%d -", schema_kinds[type % 5],
			 schema_units[unit % 5],
			 (d->flags & KVM_STATS_BASE_MASK) ? "2" : "10", d->exponent);
		for (l = 0; l < schema.n; l++) {
			size_t nl = strlen(d->name), ll = strlen(schema.line[l]);

			if (!strncmp(schema.line[l], d->name, nl) && schema.line[l][nl] == ' ')
				found = ll >= strlen(want_line) &&
					!strcmp(schema.line[l] + ll - strlen(want_line), want_line);
		}
		if (!found && !bad++)
			TH_LOG("%s: %s: want \"...%s\"", path, d->name, want_line);
	}
	CHECK(!bad, "schema_matches_kvm_descriptors", "%u of %u statistics differ", bad,
	      vs.h.num_desc);
	stats_free(&vs);
	for (j = 0; j < (unsigned int)vm->nr_vcpus; j++)
		stats_free(&cs[j]);
	lines_free(&got);
	lines_free(&want);
	lines_free(&schema);
}

/*
 * One set of VMs for every check (creating and running them takes seconds
 * under KASAN in TCG), in an order where none disturbs a later one: the
 * comparisons first, then what changes state (an mp_state set, clears), then
 * what creates or destroys VMs. Each check names its own results.
 */
TEST_F(vms, values_metadata_kvm_stat_mp_state_clearing_collision_destruction)
{
	compare_everything(_metadata);
	metadata_files(_metadata);
	kvm_stat_unmodified(_metadata);
	mp_state_by_name(_metadata);
	clearing(_metadata);
	name_collision(_metadata);
	destruction_with_open_files(_metadata);
}

/* Last: kvm goes away, and comes back once with kvm.stats_fs=0. */
FIXTURE(unload) {
	int unused;
};

FIXTURE_SETUP(unload)
{
}

FIXTURE_TEARDOWN(unload)
{
}

TEST_F(unload, kvm_unloads_under_open_files)
{
	unload_kvm_with_open_files(_metadata);
}

TEST_F(unload, kvm_stats_fs_0_publishes_nothing)
{
	not_published_when_disabled(_metadata);
	CHECK_OK("umount", umount(MNT));
}

TEST_HARNESS_MAIN
