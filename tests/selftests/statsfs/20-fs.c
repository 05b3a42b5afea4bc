// SPDX-License-Identifier: GPL-2.0
/*
 * The statsfs file system against the real mount: layout, contents, modes,
 * reads and writes, permissions and mount options, files held open while their
 * source goes away, busy umount/rmmod, and a stress run.
 *
 * The tree comes from tests/modules/stats_fs_fs_test.ko (C API, see its header
 * comment) and samples/rust_stats_fs_sample.ko (Rust API). The expected values
 * below are the ones those modules store; aggregates are computed here by hand.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bulk_util.h"
#include "harness.h"
#include "util.h"

#define MNT "/sys/kernel/stats"
#define T MNT "/fs_test"
#define MODS "/lib/modules/tests/"
#define ACTION "/sys/module/stats_fs_fs_test/parameters/action"

static int has_text(const char *path, const char *want)
{
	char buf[512];

	return slurp(path, buf, sizeof(buf)) >= 0 && !strcmp(buf, want);
}

static void expect_text(TEST_METADATA, const char *name, const char *path, const char *want)
{
	char buf[512] = "";
	int r = slurp(path, buf, sizeof(buf));

	CHECK(r >= 0 && !strcmp(buf, want), name, "%s: got \"%s\" (%d), want \"%s\"",
		  path, buf, r, want);
}

/* Writes @text to @path; returns 0 or errno. */
static int put(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY);
	int e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, len) != (ssize_t)len)
		e = errno ? errno : EIO;
	close(fd);
	return e;
}

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -errno : (int)(st.st_mode & 07777);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The names in @dir, sorted, space separated, in @out. */
static int list(const char *dir, char *out, size_t size)
{
	struct dirent **names;
	int i, n = scandir(dir, &names, NULL, alphasort);

	out[0] = '\0';
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			if (out[0])
				strncat(out, " ", size - strlen(out) - 1);
			strncat(out, names[i]->d_name, size - strlen(out) - 1);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

static void expect_list(TEST_METADATA, const char *name, const char *dir, const char *want)
{
	char got[1024];
	int r = list(dir, got, sizeof(got));

	CHECK(r == 0 && !strcmp(got, want), name, "%s: got \"%s\" (%d), want \"%s\"",
		  dir, got, r, want);
}

/* Exit status: 0 if the read worked, else the errno. */
static int user_reads_value(void)
{
	char buf[64];
	int r = slurp(T "/dev1/u64", buf, sizeof(buf));

	return r < 0 ? -r : 0;
}

static int user_lists_root(void)
{
	DIR *d = opendir(MNT);

	if (!d)
		return errno;
	closedir(d);
	return 0;
}

/*
 * The tree under test: the C test tree, the Rust and the C samples, mounted.
 * Every case gets it fresh.
 */
FIXTURE(fs) {
	int unused;
};

FIXTURE_SETUP(fs)
{
	ASSERT_EQ(0, load_module(MODS "stats_fs_fs_test.ko"));
	ASSERT_EQ(0, load_module(MODS "rust_stats_fs_sample.ko"));
	ASSERT_EQ(0, load_module(MODS "stats_fs_c_sample.ko"));
	ASSERT_EQ(0, mount("statsfs", MNT, "statsfs", 0, NULL));
}

FIXTURE_TEARDOWN(fs)
{
	umount2(MNT, MNT_DETACH);
	unload_module("stats_fs_fs_test");
	unload_module("rust_stats_fs_sample");
	unload_module("stats_fs_c_sample");
}

TEST_F(fs, layout_and_contents)
{
	expect_list(_metadata, "root_lists_publishers", MNT, "c_sample fs_test rust_sample");
	/* Hidden dev2 and dev0's hidden group have no entries. */
	expect_list(_metadata, "c_tree_layout", T,
		    "bool churn dev0 dev1 gauge s16 s32 s64 s8 state u16 u32 u64 u8");
	expect_list(_metadata, "c_subdir_layout", T "/dev0",
		    "bool gauge s16 s32 s64 s8 state sub u16 u32 u64 u8");
	CHECK(!exists(T "/dev2") && !exists(T "/dev0/secret"), "hidden_parts_absent",
		  "a hidden source or group has an entry");
	expect_text(_metadata, "u64_value", T "/dev0/u64", "100\n");
	expect_text(_metadata, "s64_signed", T "/dev0/s64", "-7\n");
	expect_text(_metadata, "u32_value", T "/dev0/u32", "4000000000\n");
	expect_text(_metadata, "s32_signed", T "/dev0/s32", "-8\n");
	expect_text(_metadata, "u16_value", T "/dev1/u16", "7\n");
	expect_text(_metadata, "s16_signed", T "/dev0/s16", "-300\n");
	expect_text(_metadata, "u8_value", T "/dev0/u8", "200\n");
	expect_text(_metadata, "s8_signed", T "/dev0/s8", "-5\n");
	expect_text(_metadata, "bool_value", T "/dev0/bool", "1\n");
	expect_text(_metadata, "show_string", T "/dev0/state", "on\n");
	expect_text(_metadata, "show_string_off", T "/dev1/state", "off\n");
	/* Aggregates over dev0, dev0/sub, dev1 and the hidden dev2. */
	expect_text(_metadata, "aggr_sum", T "/u64", "124\n");
	expect_text(_metadata, "aggr_min_signed", T "/s64", "-9\n");
	expect_text(_metadata, "aggr_max", T "/u32", "4000000000\n");
	expect_text(_metadata, "aggr_avg_signed", T "/s32", "-1\n");
	expect_text(_metadata, "aggr_count_zero", T "/u16", "3\n");
	expect_text(_metadata, "aggr_min_unsigned", T "/u8", "1\n");
	expect_text(_metadata, "aggr_sum_signed", T "/s8", "-3\n");
	/* The same numbers, as the publisher set them, in the bulk file's records. */
	{
		static const char *const known[] = {
			"dev0/u64 100", "dev0/s64 -7", "dev0/u32 4000000000", "dev0/s16 -300",
			"dev0/sub/u64 1", "dev1/u16 7", "dev1/s8 1", "u64 124", "s64 -9",
			"u32 4000000000", "s32 -1", "u16 3", "u8 1", "s8 -3",
		};
		size_t len, k;
		char *text = read_chunked(T "/.values", 7, &len);
		struct lines l = {};
		int i, found;

		lines_of(&l, text ? text : "");
		for (k = 0; k < ARRAY_SIZE(known); k++) {
			for (i = 0, found = 0; i < l.n; i++)
				found += !strcmp(l.line[i], known[k]);
			CHECK(found == 1, "values_hold_the_publishers_numbers",
			      "\"%s\" %d times in .values", known[k], found);
		}
		free(text);
		lines_free(&l);
	}
	/* The Rust sample: two workers and a hidden one, aggregates at the top. */
	expect_list(_metadata, "rust_tree_layout", MNT "/rust_sample",
		    "balance busy errors jobs queue_depth worker0 worker1");
	expect_list(_metadata, "rust_subdir_layout", MNT "/rust_sample/worker0",
		    "balance busy errors jobs queue_depth");
	CHECK(!exists(MNT "/rust_sample/worker2"), "rust_hidden_absent",
		  "the hidden worker has a directory");
	expect_text(_metadata, "rust_value", MNT "/rust_sample/worker1/jobs", "20\n");
	expect_text(_metadata, "rust_signed_value", MNT "/rust_sample/worker0/balance", "-5\n");
	expect_text(_metadata, "rust_show_string", MNT "/rust_sample/worker0/busy", "busy\n");
	expect_text(_metadata, "rust_show_string_idle", MNT "/rust_sample/worker1/busy", "idle\n");
	expect_text(_metadata, "rust_aggr_sum", MNT "/rust_sample/jobs", "60\n");
	expect_text(_metadata, "rust_aggr_max", MNT "/rust_sample/queue_depth", "3\n");
	expect_text(_metadata, "rust_aggr_min_signed", MNT "/rust_sample/balance", "-7\n");
	expect_text(_metadata, "c_sample_aggr", MNT "/c_sample/rx_packets", "300\n");

	CHECK(mode_of(MNT) == 0700, "root_mode_0700", "mode %o", mode_of(MNT));
	CHECK(mode_of(T) == 0555, "dir_mode_0555", "mode %o", mode_of(T));
	CHECK(mode_of(T "/dev0/u64") == 0644, "clearable_mode_0644", "mode %o",
		  mode_of(T "/dev0/u64"));
	CHECK(mode_of(T "/dev0/gauge") == 0444, "floating_mode_0444", "mode %o",
		  mode_of(T "/dev0/gauge"));
	CHECK(mode_of(MNT "/rust_sample/queue_depth") == 0444, "rust_floating_mode_0444",
		  "mode %o", mode_of(MNT "/rust_sample/queue_depth"));
}

/*
 * Checks @dir: every entry's d_ino is the st_ino of what it names, no two are the
 * same, and they are the same after the dentries were dropped and looked up again.
 */
static void check_inode_numbers(TEST_METADATA, const char *dir)
{
	char path[512];
	ino_t inos[64], again = 0;
	struct stat st, st_again_buf;
	struct dirent *e;
	int n = 0, i, j, bad = 0;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d)) && n < 64) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || st.st_ino != e->d_ino) {
			TH_LOG("%s: d_ino %lu, st_ino %lu", path, (unsigned long)e->d_ino,
			       (unsigned long)st.st_ino);
			bad++;
		}
		inos[n++] = e->d_ino;
	}
	if (d)
		closedir(d);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			bad += inos[i] == inos[j];
	CHECK(n > 0 && !bad, "d_ino_is_st_ino_and_unique", "%s: %d entries, %d bad", dir, n, bad);
	/* Drop the dentries and inodes: the same names get the same numbers. */
	snprintf(path, sizeof(path), "%s/u64", dir);
	stat(path, &st);
	put("/proc/sys/vm/drop_caches", "2", 1);
	CHECK(!stat(path, &st_again_buf), "stat_after_drop_caches", "%s: %s", path,
	      strerror(errno));
	again = st_again_buf.st_ino;
	CHECK(again == st.st_ino, "ino_stable_across_lookups", "%s: %lu then %lu", path,
	      (unsigned long)st.st_ino, (unsigned long)again);
}

