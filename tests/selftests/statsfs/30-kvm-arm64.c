// SPDX-License-Identifier: GPL-2.0
/*
 * KVM/arm64 in statsfs, with real VMs running real AArch64 guest code, in the
 * arm64 guest of `make check-arm64` (statsfs and KVM built in).
 *
 * Two VMs of two vCPUs each run code that makes a known number of MMIO exits
 * (stores outside any memory slot), HVCs (SMCCC_VERSION, answered by KVM) and
 * WFIs (one vCPU waits in the kernel until a signal, which fills the halt
 * histograms). Then, with no vCPU running, every statsfs value of every VM and
 * vCPU is compared with KVM_GET_STATS_FD, the per-VM and global aggregates
 * with the stats fds combined as statsfs documents and with debugfs, the
 * directories' layout with the descriptor tables, each VM's .schema and
 * .values line by line with the fds, and the kernel's kvm_stat, unmodified,
 * runs on kvm/ and shows the exits. Last, destroying a VM takes it out of
 * kvm/'s aggregates, and with kvm.stats_debugfs=0 a new VM's statistics are
 * in statsfs only. The comparisons are kvm_compare.h's, shared with the x86
 * test (30-kvm); only the guest and its expected counts are arm64's.
 */
#define _GNU_SOURCE
#define STATSFS_DESTRUCTIVE "runs KVM VMs and bind-mounts statsfs's kvm/ over debugfs's"

#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "bulk_util.h"
#include "kvm_util_arm64.h"
#include "harness.h"
#include "util.h"
#include "kvm_compare.h"

#define NR_VMS 2

static struct vm vms[NR_VMS];
static int nr_vms;

/* What a vCPU's directory holds besides its statistics. */
static const char *const vcpu_files[] = { "pid", NULL };

/*
 * What each vCPU's guest code does: MMIO stores, HVCs, WFIs. All distinct, so
 * that a value read from the wrong vCPU or VM shows. vCPU 0 of VM 1 waits in
 * a WFI until signalled.
 */
static const int plan[NR_VMS][2][3] = {
	{ { 3, 2, 0 }, { 5, 4, 0 } },
	{ { 1, 3, 1 }, { 2, 6, 0 } },
};

static void wake(int sig)
{
	(void)sig;
}

struct waiter {
	struct vcpu *v;
	const char *err;
	bool done;		/* read and written atomically */
};

/* The thread that ran vCPU 0 of VM 1; the main thread ran the others. */
static pid_t waiter_tid;

