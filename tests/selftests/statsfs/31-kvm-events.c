// SPDX-License-Identifier: GPL-2.0
/*
 * KVM in statsfs as VMs come and go, checked against KVM's stats fds:
 *
 * - every VM that was created has its directory, and a vCPU's directory is
 *   named after its id, gaps and all;
 * - a watcher of kvm/ (inotify) sees VMs come and go, a watcher of a VM's
 *   directory its vCPUs, and the VM's uevent says where it is in statsfs;
 * - a vCPU's .schema describes every statistic of its stats fd, and the
 *   extras;
 * - readers of kvm/ run while VMs are made and destroyed, and see no error
 *   but ESTALE from a .stats whose layout went out of date;
 * - with kvm.stats_debugfs=0, statsfs replaces debugfs's statistics: a VM's
 *   debugfs directory keeps what statsfs does not show, and kvm_stat reads
 *   statsfs;
 * - peak statistics that are not 0, under shadow paging (kvm_amd npt=0): a
 *   VM's are its stats fd's, and kvm/'s the maximum over the VMs, not the sum.
 */
#define _GNU_SOURCE
#define STATSFS_DESTRUCTIVE "reloads kvm_amd (npt=0) and switches kvm.stats_debugfs"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bulk_util.h"
#include "kvm_util.h"
#include "harness.h"
#include "util.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MNT "/sys/kernel/stats"
#define KVM_DIR MNT "/kvm"
#define DBG_DIR "/sys/kernel/debug/kvm"
#define PARAMS "/sys/module/kvm/parameters/"

/* The value of file @path as an integer, or UINT64_MAX. */
static uint64_t file_value(const char *path)
{
	char buf[64];

	return slurp(path, buf, sizeof(buf)) > 0 ? strtoull(buf, NULL, 10) : UINT64_MAX;
}

static bool exists(const char *path)
{
	return !access(path, F_OK);
}

static void open_kvm(TEST_METADATA)
{
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	run_size = kvm_fd < 0 ? -1 : ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_TRUE(kvm_fd >= 0 && run_size > 0) TH_LOG("/dev/kvm: %s", strerror(errno));
}

FIXTURE(kvm) {
	int unused;
};

FIXTURE_SETUP(kvm)
{
	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		TH_LOG("mount: %s", strerror(errno));
	ASSERT_EQ(0, system("modprobe kvm_amd"));
	open_kvm(_metadata);
}

FIXTURE_TEARDOWN(kvm)
{
	close(kvm_fd);
	write_file(PARAMS "stats_debugfs", "1");
}

TEST_F(kvm, every_vm_has_its_directory)
{
	struct vm vms[6];
	char path[256];
	int i, r = 0, missing = 0;

	for (i = 0; i < 6 && !r; i++)
		r = create_vm(&vms[i], false, 1);
	ASSERT_EQ(0, r);
	for (i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), KVM_DIR "/%s/vcpu0/exits", vms[i].name);
		missing += !exists(path);
	}
	CHECK(!missing, "six_vms_six_directories", "%d of 6 VMs have no directory", missing);
	for (i = 0; i < 6; i++)
		destroy_vm(&vms[i]);
	for (i = 0, missing = 0; i < 6; i++) {
		snprintf(path, sizeof(path), KVM_DIR "/%s", vms[i].name);
		missing += !exists(path);
	}
	CHECK(missing == 6, "directories_go_with_the_vms", "%d left", 6 - missing);
}