TEST_F(fs, inode_numbers)
{
	check_inode_numbers(_metadata, T);
	check_inode_numbers(_metadata, T "/dev0");
}

/* A name looked up in vain is found once it exists: negative dentries follow the tree. */
TEST_F(fs, negative_dentries_follow_the_tree)
{
	CHECK(put(ACTION, "remove", 6) == 0 && !exists(T "/dev1") && !exists(T "/dev1"),
	      "absent_twice", "dev1 still there");
	CHECK(put(ACTION, "readd", 5) == 0 && exists(T "/dev1"), "found_once_added",
	      "dev1 not found after it was added again");
}

/* @dir/.values, read with @chunk-byte reads, against a per-file walk of @dir. */
static void check_values(TEST_METADATA, const char *dir, size_t chunk)
{
	struct lines got = {}, want = {};
	char path[512], *text;
	size_t len;
	int i, bad = -1;

	snprintf(path, sizeof(path), "%s/.values", dir);
	text = read_chunked(path, chunk, &len);
	CHECK(text != NULL, "values_readable", "%s: %s", path, strerror(errno));
	if (!text)
		return;
	lines_of(&got, text);
	walk_lines(&want, dir, "");
	lines_sort(&got);
	lines_sort(&want);
	if (got.n == want.n)
		for (i = 0, bad = 0; i < got.n && !bad; i++)
			bad = strcmp(got.line[i], want.line[i]) ? i + 1 : 0;
	CHECK(bad == 0 && got.n > 0, "values_equal_file_reads",
	      "%s (reads of %zu): %d lines, %d files; first difference: \"%s\" / \"%s\"",
	      path, chunk, got.n, want.n, bad > 0 ? got.line[bad - 1] : "-",
	      bad > 0 ? want.line[bad - 1] : "-");
	free(text);
	lines_free(&got);
	lines_free(&want);
}