static void *run_waiting_vcpu(void *arg)
{
	struct waiter *w = arg;

	waiter_tid = gettid();
	w->err = run_to_done(w->v);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Creates and runs the VMs; every vCPU ends outside KVM_RUN. False on failure. */
static bool create_and_run(TEST_METADATA)
{
	struct sigaction sa = { .sa_handler = wake };
	struct waiter w = {};
	const char *err = NULL;
	pthread_t thread;
	int i, j, r = 0, tries;

	for (i = 0; i < NR_VMS && !r; i++, nr_vms++)
		r = create_vm(&vms[i], 2);
	CHECK(r == 0, "create_vms", "VM %d: %s", nr_vms - 1, strerror(-r));
	if (r)
		return false;

	for (i = 0; i < NR_VMS && !err; i++) {
		for (j = 0; j < 2 && !err; j++) {
			struct vcpu *v = &vms[i].vcpu[j];

			if (program_vcpu(v, plan[i][j][0], plan[i][j][1], plan[i][j][2]))
				err = "KVM_SET_ONE_REG failed";
			else if (!plan[i][j][2])
				err = run_to_done(v);
		}
	}
	CHECK(!err, "guest_code_runs", "%s", err);

	/* vCPU 0 of VM 1 waits in its WFI until a signal interrupts KVM_RUN. */
	sigaction(SIGUSR1, &sa, NULL);
	w.v = &vms[1].vcpu[0];
	r = pthread_create(&thread, NULL, run_waiting_vcpu, &w);
	for (tries = 0; !r && !__atomic_load_n(&w.done, __ATOMIC_ACQUIRE) && tries < 100;
	     tries++) {
		usleep(200 * 1000);
		pthread_kill(thread, SIGUSR1);
	}
	if (!r)
		pthread_join(thread, NULL);
	CHECK(!r && w.done && !w.err, "vcpu_waits_in_wfi_until_signalled",
	      "create %d, done %d after %d signals: %s", r, w.done, tries,
	      w.err ? w.err : "");

	for (i = 0, r = 0; i < NR_VMS; i++)
		for (j = 0; j < 2; j++)
			r |= vms[i].vcpu[j].seen_mmio != vms[i].vcpu[j].n_mmio;
	CHECK(!r, "guest_code_exits_as_written", "an MMIO exit count differs from the code's");
	return !err && w.done && !w.err;
}

/* The statsfs file @name of vCPU @j of VM @i (-1: the VM's; @i -1: kvm/). */
static uint64_t statsfs_value(int i, int j, const char *name)
{
	char path[512];
	uint64_t v = UINT64_MAX;

	if (i < 0)
		snprintf(path, sizeof(path), "%s/%s", KVM_DIR, name);
	else if (j < 0)
		snprintf(path, sizeof(path), "%s/%s/%s", KVM_DIR, vms[i].name, name);
	else
		snprintf(path, sizeof(path), "%s/%s/vcpu%d/%s", KVM_DIR, vms[i].name, j, name);
	read_u64(path, &v);
	return v;
}

/* The figures the guest code makes, as statsfs shows them. */
static void known_exit_counts(TEST_METADATA)
{
	uint64_t mmio = 0, hvc = 0, v;
	int i, j;

	for (i = 0; i < NR_VMS; i++) {
		for (j = 0; j < 2; j++) {
			/* Each vCPU's MMIO stores, and its store to DONE_GPA. */
			v = statsfs_value(i, j, "mmio_exit_user");
			CHECK(v == (uint64_t)plan[i][j][0] + 1, "vcpu_mmio_exit_user",
			      "VM %d vCPU %d: %" PRIu64 ", want %d", i, j, v, plan[i][j][0] + 1);
			v = statsfs_value(i, j, "hvc_exit_stat");
			CHECK(v == (uint64_t)plan[i][j][1], "vcpu_hvc_exit_stat",
			      "VM %d vCPU %d: %" PRIu64 ", want %d", i, j, v, plan[i][j][1]);
			v = statsfs_value(i, j, "wfi_exit_stat");
			CHECK(v == (uint64_t)plan[i][j][2], "vcpu_wfi_exit_stat",
			      "VM %d vCPU %d: %" PRIu64 ", want %d", i, j, v, plan[i][j][2]);
			mmio += plan[i][j][0] + 1;
			hvc += plan[i][j][1];
		}
	}
	v = statsfs_value(-1, -1, "mmio_exit_user");
	CHECK(v == mmio, "kvm_mmio_exit_user", "%" PRIu64 ", want %" PRIu64, v, mmio);
	v = statsfs_value(-1, -1, "hvc_exit_stat");
	CHECK(v == hvc, "kvm_hvc_exit_stat", "%" PRIu64 ", want %" PRIu64, v, hvc);
	v = statsfs_value(-1, -1, "signal_exits");
	CHECK(v >= 1 && v != UINT64_MAX, "kvm_signal_exits", "%" PRIu64 ", want 1 or more", v);

	/* Waiting in the WFI filled a halt_wait_hist bucket other than 0. */
	for (i = 1, v = 0; i < 64; i++) {
		char name[64];
		uint64_t b;

		snprintf(name, sizeof(name), "halt_wait_hist/%d", i);
		b = statsfs_value(1, 0, name);
		if (b == UINT64_MAX)
			break;
		v += b;
	}
	CHECK(v > 0, "halt_wait_hist_has_samples", "no sample above bucket 0");
}

/*
 * A vCPU's pid: the thread that last ran it. arm64 has no vCPU directories in
 * debugfs to compare it with, so it is compared with the threads that ran them.
 */
static void vcpu_pids(TEST_METADATA)
{
	int i, j;

	for (i = 0; i < NR_VMS; i++) {
		for (j = 0; j < 2; j++) {
			uint64_t pid = statsfs_value(i, j, "pid");
			pid_t want = i == 1 && j == 0 ? waiter_tid : getpid();

			CHECK(pid == (uint64_t)want, "vcpu_pid_is_the_thread_that_ran_it",
			      "VM %d vCPU %d: %" PRIu64 ", want %d", i, j, pid, want);
		}
	}
}

/* Each VM's .schema and .values against its fds and its vCPUs'. */
static void metadata_files(TEST_METADATA)
{
	struct stats vs, cs[MAX_VCPUS];
	struct lines got = {};
	char path[512], *text;
	unsigned int bad, compared;
	int i, j, l, ids[MAX_VCPUS];
	size_t len;

	for (i = 0; i < nr_vms; i++) {
		struct vm *vm = &vms[i];

		ASSERT_EQ(0, vm_stats(vm, &vs));
		for (j = 0; j < vm->nr_vcpus; j++) {
			ASSERT_EQ(0, vcpu_stats(&vm->vcpu[j], &cs[j]));
			ids[j] = vm->vcpu[j].id;
		}
		snprintf(path, sizeof(path), "%s/%s", KVM_DIR, vm->name);
		check_vm_schema(_metadata, "vm_schema_matches_kvm_descriptors", path, &vs, cs,
				ids, vm->nr_vcpus, vcpu_files);

		snprintf(path, sizeof(path), "%s/%s/.values", KVM_DIR, vm->name);
		text = read_chunked(path, 4096, &len);
		lines_of(&got, text ? text : "");
		free(text);
		bad = 0;
		compared = 0;
		for (l = 0; l < got.n; l++) {
			int r = values_line_differs(got.line[l], &vs, cs, vm->nr_vcpus);

			compared += r >= 0;
			if (r > 0 && !bad++)
				TH_LOG("%s: \"%s\" differs from KVM's fds", path, got.line[l]);
		}
		CHECK(!bad && compared > 50, "vm_values_file_equals_kvm_stats_fds",
		      "%u of %u lines differ (%d lines)", bad, compared, got.n);
		lines_free(&got);
		stats_free(&vs);
		for (j = 0; j < vm->nr_vcpus; j++)
			stats_free(&cs[j]);
	}
}

/* kvm_stat, run on kvm/ by kvm_stat_unmodified(), shows the guests' HVCs. */
static void kvm_stat_shows_the_exits(TEST_METADATA)
{
	static struct kvm_stat_row rows[256];
	char line[256];
	uint64_t hvc = UINT64_MAX, want = statsfs_value(-1, -1, "hvc_exit_stat");
	int n = read_kvm_stat("/tmp/kvm_stat.statsfs", rows, 256), k;
	FILE *f = fopen("/tmp/kvm_stat.statsfs", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "exit"))
			printf("# kvm_stat: %s", line);
	if (f)
		fclose(f);
	for (k = 0; k < n; k++)
		if (!strcmp(rows[k].name, "hvc_exit_stat"))
			hvc = rows[k].value;
	CHECK(hvc == want && want > 0 && want != UINT64_MAX, "kvm_stat_shows_hvc_exits",
	      "kvm_stat hvc_exit_stat %" PRIu64 ", statsfs %" PRIu64, hvc, want);
}