/* vCPU ids 0, 5 and 17: directories vcpu0, vcpu5 and vcpu17, each its own vCPU's. */
TEST_F(kvm, vcpu_ids_with_gaps)
{
	static const int ids[] = { 0, 5, 17 };
	char path[256];
	struct vm vm;
	const char *err = NULL;
	int i, n = 0, r;
	DIR *d;
	struct dirent *e;

	ASSERT_EQ(0, create_vm(&vm, false, 0));
	for (i = 0, r = 0; i < 3 && !r; i++)
		r = create_vcpu(&vm, ids[i]);
	ASSERT_EQ(0, r);
	for (i = 0; i < 3 && !err; i++)
		err = program_vcpu(&vm.vcpu[i], 2 + i, 0, 0) ? "KVM_SET_REGS" :
		      run_to_done(&vm.vcpu[i]);
	CHECK(!err, "vcpus_run", "%s", err);
	snprintf(path, sizeof(path), KVM_DIR "/%s", vm.name);
	d = opendir(path);
	while (d && (e = readdir(d)))
		n += !strncmp(e->d_name, "vcpu", 4);
	if (d)
		closedir(d);
	CHECK(n == 3, "three_vcpu_directories", "%d", n);
	for (i = 0; i < 3; i++) {
		uint64_t got;

		snprintf(path, sizeof(path), KVM_DIR "/%s/vcpu%d/io_exits", vm.name, ids[i]);
		/* The guest code's 2 + i port writes and its write to DONE_PORT. */
		got = file_value(path);
		CHECK(got == (uint64_t)(3 + i) && got == fd_value(&vm, i, "io_exits", 0),
		      "vcpu_directory_is_its_vcpus", "%s: %" PRIu64 ", want %d", path, got, 3 + i);
	}
	snprintf(path, sizeof(path), KVM_DIR "/%s/io_exits", vm.name);
	CHECK(file_value(path) == 3 + 4 + 5, "vm_sums_its_vcpus", "%s: %" PRIu64, path,
	      file_value(path));
	destroy_vm(&vm);
}

/* Waits up to 2 s for an inotify event on @fd; true if one named @name has @mask. */
static bool inotify_saw(int fd, uint32_t mask, const char *name)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (poll(&p, 1, 2000) == 1 && (n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *at = buf; at < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)at;

			if ((ev->mask & mask) == mask && ev->len && !strcmp(ev->name, name))
				return true;
			at += sizeof(*ev) + ev->len;
		}
	}
	return false;
}

TEST_F(kvm, watchers_see_vms_and_vcpus_come_and_go)
{
	char path[256];
	struct vm vm;
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), wd;

	ASSERT_LE(0, in);
	ASSERT_LE(0, inotify_add_watch(in, KVM_DIR, IN_CREATE | IN_DELETE));
	ASSERT_EQ(0, create_vm(&vm, false, 0));
	CHECK(inotify_saw(in, IN_CREATE | IN_ISDIR, vm.name), "in_create_for_a_vm",
	      "no IN_CREATE for %s on kvm/", vm.name);
	snprintf(path, sizeof(path), KVM_DIR "/%s", vm.name);
	wd = inotify_add_watch(in, path, IN_CREATE | IN_DELETE);
	CHECK(wd >= 0 && !create_vcpu(&vm, 0) && inotify_saw(in, IN_CREATE | IN_ISDIR, "vcpu0"),
	      "in_create_for_a_vcpu", "no IN_CREATE for vcpu0 on %s", path);
	destroy_vm(&vm);
	CHECK(inotify_saw(in, IN_DELETE | IN_ISDIR, vm.name), "in_delete_for_a_vm",
	      "no IN_DELETE for %s on kvm/", vm.name);
	close(in);
}

/* Reads uevents from @fd for up to 2 s; true once one has @a and @b among its fields. */
static bool uevent_has(int fd, const char *a, const char *b)
{
	char buf[8192];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (poll(&p, 1, 2000) == 1 && (n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		bool has_a = false, has_b = false;

		buf[n] = '\0';
		for (char *at = buf; at < buf + n; at += strlen(at) + 1) {
			has_a |= !strcmp(at, a);
			has_b |= !strcmp(at, b);
		}
		if (has_a && has_b)
			return true;
	}
	return false;
}

TEST_F(kvm, uevent_says_where_the_vm_is)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	char want[128];
	struct vm vm;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(0, create_vm(&vm, false, 0));
	snprintf(want, sizeof(want), "STATS_FS_PATH=/kvm/%s", vm.name);
	CHECK(uevent_has(fd, "EVENT=create", want), "create_uevent_has_stats_fs_path",
	      "no uevent with EVENT=create and %s", want);
	destroy_vm(&vm);
	CHECK(uevent_has(fd, "EVENT=destroy", want), "destroy_uevent_has_stats_fs_path",
	      "no uevent with EVENT=destroy and %s", want);
	close(fd);
}

