// SPDX-License-Identifier: GPL-2.0
/*
 * tools/statsfs-top in the guest, against the real KVM and net trees while
 * VMs run (kvm-workload) and loopback carries traffic: --once, log, a guest
 * picked by pid, and the exporter. The numbers it prints are checked against
 * independent oracles read just before and just after: KVM's debugfs for the
 * exits of every VM, and /sys/class/net/lo/statistics for loopback. --batch
 * is compared with the kernel's kvm_stat (unmodified, in its debugfs mode on
 * kvm/ bind-mounted over debugfs's); a log of a guest by name goes on while
 * its VMs are destroyed and re-created; statsfs loaded but not mounted is an
 * error of its own.
 */
#define _GNU_SOURCE
#define STATSFS_DESTRUCTIVE "reloads kvm"

#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define MNT "/sys/kernel/stats"
#define DBG_KVM "/sys/kernel/debug/kvm"

/* The output of shell command @cmd (at most @size - 1 bytes); its exit status or -1. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0, r;
	int status;

	out[0] = '\0';
	if (!p)
		return -1;
	while (n < size - 1 && (r = fread(out + n, 1, size - 1 - n, p)) > 0)
		n += r;
	out[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long long number(const char *path)
{
	char buf[64];

	return slurp(path, buf, sizeof(buf)) > 0 ? atoll(buf) : -1;
}

/* The total column of @name in statsfs-top's --once CSV @csv, or -1. */
static long long csv_total(const char *csv, const char *name)
{
	char key[128];
	const char *line;

	snprintf(key, sizeof(key), "\n%s,", name);
	line = strstr(csv, key);
	return line ? atoll(line + strlen(key)) : -1;
}

static pid_t start_workload(const char *vms, const char *vcpus, const char *seconds)
{
	pid_t pid = fork();

	if (!pid) {
		execl("/tests/kvm-workload", "kvm-workload", vms, vcpus, seconds, NULL);
		_exit(127);
	}
	return pid;
}

/*
 * Whether @line is "%-42s%10llu%10llu" of its own name and numbers (a total
 * of more than 10 digits runs into the change, as in kvm_stat's); its name
 * and total.
 */
static int batch_line(const char *line, char *name, unsigned long long *total)
{
	const char *end = strchr(line, '\n');
	size_t len = end ? (size_t)(end - line) : 0;
	char again[160], field[32];
	unsigned long long delta;

	if (len < 62 || len >= sizeof(again) || sscanf(line, "%63s", name) != 1)
		return 0;
	snprintf(field, sizeof(field), "%.*s", (int)(len - 52), line + 42);
	*total = strtoull(field, NULL, 10);
	delta = strtoull(line + len - 10, NULL, 10);
	snprintf(again, sizeof(again), "%-42s%10llu%10llu", name, *total, delta);
	return strlen(again) == len && !strncmp(again, line, len);
}

/* Whether @name ends with @suffix. */
static int ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n > k && !strcmp(name + n - k, suffix);
}

/*
 * Whether every line of kvm_stat's batch output @ks (name, total, change over
 * a second) is in @ours, in the same layout, with a total no smaller for exits
 * (read later), and whether ours has nothing else but what kvm_stat leaves
 * out: the histograms (directories in statsfs) and the halt_*_ns times (its
 * exempt list). Both texts follow a newline. Says why not in @why.
 */
static int batch_matches(const char *ks, const char *ours, char *why, size_t size)
{
	char name[64], key[70];
	unsigned long long v, total;
	const char *line, *next, *at;
	int n = 0, extra = 0;

	for (line = ks; (next = strchr(line, '\n')); line = next + 1) {
		if (!batch_line(line, name, &v))
			continue;
		snprintf(key, sizeof(key), "\n%s ", name);
		at = strstr(ours - 1, key);
		if (!at || !batch_line(at + 1, name, &total)) {
			snprintf(why, size, "%s: %s", name, at ? "another layout" : "no line");
			return 0;
		}
		if (!strcmp(name, "exits") && total < v) {
			snprintf(why, size, "exits: %llu, kvm_stat read %llu before", total, v);
			return 0;
		}
		n++;
	}
	for (line = ours; (next = strchr(line, '\n')); line = next + 1) {
		if (!batch_line(line, name, &total)) {
			snprintf(why, size, "not kvm_stat's layout: %.80s", line);
			return 0;
		}
		snprintf(key, sizeof(key), "\n%s ", name);
		if (strstr(ks - 1, key))
			continue;
		if (!ends_with(name, "_hist") && !ends_with(name, "_ns")) {
			snprintf(why, size, "%s: not in kvm_stat's output", name);
			return 0;
		}
		extra++;
	}
	snprintf(why, size, "%d kvm_stat fields, %d others in --batch", n, extra);
	return n >= 30 && extra == 6;
}