/* Statistic @name summed over @vm's vCPUs' stats fds, or UINT64_MAX. */
static uint64_t fd_sum(struct vm *vm, const char *name)
{
	uint64_t sum = 0;
	struct stats s;
	unsigned int k;
	int j, found = 0;

	for (j = 0; j < vm->nr_vcpus; j++) {
		if (vcpu_stats(&vm->vcpu[j], &s))
			return UINT64_MAX;
		for (k = 0; k < s.h.num_desc; k++) {
			if (!strcmp(stats_desc(&s, k)->name, name)) {
				sum += stats_data(&s, stats_desc(&s, k))[0];
				found++;
			}
		}
		stats_free(&s);
	}
	return found == vm->nr_vcpus ? sum : UINT64_MAX;
}

/* A VM destroyed leaves kvm/ and its aggregates: they are the other VM's. */
static void destruction(TEST_METADATA)
{
	char path[512];
	uint64_t got, want;

	snprintf(path, sizeof(path), "%s/%s", KVM_DIR, vms[0].name);
	destroy_vm(&vms[0]);
	CHECK(access(path, F_OK) && errno == ENOENT, "destroyed_vm_directory_gone", "%s",
	      path);
	want = fd_sum(&vms[1], "hvc_exit_stat");
	got = statsfs_value(-1, -1, "hvc_exit_stat");
	CHECK(got == want && want == (uint64_t)(plan[1][0][1] + plan[1][1][1]),
	      "kvm_aggregates_without_the_destroyed_vm",
	      "hvc_exit_stat %" PRIu64 ", stats fds %" PRIu64, got, want);
}