/* The kind and unit words of .schema for a stats fd descriptor's flags. */
static const char *kind_word(uint32_t flags)
{
	switch (flags & KVM_STATS_TYPE_MASK) {
	case KVM_STATS_TYPE_CUMULATIVE: return "cumulative";
	case KVM_STATS_TYPE_INSTANT: return "instant";
	case KVM_STATS_TYPE_PEAK: return "peak";
	case KVM_STATS_TYPE_LINEAR_HIST: return "linear_hist";
	case KVM_STATS_TYPE_LOG_HIST: return "log_hist";
	}
	return "?";
}

/* The line of @schema for value @name (or bucket @name/@bucket), or NULL. */
static const char *schema_line(struct lines *schema, const char *name, int bucket)
{
	char want[160];
	int i;

	if (bucket < 0)
		snprintf(want, sizeof(want), "%s ", name);
	else
		snprintf(want, sizeof(want), "%s/%d ", name, bucket);
	for (i = 0; i < schema->n; i++)
		if (!strncmp(schema->line[i], want, strlen(want)))
			return schema->line[i];
	return NULL;
}

TEST_F(kvm, vcpu_schema_describes_every_statistic)
{
	struct lines schema = {};
	struct stats s;
	char path[256], why[256] = "", *text;
	unsigned int k, checked = 0;
	struct vm vm;
	size_t len;

	ASSERT_EQ(0, create_vm(&vm, true, 1));
	ASSERT_EQ(0, vcpu_stats(&vm.vcpu[0], &s));
	snprintf(path, sizeof(path), KVM_DIR "/%s/vcpu0/.schema", vm.name);
	text = read_chunked(path, 4096, &len);
	ASSERT_NE(NULL, text);
	lines_of(&schema, text);
	for (k = 0; k < s.h.num_desc && !why[0]; k++) {
		const struct kvm_stats_desc *d = stats_desc(&s, k);
		int b, buckets = is_hist(d) ? d->size : 0;

		for (b = buckets ? 0 : -1; b < buckets && !why[0]; b++) {
			const char *line = schema_line(&schema, d->name, b);

			if (!line || !strstr(line, kind_word(d->flags)))
				snprintf(why, sizeof(why), "%s/%d: %s", d->name, b,
					 line ? line : "no line");
			checked++;
		}
	}
	CHECK(!why[0] && checked >= s.h.num_desc, "every_vcpu_statistic_described",
	      "%s (%u lines checked)", why, checked);
	/* The extras: mp_state shows text, the others are numbers. */
	CHECK(schema_line(&schema, "pid", -1) && schema_line(&schema, "tsc-offset", -1) &&
	      schema_line(&schema, "lapic_timer_advance_ns", -1) &&
	      schema_line(&schema, "mp_state", -1) &&
	      strstr(schema_line(&schema, "mp_state", -1), "text") &&
	      strstr(schema_line(&schema, "tsc-offset", -1), " signed "),
	      "extras_described", "pid, tsc-offset, lapic_timer_advance_ns or mp_state");
	lines_free(&schema);
	free(text);
	stats_free(&s);
	destroy_vm(&vm);
}

/*
 * Reads kvm/ for @seconds: .values (every line "path value"), .stats (a
 * sound layout, or ESTALE), and each VM directory's files. Exit status 0, or
 * what went wrong.
 */
