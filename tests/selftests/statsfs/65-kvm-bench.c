// SPDX-License-Identifier: GPL-2.0
/*
 * KVM benchmark, in one boot: N VMs x 4 vCPUs (statsfs_kvm_bench=N, 50 for
 * `make bench`; 2 in `make check`, to keep it working). Prints "# bench:"
 * lines and asserts nothing about the figures.
 *
 * KVM's switches are set at run time (/sys/module/kvm/parameters), so the
 * three ways a VM can publish its statistics are compared in one boot, KVM
 * built in (`make bench`) or a module (`make check`): stock (debugfs only,
 * kvm.stats_fs=0), both (the default), and statsfs only
 * (kvm.stats_debugfs=0).
 *
 * - Creation: the time to create and destroy the VMs and vCPUs, the three
 *   ways in turn, best of 6 rounds.
 * - Memory: what the VMs charge to the memory cgroup the benchmark runs in
 *   (memory.current), each way: KVM charges its own allocations there, and
 *   so do debugfs (dentries, inodes, its stat data) and statsfs.
 * - Reads, all VMs' vCPUs having run: kvm/exits in statsfs against debugfs;
 *   every value debugfs has for the VMs through debugfs files against the same
 *   names in statsfs; every value of every VM and vCPU through statsfs files
 *   against preads of every VM and vCPU stats fd (opened beforehand).
 * - Writers under readers: KVM_CREATE_VCPU (which publishes the vCPU under
 *   kvm->lock) timed without readers and with three readers of kvm/.values,
 *   alternately, all VMs alive; the readers run at nice 19 (see bench_util.h).
 *
 * Each target is a line "bench target ...: met|missed".
 */
#define _GNU_SOURCE
#define STATSFS_DESTRUCTIVE "reloads kvm with its statsfs and debugfs switches"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_util.h"
#include "bulk_util.h"
#include "kvm_util.h"
#include "harness.h"
#include "util.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MNT "/sys/kernel/stats"
#define KVM_DIR MNT "/kvm"
#define DBG_DIR "/sys/kernel/debug/kvm"
#define VCPUS 4

static int nr_vms = 1;
static struct vm *gen1;

#define now bench_now

/* The ways a VM publishes its statistics. */
enum publish { STOCK, BOTH, STATSFS_ONLY, PUBLISH_WAYS };

static const char *const publish_name[] = { "stock (debugfs)", "both", "statsfs only" };

/* Sets KVM's switches, for the VMs created from now on; 0 on success. */
static int publish(enum publish way)
{
	return write_file("/sys/module/kvm/parameters/stats_fs", way == STOCK ? "0" : "1") ||
	       write_file("/sys/module/kvm/parameters/stats_debugfs",
			  way == STATSFS_ONLY ? "0" : "1");
}

/* Makes KVM usable, loading it if it is a module; 0 on success. */
static int open_kvm(void)
{
	if (access("/sys/module/kvm_amd", F_OK) && system("modprobe kvm_amd"))
		return -1;
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	run_size = kvm_fd < 0 ? -1 : ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	return kvm_fd < 0 || run_size <= 0;
}

static int create_all(struct vm *vms)
{
	int i, r = 0;

	for (i = 0; i < nr_vms && !r; i++)
		r = create_vm(&vms[i], false, VCPUS);
	return r;
}

static void destroy_all(struct vm *vms)
{
	int i;

	for (i = 0; i < nr_vms; i++)
		if (vms[i].fd >= 0 || vms[i].nr_vcpus)
			destroy_vm(&vms[i]);
}

/* Opens, reads and closes @path; 1 if it gave something. */
static int read_file(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0;
}