/* The line of @path in @dir/.schema, or "" if it has none. */
static void schema_of(const char *dir, const char *path, char *out, size_t size)
{
	char file[512], *text, *p;
	size_t len, plen = strlen(path);

	snprintf(file, sizeof(file), "%s/.schema", dir);
	out[0] = '\0';
	text = read_chunked(file, 4096, &len);
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		if (!strncmp(p, path, plen) && p[plen] == ' ') {
			snprintf(out, size, "%.*s", (int)(strcspn(p + plen + 1, "\n")), p + plen + 1);
			break;
		}
	}
	free(text);
}

static void expect_schema(TEST_METADATA, const char *dir, const char *path, const char *want)
{
	char got[256];

	schema_of(dir, path, got, sizeof(got));
	CHECK(!strcmp(got, want), "schema_line", "%s/.schema: %s: \"%s\", want \"%s\"", dir,
	      path, got, want);
}

TEST_F(fs, metadata_files)
{
	static const size_t chunks[] = { 1, 7, 4096, 1 << 20 };
	const char *dirs[] = { MNT, T, T "/dev0", MNT "/rust_sample" };
	struct lines values = {}, schema = {};
	struct kvm_layout k;
	char *text;
	size_t len;
	unsigned int i, j, bad = 0;
	int r;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			check_values(_metadata, dirs[i], chunks[j]);

	/* Not listed; opened by name; mode and owner follow the directory. */
	expect_list(_metadata, "readdir_lists_no_metadata_file", T "/dev1",
		    "bool gauge s16 s32 s64 s8 state u16 u32 u64 u8");
	/*
	 * A directory of 300 files with consecutive inode numbers, listed with glibc's
	 * buffer (several of statsfs's 64-entry batches per getdents64 call): every one.
	 */
	r = put(ACTION, "wide=300", 8);
	if (!r) {
		DIR *d = opendir(MNT "/fs_wide");
		struct dirent *e;
		char seen[300] = {};
		int files = 0, distinct = 0, k;

		while (d && (e = readdir(d))) {
			k = e->d_name[0] == 'w' ? atoi(e->d_name + 1) : -1;
			files += e->d_name[0] != '.';
			if (k >= 0 && k < 300 && !seen[k]++)
				distinct++;
		}
		if (d)
			closedir(d);
		CHECK(files == 300 && distinct == 300, "readdir_lists_a_wide_directory_whole",
		      "%d entries, %d of w0..w299", files, distinct);
		CHECK_OK("wide_removed", put(ACTION, "wide=0", 6));
	} else {
		CHECK(0, "wide_directory_published", "%s", strerror(r));
	}
	CHECK(mode_of(MNT "/.values") == 0400 && mode_of(T "/.schema") == 0444 &&
	      mode_of(T "/dev0/.stats") == 0444, "metadata_mode_follows_directory",
	      "modes %o %o %o", mode_of(MNT "/.values"), mode_of(T "/.schema"),
	      mode_of(T "/dev0/.stats"));
	CHECK(put(T "/.values", "0", 1) == EACCES || put(T "/.values", "0", 1) == EBADF ||
	      put(T "/.values", "0", 1) == EINVAL, "metadata_not_writable", "");

	/* .schema: a line per value, in .values's order, saying what each is. */
	text = read_chunked(T "/.values", 4096, &len);
	lines_of(&values, text ? text : "");
	free(text);
	text = read_chunked(T "/.schema", 4096, &len);
	lines_of(&schema, text ? text : "");
	free(text);
	for (i = 0; i < (unsigned int)values.n && (int)i < schema.n; i++)
		bad += strncmp(values.line[i], schema.line[i], strcspn(values.line[i], " ") + 1);
	CHECK(values.n == schema.n && !bad, "schema_follows_values", "%d and %d lines, %u differ",
	      values.n, schema.n, bad);
	expect_schema(_metadata, T, "dev0/u64", "u64 unsigned sum clearable unknown unknown - -");
	expect_schema(_metadata, T, "dev0/gauge", "u64 unsigned max floating unknown unknown - -");
	expect_schema(_metadata, T, "dev0/state", "u8 unsigned none clearable,text unknown unknown - -");
	expect_schema(_metadata, T, "s32", "s32 signed avg aggregate,clearable unknown unknown - -");
	expect_schema(_metadata, MNT "/rust_sample", "worker0/queue_depth",
		      "custom signed max floating unknown unknown - -");

	/* .stats: KVM's layout, the values of .values. */
	for (j = 0; j < 4; j++) {
		int ok = !kvm_layout_read(&k, T "/.stats", chunks[j]) && k.h.num_desc == (unsigned)values.n;

		for (i = 0; ok && i < k.h.num_desc; i++) {
			struct kvm_stats_desc *d = kvm_layout_desc(&k, i);
			size_t nl = strlen(d->name);
			const char *text = NULL;
			uint64_t want;
			int v;

			for (v = 0; v < values.n && !text; v++)
				if (!strncmp(values.line[v], d->name, nl) && values.line[v][nl] == ' ')
					text = values.line[v] + nl + 1;
			/* Values shown as text ("on") have no number to compare. */
			if (text && strstr(d->name, "state"))
				continue;
			/* Signed values travel as their two's complement. */
			want = text && text[0] == '-' ? (uint64_t)strtoll(text, NULL, 10) :
			       text ? strtoull(text, NULL, 10) : 0;
			ok = text && want == *kvm_layout_data(&k, d);
			if (!ok)
				TH_LOG("%s: .stats %llu, .values %s", d->name,
				       (unsigned long long)*kvm_layout_data(&k, d), text ? text : "-");
		}
		CHECK(ok, "stats_in_kvm_layout_with_the_values", "reads of %zu: %u descriptors",
		      chunks[j], k.h.num_desc);
		free(k.buf);
	}
	lines_free(&values);
	lines_free(&schema);
}