static int kvm_reader(int seconds)
{
	time_t end = time(NULL) + seconds;
	int bad = 0;

	while (time(NULL) < end && !bad) {
		struct kvm_layout k;
		struct lines l = {};
		size_t len;
		char *text = read_chunked(KVM_DIR "/.values", 1024, &len);
		DIR *d;
		struct dirent *e;

		if (!text)
			return 10;
		lines_of(&l, text);
		for (int i = 0; i < l.n && !bad; i++) {
			char *sp = strchr(l.line[i], ' ');

			bad = !sp || !sp[1] ? 11 : 0;
		}
		lines_free(&l);
		free(text);
		if (kvm_layout_read(&k, KVM_DIR "/.stats", 4096)) {
			if (errno != ESTALE)
				bad = 12;
		} else {
			free(k.buf);
		}
		d = opendir(KVM_DIR);
		while (d && (e = readdir(d)) && !bad) {
			char path[512], buf[64];
			int r;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), KVM_DIR "/%s/exits", e->d_name);
			r = slurp(path, buf, sizeof(buf));
			/* A VM (or a histogram's directory) may be gone: ENOENT. */
			if (r < 0 && r != -ENOENT && r != -ENOTDIR)
				bad = 13;
		}
		if (d)
			closedir(d);
	}
	return bad;
}