/* Every regular file under @dir, recursively; returns how many were read. */
static long read_tree(const char *dir)
{
	struct dirent *e;
	char path[512];
	long n = 0;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			n += read_tree(path);
		else
			n += read_file(path);
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * The paths of the regular files of @dbg (a VM's debugfs directory), or of the
 * same values in statsfs's @dir (a histogram is a directory there, whose bucket
 * 0 is what debugfs shows), into @paths; returns how many.
 */
static int debugfs_names(const char *dbg, const char *dir, char (*paths)[128], int max)
{
	struct dirent *e;
	struct stat st;
	int n = 0;
	DIR *d = opendir(dbg);

	while (d && (e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.' || e->d_type == DT_DIR)
			continue;
		snprintf(paths[n], sizeof(paths[n]), "%s/%s", dir ? dir : dbg, e->d_name);
		if (dir && !stat(paths[n], &st) && S_ISDIR(st.st_mode))
			strncat(paths[n], "/0", sizeof(paths[n]) - strlen(paths[n]) - 1);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

static void reads(TEST_METADATA)
{
	char dir[256], dbg[256];
	int fds[1024], nfds = 0, i, j, reps = 20;
	double t0, t1, t2, t3, t_fd, t_dbg;
	long n_s = 0, n_d = 0, bytes = 0, fd_bytes;
	struct stats s;

	/*
	 * kvm/exits, open+read+close, both ways, side by side in 5 rounds of 100:
	 * the best round of each (under TCG a round now and then runs slow).
	 */
	{
		double best_s = -1, best_d = -1;
		int r;

		for (r = 0; r < 5; r++) {
			t0 = now();
			for (i = 0; i < 100; i++)
				n_s += read_file(KVM_DIR "/exits");
			t1 = now();
			for (i = 0; i < 100; i++)
				n_d += read_file(DBG_DIR "/exits");
			t2 = now();
			if (best_s < 0 || t1 - t0 < best_s)
				best_s = t1 - t0;
			if (best_d < 0 || t2 - t1 < best_d)
				best_d = t2 - t1;
		}
		CHECK(n_s == 500 && n_d == 500, "global_exits_reads", "%ld and %ld", n_s, n_d);
		printf("# bench: kvm/exits over %d VMs x %d vCPUs: statsfs %.1f us, debugfs %.1f us per read: %.2fx\n",
		       nr_vms, VCPUS, best_s * 1e6 / 100, best_d * 1e6 / 100, best_s / best_d);
		bench_target("kvm_exits_vs_debugfs", best_s <= best_d, "<= 1.0x", "%.2fx",
			     best_s / best_d);
	}

	/* What debugfs has for every VM, both ways; the paths found beforehand. */
	{
		static char s_paths[8192][128], d_paths[8192][128];
		int ns = 0, nd = 0, k;

		for (i = 0; i < nr_vms; i++) {
			snprintf(dir, sizeof(dir), "%s/%s", KVM_DIR, gen1[i].name);
			snprintf(dbg, sizeof(dbg), "%s/%s", DBG_DIR, gen1[i].name);
			ns += debugfs_names(dbg, dir, s_paths + ns, 8192 - ns);
			nd += debugfs_names(dbg, NULL, d_paths + nd, 8192 - nd);
		}
		n_s = n_d = 0;
		t0 = now();
		for (k = 0; k < ns; k++)
			n_s += read_file(s_paths[k]);
		t1 = now();
		for (k = 0; k < nd; k++)
			n_d += read_file(d_paths[k]);
		t2 = now();
	}
	CHECK(n_s == n_d && n_s > 0, "per_vm_reads", "statsfs %ld, debugfs %ld", n_s, n_d);
	t_dbg = t2 - t1;
	printf("# bench: every VM's debugfs values (%ld files): statsfs %.3f s, debugfs %.3f s: %.2fx\n",
	       n_d, t1 - t0, t2 - t1, (t1 - t0) / (t2 - t1));
	bench_target("vm_values_vs_debugfs", (t1 - t0) <= (t2 - t1), "<= 1.0x", "%.2fx",
		     (t1 - t0) / (t2 - t1));

	/* Everything: statsfs files against preads of the stats fds. */
	for (i = 0; i < nr_vms && nfds < 1024; i++) {
		fds[nfds++] = ioctl(gen1[i].fd, KVM_GET_STATS_FD, NULL);
		for (j = 0; j < gen1[i].nr_vcpus && nfds < 1024; j++)
			fds[nfds++] = ioctl(gen1[i].vcpu[j].fd, KVM_GET_STATS_FD, NULL);
	}
	n_s = 0;
	t0 = now();
	for (i = 0; i < nr_vms; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", KVM_DIR, gen1[i].name);
		n_s += read_tree(dir);
	}
	t1 = now();
	for (i = 0; i < reps; i++) {
		for (j = 0; j < nfds; j++) {
			if (stats_read(fds[j], &s) == 0)
				bytes += s.data_len;
			stats_free(&s);
		}
	}
	t2 = now();
	/* What a tool that keeps the fds open does each time: pread the data block. */
	fd_bytes = bytes / reps;
	for (i = 0; i < reps; i++) {
		for (j = 0; j < nfds; j++) {
			static char data[8192];
			struct kvm_stats_header h;

			if (pread(fds[j], &h, sizeof(h), 0) == sizeof(h))
				bytes += pread(fds[j], data, sizeof(data), h.data_offset);
		}
	}
	t3 = now();
	CHECK(n_s > 0 && bytes > 0, "everything_reads", "%ld files, %ld bytes", n_s, bytes);
	t_fd = (t3 - t2) / reps;
	printf("# bench: every value of every VM and vCPU (%ld statsfs files, %d stats fds): statsfs files %.3f s, stats fds (header, descriptors, data) %.4f s, stats fds (data only) %.4f s: %.1fx, %.1fx\n",
	       n_s, nfds, t1 - t0, (t2 - t1) / reps, (t3 - t2) / reps,
	       (t1 - t0) / ((t2 - t1) / reps), (t1 - t0) / ((t3 - t2) / reps));
	/* The same in one read of kvm/.values, and in kvm/.stats (opened once, then data). */
	{
		size_t len, lines = 0;
		char *text;
		struct kvm_layout k;
		int fd;
		char *data;

		t0 = now();
		for (i = 0; i < reps; i++) {
			text = read_chunked(KVM_DIR "/.values", 1 << 20, &len);
			for (size_t c = 0; i == 0 && text && c < len; c++)
				lines += text[c] == '\n';
			free(text);
		}
		t1 = now();
		fd = open(KVM_DIR "/.stats", O_RDONLY);
		kvm_layout_read(&k, KVM_DIR "/.stats", 1 << 20);
		data = malloc(k.len);
		t2 = now();
		for (i = 0; i < reps && data; i++)
			bytes += pread(fd, data, k.len - k.h.data_offset, k.h.data_offset);
		t3 = now();
		CHECK(fd >= 0 && data && k.h.num_desc > 0, "kvm_stats_file", "%s", strerror(errno));
		printf("# bench: every value of every VM and vCPU: kvm/.values %.4f s, kvm/.stats data %.4f s per read; against stats fds (data only) %.2fx and %.2fx, against per-file debugfs of the VMs' values %.0fx faster\n",
		       (t1 - t0) / reps, (t3 - t2) / reps, ((t1 - t0) / reps) / t_fd,
		       ((t3 - t2) / reps) / t_fd, t_dbg / ((t1 - t0) / reps));
		/*
		 * kvm/.stats holds more than the fds: the sums of every VM over its
		 * vCPUs, and of kvm/ over everything. Per byte of data, for the cause.
		 */
		printf("# bench: kvm/.values %zu lines, %.0f ns a line\n", lines,
		       (t1 - t0) / reps * 1e9 / (lines ? lines : 1));
		printf("# bench: kvm/.stats data %ld bytes, the stats fds' %ld: per byte %.2fx\n",
		       (long)(k.len - k.h.data_offset), fd_bytes,
		       ((t3 - t2) / reps / (k.len - k.h.data_offset)) / (t_fd / fd_bytes));
		bench_target("kvm_stats_data_vs_stats_fds", (t3 - t2) / reps <= t_fd, "<= 1.0x",
			     "%.2fx", ((t3 - t2) / reps) / t_fd);
		bench_target("kvm_values_vs_stats_fds", (t1 - t0) / reps <= 10 * t_fd, "<= 10x",
			     "%.2fx", ((t1 - t0) / reps) / t_fd);
		free(data);
		free(k.buf);
		close(fd);
	}
	/*
	 * Like for like: one vCPU's directory, which sums nothing, against that
	 * vCPU's stats fd; data only, both held open.
	 */
	{
		struct kvm_layout k;
		static char data[65536];
		struct kvm_stats_header h;
		int fd, vfd = fds[1], r = 20000;
		long got = 0;

		snprintf(dir, sizeof(dir), "%s/%s/vcpu0/.stats", KVM_DIR, gen1[0].name);
		fd = open(dir, O_RDONLY);
		CHECK(fd >= 0 && !kvm_layout_read(&k, dir, 65536) &&
		      pread(vfd, &h, sizeof(h), 0) == sizeof(h), "vcpu_stats_file", "%s",
		      strerror(errno));
		t0 = now();
		for (i = 0; i < r; i++)
			got += pread(fd, data, k.len - k.h.data_offset, k.h.data_offset);
		t1 = now();
		for (i = 0; i < r; i++)
			got += pread(vfd, data, sizeof(data), h.data_offset);
		t2 = now();
		printf("# bench: one vCPU's .stats data %.2f us, its stats fd's %.2f us (%ld bytes each): %.2fx\n",
		       (t1 - t0) * 1e6 / r, (t2 - t1) * 1e6 / r, (long)(k.len - k.h.data_offset),
		       (t1 - t0) / (t2 - t1));
		/* Where it goes: the fixed cost of a read, and of the first value. */
		t0 = now();
		for (i = 0; i < r; i++)
			got += pread(fd, data, 8, 0);
		t1 = now();
		for (i = 0; i < r; i++)
			got += pread(fd, data, 8, k.h.data_offset);
		t2 = now();
		for (i = 0; i < r; i++)
			got += pread(vfd, data, 8, h.data_offset);
		t3 = now();
		printf("# bench: one vCPU's .stats: 8 bytes of header %.2f us, 8 bytes of data %.2f us; its stats fd's 8 bytes of data %.2f us\n",
		       (t1 - t0) * 1e6 / r, (t2 - t1) * 1e6 / r, (t3 - t2) * 1e6 / r);
		free(k.buf);
		close(fd);
		(void)got;
	}
	for (j = 0; j < nfds; j++)
		close(fds[j]);
	(void)t3;
}

/*
 * KVM_CREATE_VCPU without readers and with three readers of kvm/.values, with
 * every VM of @vms alive: seconds per vCPU created, in @alone and @read.
 */
static int vcpu_creation(double *alone, double *read)
{
	struct vm extra = { .fd = -1 };
	pid_t pid[3] = {};
	int round, i, j, r = 0, n[2] = {};
	double t[2] = {}, t0;

	for (round = 0; round < 8 && !r; round++) {
		bool readers = round % 2;

		for (i = 0; readers && i < 3; i++)
			pid[i] = bench_reader(KVM_DIR "/.values");
		if (readers)
			usleep(100000);
		r = create_vm(&extra, false, 0);
		for (j = 0; j < VCPUS && !r; j++) {
			t0 = now();
			r = create_vcpu(&extra, j);
			t[readers] += now() - t0;
			n[readers]++;
		}
		destroy_vm(&extra);
		bench_stop_readers(pid, 3);
		memset(pid, 0, sizeof(pid));
	}
	*alone = n[0] ? t[0] / n[0] : -1;
	*read = n[1] ? t[1] / n[1] : -1;
	return r;
}

TEST(kvm_with_and_without_statsfs)
{
	struct rlimit nofile = { 8192, 8192 };
	double t_create[PUBLISH_WAYS] = {}, t0;
	long mem[PUBLISH_WAYS] = {}, m0;
	int i, j, rep, way, r = 0, create_reps = getenv("statsfs_kvm_bench") ? 6 : 1;
	bool built_in = access("/sys/module/kvm/initstate", F_OK) != 0;

	if (getenv("statsfs_kvm_bench"))
		nr_vms = atoi(getenv("statsfs_kvm_bench"));
	setrlimit(RLIMIT_NOFILE, &nofile);
	gen1 = calloc(nr_vms, sizeof(*gen1));
	kvm_fd = -1;
	printf("# bench: kvm: %d VMs x %d vCPUs, KVM %s\n", nr_vms, VCPUS,
	       built_in ? "built in" : "a module");
	if (mount("statsfs", MNT, "statsfs", 0, NULL) && errno != EBUSY)
		CHECK(0, "mount", "%s", strerror(errno));
	ASSERT_EQ(0, open_kvm());
	/* Built in, KVM published kvm/ at boot, with nothing loaded. */
	CHECK(!built_in || !access(KVM_DIR "/exits", F_OK), "kvm_published_at_boot",
	      "%s", strerror(errno));

	/*
	 * Creation, the three ways in turn, in rounds whose order rotates (what
	 * the guest does between rounds does not favour one way): the best round
	 * of each way, as for the reads.
	 */
	for (rep = 0; rep < create_reps && !r; rep++) {
		for (j = 0; j < PUBLISH_WAYS && !r; j++) {
			double t;

			way = (rep + j) % PUBLISH_WAYS;
			r = publish(way);
			t0 = now();
			r = r ? r : create_all(gen1);
			destroy_all(gen1);
			t = now() - t0;
			if (!rep || t < t_create[way])
				t_create[way] = t;
		}
	}
	CHECK(!r, "create_and_destroy", "%s", strerror(-r));
	printf("# bench: creating and destroying %d VMs x %d vCPUs: %.3f s %s, %.3f s %s, %.3f s %s\n",
	       nr_vms, VCPUS, t_create[STOCK], publish_name[STOCK], t_create[BOTH],
	       publish_name[BOTH], t_create[STATSFS_ONLY], publish_name[STATSFS_ONLY]);
	bench_target("vm_create_statsfs_only_vs_stock", t_create[STATSFS_ONLY] <= t_create[STOCK],
		     "<= 1.0x", "%.2fx", t_create[STATSFS_ONLY] / t_create[STOCK]);

	/* Memory: what each way charges to the benchmark's memory cgroup. */
	CHECK(!enter_memcg("statsfs-kvm-bench"), "memory_cgroup", "%s", strerror(errno));
	for (way = 0; way < PUBLISH_WAYS && !r; way++) {
		r = publish(way);
		m0 = memcg_current("statsfs-kvm-bench");
		r = r ? r : create_all(gen1);
		mem[way] = (memcg_current("statsfs-kvm-bench") - m0) / nr_vms;
		destroy_all(gen1);
	}
	leave_memcg();
	CHECK(!r && m0 >= 0, "memory_per_way", "%s", strerror(-r));
	printf("# bench: memory charged per VM of %d vCPUs: %ld KiB %s, %ld KiB %s, %ld KiB %s; statsfs's share %ld KiB, debugfs's %ld KiB\n",
	       VCPUS, mem[STOCK] / 1024, publish_name[STOCK], mem[BOTH] / 1024, publish_name[BOTH],
	       mem[STATSFS_ONLY] / 1024, publish_name[STATSFS_ONLY],
	       (mem[BOTH] - mem[STOCK]) / 1024, (mem[BOTH] - mem[STATSFS_ONLY]) / 1024);
	bench_target("vm_memory_statsfs_only_vs_stock", mem[STATSFS_ONLY] <= mem[STOCK],
		     "<= 1.0x", "%.2fx", (double)mem[STATSFS_ONLY] / mem[STOCK]);

	/* The rest with both, the default: the reads compare statsfs with debugfs. */
	r = publish(BOTH);
	r = r ? r : create_all(gen1);
	CHECK(!r, "vms_for_reads", "%s", strerror(-r));

	/* Reads, once every vCPU has run. */
	for (i = 0; i < nr_vms && !r; i++)
		for (j = 0; j < VCPUS && !r; j++)
			r = program_vcpu(&gen1[i].vcpu[j], 3, 1, 1) || run_to_done(&gen1[i].vcpu[j]);
	CHECK(!r, "vcpus_run", "%d", r);
	if (!r)
		reads(_metadata);
	if (!r) {
		double alone, read;

		r = vcpu_creation(&alone, &read);
		CHECK(!r, "vcpu_creation_under_readers", "%s", strerror(-r));
		printf("# bench: KVM_CREATE_VCPU with %d VMs alive: %.0f us alone, %.0f us with 3 readers of kvm/.values: %.2fx\n",
		       nr_vms, alone * 1e6, read * 1e6, read / alone);
		bench_target("create_vcpu_under_readers", read <= 1.2 * alone, "<= 1.2x",
			     "%.2fx", read / alone);
	}
	destroy_all(gen1);
	close(kvm_fd);
	if (!built_in) {
		unload_module("kvm_amd");
		unload_module("kvm");
	}
	CHECK_OK("umount", umount(MNT));
	bench_done("kvm");
}

TEST_HARNESS_MAIN