/* The first field of /proc/sys/fs/inode-nr: the inodes the kernel has. */
static long inodes(void)
{
	char buf[64];

	return slurp("/proc/sys/fs/inode-nr", buf, sizeof(buf)) > 0 ? atol(buf) : -1;
}

/*
 * A show string is given whole, however long (it used to be cut at 128 bytes,
 * where this one has a two-byte UTF-8 character), byte for byte in the file
 * and escaped in .values.
 */
TEST_F(fs, long_show_text)
{
	char want[302], buf[512], line[1500], *text, *at;
	size_t len;
	int n;

	memset(want, 'a', 127);
	want[127] = '\xc3';
	want[128] = '\xa9';
	memset(want + 129, 'b', 171);
	strcpy(want + 300, "\n");
	ASSERT_EQ(0, put(ACTION, "state=2", 7));
	n = slurp(T "/dev0/state", buf, sizeof(buf));
	CHECK(n == 301 && !memcmp(buf, want, 301), "long_show_text_whole", "read %d bytes", n);
	/* Read in small pieces, it is the same text. */
	text = read_chunked(T "/dev0/state", 7, &len);
	CHECK(text && len == 301 && !memcmp(text, want, 301), "long_show_text_in_pieces",
	      "%zu bytes", text ? len : 0);
	free(text);
	snprintf(line, sizeof(line), "dev0/state %.127s\\303\\251%.171s\n", want, want + 129);
	text = read_chunked(T "/.values", 4096, &len);
	at = text ? strstr(text, "dev0/state ") : NULL;
	CHECK(at && !strncmp(at, line, strlen(line)), "long_show_text_escaped_in_values",
	      "%.60s", at ? at : "(none)");
	free(text);
	ASSERT_EQ(0, put(ACTION, "state=1", 7));
}

/*
 * The inodes of sources that were read and then torn down go with them, rather
 * than stay cached (each holding its source's memory) until memory pressure.
 */