/*
 * kvm.stats_debugfs=0: a VM created then has no statistics in debugfs, only what
 * arm64 adds to its directory there (idregs), and all of them in statsfs.
 */
static void statsfs_replaces_debugfs(TEST_METADATA)
{
	const char *param = "/sys/module/kvm/parameters/stats_debugfs";
	char dbg[256], sfs[256];
	struct vm vm;
	int r;

	if (write_file(param, "0")) {
		CHECK(0, "stats_debugfs_0", "%s: %s", param, strerror(errno));
		return;
	}
	r = create_vm(&vm, 1);
	CHECK(!r, "vm_created_with_stats_debugfs_0", "%s", strerror(-r));
	if (!r) {
		snprintf(dbg, sizeof(dbg), "%s/%s", DBG_DIR, vm.name);
		snprintf(sfs, sizeof(sfs), "%s/%s", KVM_DIR, vm.name);
		CHECK(!access(dbg, F_OK), "debugfs_vm_directory_kept", "%s", dbg);
		snprintf(dbg, sizeof(dbg), "%s/%s/idregs", DBG_DIR, vm.name);
		CHECK(!access(dbg, F_OK), "debugfs_keeps_arm64_files", "%s", dbg);
		snprintf(dbg, sizeof(dbg), "%s/%s/hvc_exit_stat", DBG_DIR, vm.name);
		CHECK(access(dbg, F_OK) && errno == ENOENT, "no_statistics_in_debugfs", "%s", dbg);
		snprintf(sfs, sizeof(sfs), "%s/%s/vcpu0/hvc_exit_stat", KVM_DIR, vm.name);
		CHECK(!access(sfs, F_OK), "statistics_in_statsfs", "%s", sfs);
		destroy_vm(&vm);
	}
	CHECK(!write_file(param, "1"), "stats_debugfs_1", "%s", param);
}

FIXTURE(vms) {
	int unused;
};

FIXTURE_SETUP(vms)
{
	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		TH_LOG("mount: %s", strerror(errno));
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	run_size = kvm_fd < 0 ? -1 : ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_TRUE(kvm_fd >= 0 && run_size > 0) TH_LOG("/dev/kvm: %s", strerror(errno));
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

/*
 * One set of VMs (under TCG their vCPUs run slowly) for every check, the
 * comparisons first and the destruction last.
 */
TEST_F(vms, values_schema_kvm_stat_destruction)
{
	CHECK(!access("/sys/module/kvm/parameters/stats_fs", F_OK), "kvm_built_in_with_statsfs",
	      "no kvm.stats_fs parameter");
	compare_everything(_metadata, vms, nr_vms, vcpu_files, false);
	known_exit_counts(_metadata);
	vcpu_pids(_metadata);
	metadata_files(_metadata);
	kvm_stat_unmodified(_metadata, &vms[0].vcpu[0], 14);
	kvm_stat_shows_the_exits(_metadata);
	destruction(_metadata);
	statsfs_replaces_debugfs(_metadata);
}

TEST_HARNESS_MAIN
