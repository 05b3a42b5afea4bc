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
#include "kvm_compare.h"

#define MAX_VMS 8

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

/*
 * Every value against the stats fds (kvm_compare.h), mp_state besides
 * debugfs's files in a vCPU's directory; then the figures the guest code makes.
 */
static void compare_everything_x86(TEST_METADATA)
{
	static const char *const x86_extra[] = { "mp_state", NULL };
	char path[512];
	unsigned int k;

	compare_everything(_metadata, vms, nr_vms, x86_extra, true);

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


/*
 * kvm/.values against per-file reads; a VM's .values and its .stats, parsed with
 * <linux/kvm.h>'s structs, against KVM's own stats fds; a VM's .schema against the
 * fds' descriptors.
 */
/*
 * @dir's .values against its files read one by one (quiescent VMs): the same
 * lines, each path relative to @dir, at least @min of them.
 */
static void values_equal_file_reads(TEST_METADATA, const char *name, const char *dir,
				    int min)
{
	struct lines got = {}, want = {};
	unsigned int i, bad = 0;
	char path[512], *text;
	size_t len;

	snprintf(path, sizeof(path), "%s/.values", dir);
	text = read_chunked(path, 4096, &len);
	lines_of(&got, text ? text : "");
	free(text);
	walk_lines(&want, dir, "");
	lines_sort(&got);
	lines_sort(&want);
	for (i = 0; (int)i < got.n && got.n == want.n; i++) {
		if (strcmp(got.line[i], want.line[i]) && !bad++)
			TH_LOG("%s: \"%s\", its file: \"%s\"", path, got.line[i], want.line[i]);
	}
	CHECK(got.n == want.n && got.n >= min && !bad, name, "%s: %d lines, %d files, %u differ",
	      path, got.n, want.n, bad);
	lines_free(&got);
	lines_free(&want);
}

static void metadata_files(TEST_METADATA)
{
	struct lines got = {}, schema = {};
	char path[512], *text;
	struct kvm_layout k;
	struct vm *vm = &vms[3];
	struct stats vs, cs[MAX_VCPUS];
	unsigned int i, j, compared = 0, bad = 0;
	size_t len;

	values_equal_file_reads(_metadata, "kvm_values_equal_file_reads", KVM_DIR, 100);
	/* A histogram's own directory: its buckets' paths are their files', 0 to 31. */
	values_equal_file_reads(_metadata, "histogram_values_equal_file_reads",
				KVM_DIR "/halt_wait_hist", 32);
	text = read_chunked(KVM_DIR "/halt_wait_hist/.schema", 4096, &len);
	lines_of(&schema, text ? text : "");
	free(text);
	for (i = 0; (int)i < schema.n; i++) {
		snprintf(path, sizeof(path), "%u ", i);
		bad += strncmp(schema.line[i], path, strlen(path)) != 0;
	}
	CHECK(schema.n == 32 && !bad, "histogram_schema_names_buckets_by_file",
	      "%d lines, %u not \"<bucket> ...\" in order: %s", schema.n, bad,
	      schema.n ? schema.line[0] : "");
	lines_free(&schema);
	bad = 0;

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
	compare_everything_x86(_metadata);
	metadata_files(_metadata);
	kvm_stat_unmodified(_metadata, &vms[0].vcpu[0], 31);
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