TEST_F(fs, torn_down_sources_leave_no_inodes)
{
	long before, read, after, files = 0;
	char path[128], buf[32];
	int i, j;

	before = inodes();
	ASSERT_EQ(0, put(ACTION, "bench=50", 8));
	for (i = 0; i < 50; i++)
		for (j = 0; j < 60; j++) {
			snprintf(path, sizeof(path), MNT "/bench/s%d/v%d", i, j);
			files += slurp(path, buf, sizeof(buf)) > 0;
		}
	read = inodes();
	ASSERT_EQ(0, put(ACTION, "bench=0", 7));
	after = inodes();
	CHECK(files == 3000 && read - before >= 3000, "reading_made_inodes",
	      "%ld files read, %ld inodes made", files, read - before);
	CHECK(after - before < 30, "torn_down_inodes_released",
	      "%ld inodes before, %ld read, %ld after the sources went", before, read, after);
}

/*
 * .stats fixes its layout when opened: once the values below its directory
 * change, reads are refused with ESTALE, and an open from then on reads the
 * new layout.
 */
TEST_F(fs, stats_layout_goes_stale)
{
	char buf[4096];
	struct kvm_stats_header h;
	int fd = open(T "/.stats", O_RDONLY);
	unsigned int before;

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(h), pread(fd, &h, sizeof(h), 0));
	before = h.num_desc;
	CHECK(pread(fd, buf, sizeof(buf), h.data_offset) > 0, "read_while_current",
	      "%s", strerror(errno));
	ASSERT_EQ(0, put(ACTION, "remove", 6));
	CHECK(pread(fd, buf, sizeof(buf), h.data_offset) == -1 && errno == ESTALE,
	      "stale_layout_refused", "errno %d", errno);
	close(fd);
	fd = open(T "/.stats", O_RDONLY);
	ASSERT_LE(0, fd);
	CHECK(pread(fd, &h, sizeof(h), 0) == sizeof(h) && h.num_desc < before,
	      "reopened_layout_is_current", "%u descriptors, %u before", h.num_desc, before);
	close(fd);
	ASSERT_EQ(0, put(ACTION, "readd", 5));
}

/*
 * A .stats held open reads the values afresh on every read, an aggregate's
 * too, as a scraper that preads the data block again and again expects: the
 * sum of u64 at the top of fs_test follows a clear of dev0/u64.
 */
TEST_F(fs, stats_rereads_aggregates)
{
	struct kvm_stats_desc *d = NULL;
	uint64_t before = 0, after = 0;
	struct kvm_layout k;
	unsigned int i;
	off_t at;
	int fd;

	ASSERT_EQ(0, kvm_layout_read(&k, T "/.stats", 65536));
	for (i = 0; i < k.h.num_desc && !d; i++)
		if (!strcmp(kvm_layout_desc(&k, i)->name, "u64"))
			d = kvm_layout_desc(&k, i);
	ASSERT_NE(NULL, d);
	at = k.h.data_offset + d->offset;
	free(k.buf);
	fd = open(T "/.stats", O_RDONLY);
	ASSERT_LE(0, fd);
	CHECK(pread(fd, &before, 8, at) == 8 && before == 124, "aggregate_read",
	      "u64 %llu, want 124", (unsigned long long)before);
	ASSERT_EQ(0, put(T "/dev0/u64", "0", 1));
	CHECK(pread(fd, &after, 8, at) == 8 && after == 24, "aggregate_reread_is_fresh",
	      "u64 %llu after dev0's 100 was cleared, want 24", (unsigned long long)after);
	close(fd);
}

/*
 * What statsfs keeps for a publisher is charged to the memory cgroup of the
 * task that publishes, as the publisher's own memory is (KVM's for a VM):
 * 1,000 sources of 60 values made from a task in a cgroup of its own grow
 * that cgroup by more than 1 KiB a source, about 2 (the fs_test module's own
 * memory for them is not charged; the cgroup's per-CPU charge batches make
 * memory.current move by up to 256 KiB a CPU by themselves).
 */
TEST_F(fs, publishers_memory_is_charged_to_their_cgroup)
{
	long before, after;

	ASSERT_EQ(0, enter_memcg("statsfs-fs")) TH_LOG("cgroup: %s", strerror(errno));
	before = memcg_current("statsfs-fs");
	ASSERT_EQ(0, put(ACTION, "bench=1000", 10));
	after = memcg_current("statsfs-fs");
	ASSERT_EQ(0, put(ACTION, "bench=0", 7));
	leave_memcg();
	CHECK(before >= 0 && after - before > 1000 * 1024, "sources_charged_to_the_cgroup",
	      "%ld KiB charged for 1,000 sources of 60 values", (after - before) / 1024);
}

TEST_F(fs, reads_like_a_text_file)
{
	char buf[16] = "";
	int fd = open(T "/dev0/u64", O_RDONLY);
	ssize_t a, b, c;

	a = read(fd, buf, 2);
	b = read(fd, buf + 2, sizeof(buf) - 3);
	c = read(fd, buf, sizeof(buf));
	CHECK(fd >= 0 && a == 2 && b == 2 && c == 0 && !memcmp(buf, "100\n", 4),
		  "partial_reads_then_eof", "reads %zd %zd %zd: \"%s\"", a, b, c, buf);
	memset(buf, 0, sizeof(buf));
	a = pread(fd, buf, sizeof(buf), 1);
	CHECK(a == 3 && !strcmp(buf, "00\n"), "pread_at_offset", "pread %zd \"%s\"", a, buf);
	CHECK(lseek(fd, 0, SEEK_END) == 4 || lseek(fd, 0, SEEK_SET) == 0, "lseek",
		  "lseek failed: %s", strerror(errno));
	lseek(fd, 0, SEEK_SET);
	close(fd);
}