TEST(statsfs_top_on_running_vms)
{
	char out[65536], cmd[256];
	long long before, after, got;
	pid_t workload;
	int r, mounted;

	mounted = !mount("statsfs", MNT, "statsfs", 0, NULL);
	/* An earlier benchmark may have left kvm loaded with stats_fs=0. */
	unload_module("kvm_amd");
	unload_module("kvm");
	ASSERT_EQ(0, system("modprobe kvm stats_fs=1 && modprobe kvm_amd"));
	r = load_module("/lib/modules/net/statsfs_net.ko");
	ASSERT_TRUE(r == 0 || errno == EEXIST);
	system("ip link set lo up; ip addr add 127.0.0.1/8 dev lo 2>/dev/null;"
	       " ping -q -c 40 -i 0.05 127.0.0.1 >/dev/null 2>&1 &");
	workload = start_workload("2", "2", "30");
	ASSERT_LE(0, workload);
	sleep(1);

	/* --once on kvm/: every VM and vCPU added up, against KVM's debugfs. */
	before = number("/sys/kernel/debug/kvm/exits");
	r = run("statsfs-top -1 -c -s 0.5 2>&1", out, sizeof(out));
	after = number("/sys/kernel/debug/kvm/exits");
	got = csv_total(out, "exits");
	CHECK(r == 0 && got > 0 && before <= got && got <= after, "once_kvm_exits_within_debugfs",
	      "exit %d, exits %lld, debugfs %lld..%lld: %.200s", r, got, before, after, out);
	CHECK(!!strstr(out, "\nhalt_wait_hist,") && !strstr(out, "halt_wait_hist/"),
	      "once_shows_a_histogram_as_one_row", "%.300s", out);
	r = run("statsfs-top once --dir kvm/halt_wait_hist -c -s 0.1 2>&1", out, sizeof(out));
	CHECK(r == 0 && !!strstr(out, "\n0,") && !!strstr(out, "\n31,"),
	      "once_shows_a_histograms_buckets_in_its_directory", "exit %d: %.300s", r, out);

	/* --batch against the kernel's kvm_stat on the same files. */
	if (!mount(MNT "/kvm", DBG_KVM, NULL, MS_BIND, NULL)) {
		static char ks[16384];

		r = run("/usr/bin/python3 /usr/bin/kvm_stat -d -i -1 2>&1", ks + 1, sizeof(ks) - 1);
		ks[0] = '\n';
		umount(DBG_KVM);
		CHECK(r == 0, "kvm_stat_batch_runs", "exit %d: %.200s", r, ks + 1);
		r = run("statsfs-top --batch 2>&1", out + 1, sizeof(out) - 1);
		out[0] = '\n';
		CHECK(r == 0 && batch_matches(ks + 1, out + 1, cmd, sizeof(cmd)),
		      "batch_matches_kvm_stat", "exit %d: %s", r, cmd);
	} else {
		CHECK(0, "kvm_stat_batch_runs", "bind mount: %s", strerror(errno));
	}

	/* log: a header and two records of per-interval changes. */
	r = run("statsfs-top log -n 2 -s 0.5 -c -f '^exits$' 2>&1", out, sizeof(out));
	CHECK(r == 0 && !strncmp(out, "timestamp,exits\n", 16) &&
	      !!strchr(strchr(out + 16, '\n') + 1, '\n'), "log_two_records",
	      "exit %d: %.300s", r, out);

	/* A guest by pid: the workload's two VMs. */
	snprintf(cmd, sizeof(cmd), "statsfs-top -p %d -1 -c -s 0.3 2>&1", workload);
	r = run(cmd, out, sizeof(out));
	CHECK(r == 0 && csv_total(out, "exits") > 0, "guest_by_pid", "exit %d: %.300s", r, out);
	r = run("statsfs-top -p 1 -1 2>&1", out, sizeof(out));
	CHECK(r == 6 && !!strstr(out, "no running guest matches -p 1"),
	      "guest_not_found_is_clear", "exit %d: %.200s", r, out);

	/* net/dev/lo through --once, against sysfs. */
	before = number("/sys/class/net/lo/statistics/rx_packets");
	r = run("statsfs-top --dir net/dev/lo -1 -c -s 0.3 2>&1", out, sizeof(out));
	after = number("/sys/class/net/lo/statistics/rx_packets");
	got = csv_total(out, "rx_packets");
	CHECK(r == 0 && got > 0 && before <= got && got <= after, "once_net_lo_within_sysfs",
	      "exit %d, rx_packets %lld, sysfs %lld..%lld", r, got, before, after);

	/* The exporter, on the real tree. */
	r = run("statsfs-top serve --print 2>&1", out, sizeof(out));
	CHECK(r == 0, "exporter_on_real_tree", "exit %d: %.400s", r, out);
	CHECK(!!strstr(out, "statsfs_kvm_exits_total{vm=\""), "exporter_kvm_exits",
	      "no statsfs_kvm_exits_total{vm=...} in %zu bytes", strlen(out));
	CHECK(!!strstr(out, "statsfs_net_rx_packets_total{device=\"lo\"}"),
	      "exporter_net_lo", "no rx_packets of lo in: %.400s",
	      strstr(out, "statsfs_net") ? strstr(out, "statsfs_net") : "(no statsfs_net)");
	CHECK(!!strstr(out, "# TYPE statsfs_kvm_halt_wait_hist_seconds histogram"),
	      "exporter_histogram", "no halt_wait_hist histogram in %zu bytes", strlen(out));
	CHECK(!!strstr(out, "statsfs_kvm_vm_info{vm=\"") && !strstr(out, "vcpu=\""),
	      "exporter_per_vm_with_info", "%zu bytes", strlen(out));
	CHECK(!!strstr(out, "statsfs_kvm_halt_wait_hist_seconds_sum{vm=\""),
	      "exporter_histogram_sum_from_halt_wait_ns", "%zu bytes", strlen(out));

	/* A log of a guest by name goes on while its VMs go and come back. */
	snprintf(cmd, sizeof(cmd), "%s >/tmp/top.log 2>/tmp/top.err & echo $! >/tmp/top.pid",
		 "statsfs-top log -g kvm-workload -c -s 0.4 -n 10 -f '^exits$'");
	system(cmd);
	sleep(1);
	kill(workload, SIGTERM);
	waitpid(workload, NULL, 0);
	sleep(1);
	workload = start_workload("1", "1", "10");
	ASSERT_LE(0, workload);
	r = run("while kill -0 $(cat /tmp/top.pid) 2>/dev/null; do sleep 0.2; done;"
		" wc -l </tmp/top.log; cat /tmp/top.err /tmp/top.log", out, sizeof(out));
	CHECK(atoi(out) == 11 && !!strstr(out, "guest kvm-workload is gone") &&
	      !!strstr(out, "guest kvm-workload is back") && !strstr(out, ",-"),
	      "log_follows_a_guest_destroyed_and_recreated", "%.600s", out);
	r = run("statsfs-top -g kvm-workload -1 -c -s 0.3 2>&1", out, sizeof(out));
	CHECK(r == 0 && csv_total(out, "exits") > 0, "guest_by_name_after_recreation",
	      "exit %d: %.300s", r, out);

	/* statsfs loaded, not mounted: its own message and exit status. */
	if (!umount(MNT)) {
		r = run("STATSFS_PATH= ; unset STATSFS_PATH; statsfs-top -1 2>&1", out,
			sizeof(out));
		CHECK(r == 4 && !!strstr(out, "statsfs is loaded but not mounted"),
		      "not_mounted_is_clear", "exit %d: %.200s", r, out);
		ASSERT_EQ(0, mount("statsfs", MNT, "statsfs", 0, NULL));
		mounted = 1;
	} else {
		CHECK(0, "not_mounted_is_clear", "umount: %s", strerror(errno));
	}
	r = run("statsfs-top --root /nonexistent -1 2>&1", out, sizeof(out));
	CHECK(r == 6 && !!strstr(out, "no such directory"), "missing_root_is_clear",
	      "exit %d: %.200s", r, out);

	kill(workload, SIGTERM);
	waitpid(workload, NULL, 0);
	unload_module("statsfs_net");
	unload_module("kvm_amd");
	unload_module("kvm");
	/* 90-lifecycle unloads statsfs next: nothing may hold it. */
	if (mounted)
		umount(MNT);
}

TEST_HARNESS_MAIN
