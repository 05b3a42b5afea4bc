// SPDX-License-Identifier: GPL-2.0
/*
 * tools/statsfs-top in the guest, against the real KVM and net trees while
 * VMs run (kvm-workload) and loopback carries traffic: --once, log, a guest
 * picked by pid, and the exporter. The numbers it prints are checked against
 * independent oracles read just before and just after: KVM's debugfs for the
 * exits of every VM, and /sys/class/net/lo/statistics for loopback.
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
	workload = fork();
	ASSERT_LE(0, workload);
	if (!workload) {
		execl("/tests/kvm-workload", "kvm-workload", "2", "2", "30", NULL);
		_exit(127);
	}
	sleep(2);

	/* --once on kvm/: every VM and vCPU added up, against KVM's debugfs. */
	before = number("/sys/kernel/debug/kvm/exits");
	r = run("statsfs-top -1 -c -s 0.5 2>&1", out, sizeof(out));
	after = number("/sys/kernel/debug/kvm/exits");
	got = csv_total(out, "exits");
	CHECK(r == 0 && got > 0 && before <= got && got <= after, "once_kvm_exits_within_debugfs",
	      "exit %d, exits %lld, debugfs %lld..%lld: %.200s", r, got, before, after, out);
	CHECK(strstr(out, "\nhalt_wait_hist/0,") != NULL, "once_shows_histogram_buckets",
	      "%.300s", out);

	/* log: a header and two records of per-interval changes. */
	r = run("statsfs-top log -n 2 -s 0.5 -c -f '^exits$' 2>&1", out, sizeof(out));
	CHECK(r == 0 && !strncmp(out, "timestamp,exits\n", 16) &&
	      strchr(strchr(out + 16, '\n') + 1, '\n') != NULL, "log_two_records", "exit %d: %.300s",
	      r, out);

	/* A guest by pid: the workload's two VMs. */
	snprintf(cmd, sizeof(cmd), "statsfs-top -p %d -1 -c -s 0.3 2>&1", workload);
	r = run(cmd, out, sizeof(out));
	CHECK(r == 0 && csv_total(out, "exits") > 0, "guest_by_pid", "exit %d: %.300s", r, out);
	r = run("statsfs-top -p 1 -1 2>&1", out, sizeof(out));
	CHECK(r == 1 && strstr(out, "no running guest matches") != NULL, "guest_not_found_is_clear",
	      "exit %d: %.200s", r, out);

	/* net/dev/lo through --once, against sysfs. */
	before = number("/sys/class/net/lo/statistics/rx_packets");
	r = run("statsfs-top -d net/dev/lo -1 -c -s 0.3 2>&1", out, sizeof(out));
	after = number("/sys/class/net/lo/statistics/rx_packets");
	got = csv_total(out, "rx_packets");
	CHECK(r == 0 && got > 0 && before <= got && got <= after, "once_net_lo_within_sysfs",
	      "exit %d, rx_packets %lld, sysfs %lld..%lld", r, got, before, after);

	/* The exporter, on the real tree. */
	r = run("statsfs-top serve --print 2>&1", out, sizeof(out));
	CHECK(r == 0, "exporter_on_real_tree", "exit %d: %.400s", r, out);
	CHECK(strstr(out, "statsfs_kvm_exits_total{vm=\"") != NULL, "exporter_kvm_exits",
	      "no statsfs_kvm_exits_total{vm=...} in %zu bytes", strlen(out));
	CHECK(strstr(out, "statsfs_net_rx_packets_total{device=\"lo\"}") != NULL,
	      "exporter_net_lo", "no rx_packets of lo in: %.400s",
	      strstr(out, "statsfs_net") ? strstr(out, "statsfs_net") : "(no statsfs_net)");
	CHECK(strstr(out, "# TYPE statsfs_kvm_halt_wait_hist_seconds histogram") != NULL,
	      "exporter_histogram", "no halt_wait_hist histogram in %zu bytes", strlen(out));
	/* A missing mount is a message, not a panic. */
	r = run("statsfs-top --root /nonexistent -1 2>&1", out, sizeof(out));
	CHECK(r == 1 && strstr(out, "is statsfs mounted?") != NULL, "missing_mount_is_clear",
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