TEST_F(fs, writes)
{
	char big[64];

	memset(big, '0', sizeof(big));
	CHECK(has_text(T "/dev1/u16", "7\n") && put(T "/dev1/u16", "0", 1) == 0 &&
		  has_text(T "/dev1/u16", "0\n"),
		  "write_0_clears", "write 0 failed");
	CHECK(put(T "/dev1/u64", "0\n", 2) == 0 && has_text(T "/dev1/u64", "0\n"),
		  "write_0_newline_clears", "write 0\\n failed");
	CHECK(put(T "/dev0/u64", "1", 1) == EINVAL, "write_1_is_einval", "not EINVAL");
	CHECK(put(T "/dev0/u64", "00", 2) == EINVAL, "write_00_is_einval", "not EINVAL");
	CHECK(put(T "/dev0/u64", "x\n", 2) == EINVAL, "write_text_is_einval", "not EINVAL");
	CHECK(put(T "/dev0/u64", big, sizeof(big)) == EINVAL, "oversize_write_is_einval",
		  "not EINVAL");
	{
		int fd = open(T "/dev0/u64", O_WRONLY);
		ssize_t r = pwrite(fd, "0", 1, 1);

		CHECK(r == -1 && errno == EINVAL, "write_at_offset_is_einval",
			  "pwrite %zd errno %d", r, errno);
		close(fd);
	}
	CHECK(has_text(T "/dev0/u64", "100\n"), "refused_writes_change_nothing",
		  "dev0/u64 changed");
	/* Root may open 0444 files for writing; statsfs still refuses. */
	CHECK(put(T "/dev0/gauge", "0", 1) == EPERM, "floating_write_is_eperm", "not EPERM");
	CHECK(put(MNT "/rust_sample/queue_depth", "0", 1) == EPERM,
		  "rust_floating_write_is_eperm", "not EPERM");
	/* Clearing an aggregate clears the subtree. */
	CHECK(put(T "/s8", "0", 1) == 0 && has_text(T "/dev0/s8", "0\n") &&
		  has_text(T "/dev0/sub/s8", "0\n") && has_text(T "/s8", "0\n"),
		  "aggregate_write_clears_subtree", "subtree not cleared");
	CHECK(put(MNT "/rust_sample/jobs", "0", 1) == 0 &&
		  has_text(MNT "/rust_sample/worker0/jobs", "0\n"), "rust_aggregate_clear",
		  "rust subtree not cleared");
}

TEST_F(fs, permissions_and_options)
{
	char line[8192];

	CHECK(as_user(user_lists_root) == EACCES, "user_refused_at_default_mode",
		  "status %d", as_user(user_lists_root));
	CHECK_OK("remount_uid_gid",
		       mount("statsfs", MNT, "statsfs", MS_REMOUNT, "uid=1000,gid=1000"));
	CHECK(as_user(user_reads_value) == 0, "user_reads_after_uid_remount", "status %d",
		  as_user(user_reads_value));
	CHECK(slurp("/proc/mounts", line, sizeof(line)) > 0 &&
		  strstr(line, "statsfs " MNT " statsfs rw,relatime,uid=1000,gid=1000"),
		  "options_in_proc_mounts", "/proc/mounts: %s", line);
	CHECK_OK("remount_mode", mount("statsfs", MNT, "statsfs", MS_REMOUNT,
					     "uid=0,gid=0,mode=0755"));
	CHECK(as_user(user_reads_value) == 0 && mode_of(MNT) == 0755,
		  "user_reads_after_mode_remount", "mode %o", mode_of(MNT));
	CHECK_ERRNO("unknown_option_is_einval",
			  mount("statsfs", MNT, "statsfs", MS_REMOUNT, "bogus=1"), EINVAL);
	CHECK_ERRNO("bad_mode_is_einval",
			  mount("statsfs", MNT, "statsfs", MS_REMOUNT, "mode=9z"), EINVAL);
	CHECK_OK("remount_default", mount("statsfs", MNT, "statsfs", MS_REMOUNT,
						"mode=0700"));
	CHECK(as_user(user_lists_root) == EACCES, "user_refused_again", "status %d",
		  as_user(user_lists_root));
}