TEST_F(kvm, readers_while_vms_are_destroyed)
{
	pid_t readers[2];
	int i, status, bad = 0, r = 0;

	for (i = 0; i < 2; i++) {
		readers[i] = fork();
		if (readers[i] == 0)
			_exit(kvm_reader(4));
	}
	for (i = 0; i < 12 && !r; i++) {
		struct vm vm;
		const char *err;

		r = create_vm(&vm, false, 2);
		err = r ? NULL : program_vcpu(&vm.vcpu[1], 3, 1, 0) ? "KVM_SET_REGS" :
		      run_to_done(&vm.vcpu[1]);
		if (err)
			r = -EIO;
		destroy_vm(&vm);
	}
	for (i = 0; i < 2; i++)
		if (waitpid(readers[i], &status, 0) != readers[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			TH_LOG("reader %d: status %#x", i, status);
			bad++;
		}
	CHECK(!r, "vms_made_and_destroyed", "%s", strerror(-r));
	CHECK(!bad, "readers_saw_no_errors", "%d readers failed", bad);
}

/* The entries of @dir whose names are @name, counted. */
static int has_entry(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += !strcmp(e->d_name, name);
	if (d)
		closedir(d);
	return n;
}

/*
 * kvm.stats_debugfs=0: a new VM's debugfs directory holds no statistics and
 * no vCPU directory, only what statsfs does not show (x86's mmu_rmaps_stat);
 * its statistics are in statsfs, and the kernel's kvm_stat, unmodified, reads
 * them there (kvm/ bind-mounted over debugfs's, as kvm_stat finds it).
 */
TEST_F(kvm, statsfs_replaces_debugfs)
{
	char dbg[256], sfs[256];
	const char *err;
	struct vm vm;
	int r;

	ASSERT_EQ(0, write_file(PARAMS "stats_debugfs", "0"));
	ASSERT_EQ(0, create_vm(&vm, false, 2));
	err = program_vcpu(&vm.vcpu[0], 4, 1, 1) ? "KVM_SET_REGS" : run_to_done(&vm.vcpu[0]);
	CHECK(!err, "vcpu_runs", "%s", err);
	snprintf(dbg, sizeof(dbg), DBG_DIR "/%s", vm.name);
	snprintf(sfs, sizeof(sfs), KVM_DIR "/%s", vm.name);
	CHECK(exists(dbg) && !has_entry(dbg, "exits") && !has_entry(dbg, "remote_tlb_flush") &&
	      !has_entry(dbg, "vcpu0") && has_entry(dbg, "mmu_rmaps_stat"),
	      "debugfs_keeps_only_the_rest", "%s: exits %d, vcpu0 %d, mmu_rmaps_stat %d", dbg,
	      has_entry(dbg, "exits"), has_entry(dbg, "vcpu0"), has_entry(dbg, "mmu_rmaps_stat"));
	CHECK(has_entry(sfs, "exits") && has_entry(sfs, "remote_tlb_flush") &&
	      has_entry(sfs, "vcpu1"), "statsfs_has_the_statistics", "%s", sfs);
	/* kvm_stat, on statsfs, sees this VM's exits. */
	r = -1;
	if (!mount(KVM_DIR, DBG_DIR, NULL, MS_BIND, NULL)) {
		r = system("/usr/bin/python3 /usr/bin/kvm_stat -d -i -1 >/tmp/kvm_stat.out 2>&1");
		umount(DBG_DIR);
	}
	{
		char out[16384], *line;
		uint64_t io = 0;

		slurp("/tmp/kvm_stat.out", out, sizeof(out));
		line = strstr(out, "\nio_exits ");
		if (line)
			io = strtoull(line + strlen("\nio_exits "), NULL, 10);
		CHECK(r == 0 && io >= 4 && io == file_value(KVM_DIR "/io_exits"),
		      "kvm_stat_reads_statsfs", "exit %d, io_exits %" PRIu64 ", kvm/io_exits %" PRIu64,
		      r, io, file_value(KVM_DIR "/io_exits"));
	}
	destroy_vm(&vm);
	ASSERT_EQ(0, write_file(PARAMS "stats_debugfs", "1"));
	/* Back to both for new VMs. */
	ASSERT_EQ(0, create_vm(&vm, false, 1));
	snprintf(dbg, sizeof(dbg), DBG_DIR "/%s", vm.name);
	CHECK(has_entry(dbg, "exits") && has_entry(dbg, "vcpu0"), "debugfs_back_with_1", "%s", dbg);
	destroy_vm(&vm);
}

/* The guest memory of an aliasing VM: code, page directory, two page tables, data. */
#define ALIAS_MEM 0x5000
#define ALIAS_VA 0x400000

/*
 * A VM whose vCPU runs 32-bit protected mode with paging, and reads one data
 * page (guest frame 4) through @aliases linear addresses, then writes to
 * DONE_PORT. Under shadow paging each alias is a shadow PTE of that frame, so
 * its rmap grows to @aliases entries and max_mmu_rmap_size to @aliases - 1
 * (KVM counts the entries already there as it adds one). @mem gets the guest
 * memory, to unmap after the VM is destroyed.
 *
 *	mov eax, [ALIAS_VA + j * 4096]	(j = 0 .. @aliases - 1)
 *	1: out DONE_PORT, al; jmp 1b
 */
static int create_aliasing_vm(struct vm *vm, int aliases, uint8_t **mem)
{
	struct kvm_userspace_memory_region region = { .memory_size = ALIAS_MEM };
	struct kvm_segment code = {
		.limit = 0xffffffff, .selector = 8, .type = 11, .present = 1, .db = 1,
		.s = 1, .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	struct kvm_sregs sregs;
	uint32_t *pd, *pt0, *pt1;
	uint8_t *at;
	int j;

	data.selector = 16;
	data.type = 3;
	memset(vm, 0, sizeof(*vm));
	vm->fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return -errno;
	snprintf(vm->name, sizeof(vm->name), "%d-%d", getpid(), vm->fd);
	*mem = mmap(NULL, ALIAS_MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (*mem == MAP_FAILED)
		return -errno;
	pd = (uint32_t *)(*mem + 0x1000);
	pt0 = (uint32_t *)(*mem + 0x2000);
	pt1 = (uint32_t *)(*mem + 0x3000);
	pd[0] = 0x2000 | 3;			/* present, writable */
	pd[ALIAS_VA >> 22] = 0x3000 | 3;
	for (j = 0; j < 5; j++)
		pt0[j] = j * 0x1000 | 3;	/* the first 20 KiB, identity */
	for (j = 0; j < aliases; j++)
		pt1[j] = 0x4000 | 3;		/* every alias: frame 4 */
	at = *mem;
	for (j = 0; j < aliases; j++) {
		uint32_t va = ALIAS_VA + j * 0x1000;

		*at++ = 0xa1;			/* mov eax, moffs32 */
		memcpy(at, &va, 4);
		at += 4;
	}
	memcpy(at, (uint8_t[]){ 0xe6, DONE_PORT, 0xeb, 0xfc }, 4);
	region.userspace_addr = (uintptr_t)*mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;
	vm->vcpu[0].fd = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu[0].fd < 0)
		return -errno;
	vm->nr_vcpus = 1;
	vm->vcpu[0].run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			       vm->vcpu[0].fd, 0);
	if (vm->vcpu[0].run == MAP_FAILED || ioctl(vm->vcpu[0].fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr0 = 0x80000011;			/* PG, ET, PE */
	sregs.cr3 = 0x1000;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vm->vcpu[0].fd, KVM_SET_SREGS, &sregs) ||
	    ioctl(vm->vcpu[0].fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

/*
 * Peaks under shadow paging: KVM reloaded with kvm_amd npt=0, so that VMs
 * build rmaps, and three VMs whose guests alias a frame 2, 3 and 4 times, for
 * max_mmu_rmap_size 1, 2 and 3. Each VM's peaks in statsfs are its stats
 * fd's; kvm/'s are the maximum over the VMs (3), which the sum (6) is not.
 */
FIXTURE(shadow) {
	int unused;
};

FIXTURE_SETUP(shadow)
{
	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		TH_LOG("mount: %s", strerror(errno));
	unload_module("kvm_amd");
	unload_module("kvm");
	ASSERT_EQ(0, system("modprobe kvm_amd npt=0"));
	open_kvm(_metadata);
}

FIXTURE_TEARDOWN(shadow)
{
	close(kvm_fd);
	unload_module("kvm_amd");
	unload_module("kvm");
}

TEST_F(shadow, peaks_are_maxima_not_sums)
{
	struct vm vms[3];
	uint8_t *mem[3] = {};
	struct stats s;
	char why[256] = "";
	const char *err = NULL;
	unsigned int k, peaks = 0;
	int i, r = 0;

	for (i = 0; i < 3 && !r && !err; i++) {
		r = create_aliasing_vm(&vms[i], i + 2, &mem[i]);
		err = r ? NULL : run_to_done(&vms[i].vcpu[0]);
	}
	ASSERT_EQ(0, r);
	ASSERT_EQ(NULL, err) TH_LOG("VM %d: %s (exit reason %u)", i - 1, err,
				  vms[i - 1].vcpu[0].run->exit_reason);
	CHECK(fd_value(&vms[2], -1, "max_mmu_rmap_size", 0) == 3,
	      "aliasing_guest_makes_rmaps", "VM 2: max_mmu_rmap_size %" PRIu64 " in its stats fd",
	      fd_value(&vms[2], -1, "max_mmu_rmap_size", 0));
	ASSERT_EQ(0, vm_stats(&vms[0], &s));
	for (k = 0; k < s.h.num_desc && !why[0]; k++) {
		const struct kvm_stats_desc *d = stats_desc(&s, k);
		uint64_t max = 0, sum = 0, v, got;
		char path[256];

		if (!is_peak(d))
			continue;
		peaks++;
		for (i = 0; i < 3 && !why[0]; i++) {
			v = fd_value(&vms[i], -1, d->name, 0);
			snprintf(path, sizeof(path), KVM_DIR "/%s/%s", vms[i].name, d->name);
			got = file_value(path);
			if (got != v)
				snprintf(why, sizeof(why), "%s: %" PRIu64 ", stats fd %" PRIu64,
					 path, got, v);
			max = v > max ? v : max;
			sum += v;
		}
		snprintf(path, sizeof(path), KVM_DIR "/%s", d->name);
		got = file_value(path);
		if (!why[0] && got != max)
			snprintf(why, sizeof(why), "%s: %" PRIu64 ", maximum %" PRIu64 ", sum %" PRIu64,
				 path, got, max, sum);
		if (!strcmp(d->name, "max_mmu_rmap_size"))
			CHECK(max > 0 && sum > max, "max_mmu_rmap_size_tells_max_from_sum",
			      "maximum %" PRIu64 ", sum %" PRIu64 " over 3 VMs", max, sum);
	}
	CHECK(!why[0] && peaks >= 2, "peaks_match_the_stats_fds", "%s (%u peaks)", why, peaks);
	stats_free(&s);
	for (i = 0; i < 3; i++) {
		destroy_vm(&vms[i]);
		munmap(mem[i], ALIAS_MEM);
	}
}

TEST_HARNESS_MAIN