TEST_F(fs, lifetimes)
{
	char buf[64];
	int fd, fd2, dfd;
	ssize_t n;

	/* A file held open while its source is revoked and removed reads 0. */
	fd = open(T "/dev1/u32", O_RDONLY);
	dfd = open(T "/dev1", O_RDONLY | O_DIRECTORY);
	CHECK(put(ACTION, "remove", 6) == 0 && !exists(T "/dev1"),
		  "removed_source_disappears", "dev1 still there");
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(n == 2 && !strcmp(buf, "0\n"), "open_then_remove_reads_0", "read %zd \"%s\"",
		  n, buf);
	CHECK(openat(dfd, "u32", O_RDONLY) == -1 && errno == ENOENT,
		  "removed_dir_lookup_enoent", "errno %d", errno);
	close(dfd);
	CHECK(close(fd) == 0, "open_then_remove_closes", "close failed");
	CHECK(put(ACTION, "readd", 5) == 0 && has_text(T "/dev1/u32", "5\n"),
		  "readded_source_appears", "dev1 not back");

	/*
	 * Revoked: statsfs touches neither its values nor its descriptors again,
	 * so its files vanish; open ones read 0; it leaves the aggregates.
	 */
	fd = open(T "/dev0/u32", O_RDONLY);
	fd2 = open(T "/dev0/u64", O_WRONLY);
	put(ACTION, "revoke", 6);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(n == 2 && !strcmp(buf, "0\n"), "open_then_revoke_reads_0", "read %zd \"%s\"",
		  n, buf);
	/* Nothing to clear any more: the write says so (make mutants found this unchecked). */
	errno = 0;
	CHECK(fd2 >= 0 && pwrite(fd2, "0", 1, 0) == -1 && errno == ENOENT,
	      "open_then_revoke_clear_enoent", "fd %d, errno %d", fd2, errno);
	close(fd2);
	CHECK(!exists(T "/dev0/u32") && exists(T "/dev0/sub/u32"),
		  "revoked_values_vanish", "dev0/u32 still there, or dev0/sub gone");
	CHECK(has_text(T "/u32", "5\n"), "revoked_leaves_aggregates", "aggregate wrong");
	close(fd);

	/* The publishing module unloads under open files. */
	fd = open(T "/dev1/u64", O_RDONLY);
	fd2 = open(T "/u64", O_RDONLY);
	dfd = open(T, O_RDONLY | O_DIRECTORY);
	CHECK_OK("rmmod_publisher_with_open_files", unload_module("stats_fs_fs_test"));
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(n == 2 && !strcmp(buf, "0\n") && pread(fd2, buf, 8, 0) == 2,
		  "open_then_rmmod_reads_0", "read %zd \"%s\"", n, buf);
	CHECK(!exists(T), "unloaded_tree_gone", "fs_test still listed");
	CHECK(close(fd) == 0 && close(fd2) == 0 && close(dfd) == 0,
		  "open_then_rmmod_closes", "close failed");
	CHECK(load_module(MODS "stats_fs_fs_test.ko") == 0 && has_text(T "/dev1/u64", "20\n"),
		  "publisher_reloads", "reload failed");
}

/*
 * The entries present throughout the stress run, in creation order around the
 * churning directory: dev0 and its sub before fs_test/churn's generations, pin
 * between the first generation and the later ones, dev1 (readded) after them all.
 */
static const char *const stress_probes[] = {
	"dev0/u64", "dev0/sub/u64", "churn/pin/u64", "dev1/u64",
};

/* Whether @name is among the @n names a listing showed. */
static bool listed(const char *name, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/*
 * Walks and reads the whole tree; returns the number of read errors other than
 * ENOENT, plus one for each listing of fs_test, fs_test/churn or fs_test/dev0 that
 * missed a probe present throughout.
 */
static int walk(const char *dir)
{
	static const char *const probes[] = { "dev0", "churn", "dev1", "pin", "sub" };
	const char *seen[64];
	char path[512], buf[300];
	int bad = 0, nseen = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t i;

	if (!d)
		return errno == ENOENT ? 0 : 1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		for (i = 0; i < ARRAY_SIZE(probes); i++)
			if (!strcmp(e->d_name, probes[i]) && nseen < 64)
				seen[nseen++] = probes[i];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			bad += walk(path);
		} else {
			int r = slurp(path, buf, sizeof(buf));

			bad += r < 0 && r != -ENOENT;
		}
	}
	closedir(d);
	if (!strcmp(dir, T))
		bad += !listed("dev0", seen, nseen) + !listed("churn", seen, nseen) +
		       !listed("dev1", seen, nseen);
	if (!strcmp(dir, T "/churn"))
		bad += !listed("pin", seen, nseen);
	if (!strcmp(dir, T "/dev0"))
		bad += !listed("sub", seen, nseen);
	return bad;
}

/*
 * Reads fs_test/.values over and over with reads of 1, 7 and 64 KiB bytes: every line is
 * "path value", every churn source that shows has all its 11 values (its one group
 * is seen whole or not at all), and every probe present throughout shows. Exits
 * non-zero otherwise.
 */
static int values_reader(void)
{
	static const size_t chunks[] = { 1, 7, 65536 };
	int pass, bad = 0;

	for (pass = 0; pass < 9 && !bad; pass++) {
		struct lines l = {};
		char *text, src[64] = "";
		size_t len, k;
		int i, in_src = 0, seen = 0;

		text = read_chunked(T "/.values", chunks[pass % 3], &len);
		if (!text)
			return 10;
		lines_of(&l, text);
		for (i = 0; i < l.n && !bad; i++) {
			char *sp = strchr(l.line[i], ' '), *name = l.line[i] + 6, *end;

			if (!sp || sp == l.line[i] || !sp[1] || strchr(sp + 1, ' '))
				bad = 11;
			for (k = 0; k < ARRAY_SIZE(stress_probes); k++)
				seen += !strncmp(l.line[i], stress_probes[k],
						 strlen(stress_probes[k])) &&
					l.line[i][strlen(stress_probes[k])] == ' ';
			/* churn/<source>/<value>: count each source's lines in a row. */
			if (strncmp(l.line[i], "churn/", 6) || !(end = strchr(name, '/')) ||
			    end > sp || !strncmp(name, "pin/", 4))
				continue;
			if (strncmp(src, name, end - name) || src[end - name]) {
				if (in_src && in_src != 11)
					bad = 12;
				snprintf(src, sizeof(src), "%.*s", (int)(end - name), name);
				in_src = 0;
			}
			in_src++;
		}
		if (in_src && in_src != 11)
			bad = 12;
		if (seen != ARRAY_SIZE(stress_probes))
			bad = 13;
		free(text);
		lines_free(&l);
	}
	return bad;
}

/*
 * Reads fs_test/.stats with 1-byte, odd and large reads while sources come and
 * go: every read is either of a sound layout, or refused with ESTALE because
 * the layout fixed at open went out of date meanwhile (and then read again).
 */
static int stats_reader(void)
{
	static const size_t chunks[] = { 1, 13, 65536 };
	struct kvm_layout k;
	int pass, tries;

	for (pass = 0; pass < 6; pass++) {
		unsigned int i;

		for (tries = 0; kvm_layout_read(&k, T "/.stats", chunks[pass % 3]); tries++) {
			free(k.buf);
			if (errno != ESTALE || tries == 100000)
				return 20;
		}
		for (i = 0; i < k.h.num_desc; i++) {
			struct kvm_stats_desc *d = kvm_layout_desc(&k, i);

			if (!memchr(d->name, '\0', k.h.name_size) ||
			    k.h.data_offset + d->offset + 8 * d->size > k.len)
				return 21;
		}
		free(k.buf);
	}
	return 0;
}

TEST_F_TIMEOUT(fs, stress, 600)
{
	pid_t readers[5];
	int i, status, bad = 0, err = 0;

	/*
	 * A first generation of churn sources, pin after it, dev1 after the churning
	 * directory: from here on, each round removes the generation before (at first
	 * the one before pin) while the readers step through.
	 */
	ASSERT_EQ(0, put(ACTION, "churn=100", 9));
	ASSERT_EQ(0, put(ACTION, "pin", 3));
	ASSERT_EQ(0, put(ACTION, "remove", 6));
	ASSERT_EQ(0, put(ACTION, "readd", 5));
	for (i = 0; i < 5; i++) {
		readers[i] = fork();
		if (readers[i] == 0 && i == 3)
			_exit(values_reader());
		if (readers[i] == 0 && i == 4)
			_exit(stats_reader());
		if (readers[i] == 0) {
			int j, b = 0;

			for (j = 0; j < 4; j++)
				b += walk(MNT);
			_exit(b ? 1 : 0);
		}
	}
	/* 6 x 100 sources of 11 values built and torn down while they read. */
	for (i = 0; i < 6 && !err; i++)
		err = put(ACTION, "churn=100", 9);
	if (!err)
		err = put(ACTION, "churn=0", 7);
	for (i = 0; i < 5; i++)
		if (waitpid(readers[i], &status, 0) != readers[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			TH_LOG("reader %d: status %#x", i, status);
			bad++;
		}
	CHECK(err == 0, "churn_700_sources", "churn failed: %s", strerror(err));
	CHECK(bad == 0, "readers_saw_no_errors", "%d readers failed", bad);
	CHECK_OK("unpin", put(ACTION, "unpin", 5));
	expect_list(_metadata, "churn_left_nothing", T "/churn",
		    "bool gauge s16 s32 s64 s8 state u16 u32 u64 u8");
}

/* With every publisher unloaded the root is empty; open files and mounts keep statsfs in. */
TEST(unloaded_publishers_and_busy_statsfs)
{
	int fd;

	CHECK_OK("mount", mount("statsfs", MNT, "statsfs", 0, NULL));
	expect_list(_metadata, "root_empty_after_unloads", MNT, "");
	fd = open(MNT, O_RDONLY | O_DIRECTORY);
	CHECK_ERRNO("umount_busy_with_open_file", umount(MNT), EBUSY);
	CHECK_OK("lazy_umount", umount2(MNT, MNT_DETACH));
	CHECK_ERRNO("rmmod_statsfs_refused_with_open_file", unload_module("statsfs"),
		    EWOULDBLOCK);
	close(fd);
	CHECK_OK("mount_again", mount("statsfs", MNT, "statsfs", 0, NULL));
	CHECK_OK("umount", umount(MNT));
}

TEST_HARNESS_MAIN
