// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input at the file system, as root and as an unprivileged user: writes
 * of every size and content at every offset to every kind of file, changes
 * to the tree (create, mkdir, unlink, rename, link, symlink, chmod, chown,
 * utimes), odd names and paths, and mount option strings. Each gets a clear
 * errno and changes nothing: after each, every file of the tree reads as
 * before (the tree of tests/modules/stats_fs_fs_test.ko, fs_test/).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define MNT "/sys/kernel/stats"
#define T MNT "/fs_test"

/* Every file of fs_test/ as "path value" lines, from fs_test/.values. */
static char snapshot[16384];

static int take_snapshot(char *buf, size_t size)
{
	return slurp(T "/.values", buf, size);
}

/* Whether the tree reads as it did at the start; if not, says which line differs. */
static bool unchanged(char *why, size_t size)
{
	static char now[sizeof(snapshot)];
	size_t i = 0;

	if (take_snapshot(now, sizeof(now)) < 0) {
		snprintf(why, size, "fs_test/.values unreadable");
		return false;
	}
	if (!strcmp(now, snapshot))
		return true;
	while (now[i] == snapshot[i])
		i++;
	while (i > 0 && snapshot[i - 1] != '\n')
		i--;
	snprintf(why, size, "changed at \"%.60s\"", snapshot + i);
	/* One change is one failure, not one for every check after it. */
	memcpy(snapshot, now, sizeof(snapshot));
	return false;
}

/* Writes @len bytes of @data at @off to @path; returns 0 or errno. */
static int write_at(const char *path, const void *data, size_t len, off_t off)
{
	int fd = open(path, O_WRONLY), e = 0;

	if (fd < 0)
		return errno;
	/* At offset 0 as a shell writes; elsewhere with pwrite(). */
	if ((off ? pwrite(fd, data, len, off) : write(fd, data, len)) != (ssize_t)len)
		e = errno ? errno : EIO;
	close(fd);
	return e;
}

static const struct {
	const char *name, *data;
	size_t len;
} bad_contents[] = {
	{ "empty", "", 0 }, { "00", "00", 2 }, { "minus_0", "-0", 2 },
	{ "plus_0", "+0", 2 }, { "hex_0", "0x0", 3 }, { "0_two_newlines", "0\n\n", 3 },
	{ "space_0", " 0", 2 }, { "0_space", "0 ", 2 }, { "0_nul", "0\0", 2 },
	{ "nul", "\0", 1 }, { "binary", "\xff\x01\x80", 3 }, { "1", "1", 1 },
	{ "newline", "\n", 1 }, { "minus_1", "-1", 2 },
};

/* Files of each kind; a write of "0" clears the first two. */
static const char *const writable[] = { T "/dev0/u64", T "/u64" };
static const char *const read_only[] = {
	T "/dev0/gauge", T "/.values", T "/.schema", T "/.stats",
};

static char page[4096], huge[1 << 20];

FIXTURE(bad) {
	int mounted;
};

FIXTURE_SETUP(bad)
{
	self->mounted = !mount("statsfs", MNT, "statsfs", 0, NULL);
	ASSERT_EQ(0, load_module("/lib/modules/tests/stats_fs_fs_test.ko"));
	ASSERT_LT(0, take_snapshot(snapshot, sizeof(snapshot)));
	memset(page, '0', sizeof(page));
	memset(huge, '0', sizeof(huge));
}

FIXTURE_TEARDOWN(bad)
{
	unload_module("stats_fs_fs_test");
	if (self->mounted)
		umount(MNT);
}

TEST_F(bad, writes)
{
	char why[160] = "", name[96];
	size_t f, c;
	int e;

	for (f = 0; f < sizeof(writable) / sizeof(writable[0]); f++) {
		const char *kind = f ? "aggregate" : "value";

		for (c = 0; c < sizeof(bad_contents) / sizeof(bad_contents[0]); c++) {
			e = write_at(writable[f], bad_contents[c].data, bad_contents[c].len, 0);
			snprintf(name, sizeof(name), "%s_write_%s_is_einval", kind,
				 bad_contents[c].name);
			CHECK(e == EINVAL && unchanged(why, sizeof(why)), name, "errno %d %s", e,
			      why);
		}
		e = write_at(writable[f], page, sizeof(page), 0);
		snprintf(name, sizeof(name), "%s_write_page_is_einval", kind);
		CHECK(e == EINVAL && unchanged(why, sizeof(why)), name, "errno %d %s", e, why);
		e = write_at(writable[f], huge, sizeof(huge), 0);
		snprintf(name, sizeof(name), "%s_write_1mib_is_einval", kind);
		CHECK(e == EINVAL && unchanged(why, sizeof(why)), name, "errno %d %s", e, why);
		e = write_at(writable[f], "0", 1, 1);
		snprintf(name, sizeof(name), "%s_write_at_1_is_einval", kind);
		CHECK(e == EINVAL && unchanged(why, sizeof(why)), name, "errno %d %s", e, why);
		e = write_at(writable[f], "0", 1, 4096);
		snprintf(name, sizeof(name), "%s_write_at_4096_is_einval", kind);
		CHECK(e == EINVAL && unchanged(why, sizeof(why)), name, "errno %d %s", e, why);
	}
	/* Read-only files refuse every write, "0" included, even to root. */
	for (f = 0; f < sizeof(read_only) / sizeof(read_only[0]); f++) {
		e = write_at(read_only[f], "0", 1, 0);
		snprintf(name, sizeof(name), "write_to_%s_refused", strrchr(read_only[f], '/') + 1);
		CHECK((e == EPERM || e == EINVAL || e == EACCES) && unchanged(why, sizeof(why)),
		      name, "errno %d %s", e, why);
	}
	e = write_at(T, "0", 1, 0);
	CHECK(e == EISDIR, "write_to_directory_is_eisdir", "errno %d", e);
	/* The way a shell clears a value: open(O_TRUNC), then "0\n". */
	{
		int fd = open(T "/dev1/u16", O_WRONLY | O_TRUNC);
		char text[16];

		e = fd < 0 ? errno : write(fd, "0\n", 2) == 2 ? 0 : errno;
		if (fd >= 0)
			close(fd);
		CHECK(e == 0 && slurp(T "/dev1/u16", text, sizeof(text)) > 0 &&
		      !strcmp(text, "0\n"), "shell_style_clear_works", "errno %d", e);
	}
	ASSERT_LT(0, take_snapshot(snapshot, sizeof(snapshot)));
}

/* Each change to the tree, refused; returns 0 or errno. */
static int try_create(void)
{
	int fd = open(T "/new", O_WRONLY | O_CREAT, 0644);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? errno : 0;
}

#define ERRNO_OF(call) ((call) ? errno : 0)

static int try_mkdir(void) { return ERRNO_OF(mkdir(T "/newdir", 0755)); }
static int try_unlink(void) { return ERRNO_OF(unlink(T "/dev0/u64")); }
static int try_rmdir(void) { return ERRNO_OF(rmdir(T "/dev0/sub")); }
static int try_rename(void) { return ERRNO_OF(rename(T "/dev0/u64", T "/dev0/u65")); }
static int try_link(void) { return ERRNO_OF(link(T "/dev0/u64", T "/dev0/u65")); }
static int try_symlink(void) { return ERRNO_OF(symlink("u64", T "/dev0/u65")); }
static int try_mknod(void) { return ERRNO_OF(mknod(T "/fifo", S_IFIFO | 0600, 0)); }
static int try_chmod(void) { return ERRNO_OF(chmod(T "/dev0/u64", 0666)); }
static int try_chmod_dir(void) { return ERRNO_OF(chmod(T "/dev0", 0777)); }
static int try_chown(void) { return ERRNO_OF(chown(T "/dev0/u64", 1000, 1000)); }
static int try_utimes(void) { return ERRNO_OF(utimensat(AT_FDCWD, T "/dev0/u64", NULL, 0)); }
static int try_truncate(void) { return ERRNO_OF(truncate(T "/dev0/u64", 100)); }

static const struct {
	const char *name;
	int (*fn)(void);
} changes[] = {
	{ "create", try_create }, { "mkdir", try_mkdir }, { "unlink", try_unlink },
	{ "rmdir", try_rmdir }, { "rename", try_rename }, { "link", try_link },
	{ "symlink", try_symlink }, { "mknod", try_mknod }, { "chmod", try_chmod },
	{ "chmod_dir", try_chmod_dir }, { "chown", try_chown }, { "utimes", try_utimes },
	{ "truncate", try_truncate },
};

TEST_F(bad, changes_to_the_tree)
{
	char why[160] = "", name[64];
	struct stat st, st0;
	size_t i;
	int e;

	ASSERT_EQ(0, stat(T "/dev0/u64", &st0));
	/* The mount lets everyone in, so the user meets statsfs, not the root's mode. */
	ASSERT_EQ(0, mount("statsfs", MNT, "statsfs", MS_REMOUNT, "mode=0755"));
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		e = changes[i].fn();
		snprintf(name, sizeof(name), "root_%s_refused", changes[i].name);
		CHECK((e == EPERM || e == EACCES) && unchanged(why, sizeof(why)), name,
		      "errno %d %s", e, why);
		e = as_user(changes[i].fn);
		snprintf(name, sizeof(name), "user_%s_refused", changes[i].name);
		CHECK((e == EPERM || e == EACCES) && unchanged(why, sizeof(why)), name,
		      "errno %d %s", e, why);
	}
	CHECK(stat(T "/dev0/u64", &st) == 0 && st.st_mode == st0.st_mode &&
	      st.st_uid == st0.st_uid, "modes_and_owners_unchanged", "mode %o uid %d",
	      st.st_mode, st.st_uid);
	CHECK_OK("remount_default", mount("statsfs", MNT, "statsfs", MS_REMOUNT, "mode=0700"));
}

static int user_writes_zero(void)
{
	return write_at(T "/dev0/u64", "0", 1, 0);
}

TEST_F(bad, user_writes)
{
	char why[160] = "";
	int e;

	ASSERT_EQ(0, mount("statsfs", MNT, "statsfs", MS_REMOUNT, "mode=0755"));
	e = as_user(user_writes_zero);
	CHECK(e == EACCES && unchanged(why, sizeof(why)), "user_write_is_eacces", "errno %d %s",
	      e, why);
	CHECK_OK("remount_default", mount("statsfs", MNT, "statsfs", MS_REMOUNT, "mode=0700"));
}

TEST_F(bad, names_and_paths)
{
	char path[8192], name[300];
	struct stat st;
	int i, n;

	memset(name, 'a', 256);
	name[256] = '\0';
	snprintf(path, sizeof(path), T "/%s", name);
	CHECK_ERRNO("name_max_plus_1_is_enametoolong", stat(path, &st), ENAMETOOLONG);
	name[255] = '\0';
	snprintf(path, sizeof(path), T "/%s", name);
	CHECK_ERRNO("name_max_is_enoent", stat(path, &st), ENOENT);
	CHECK_ERRNO("dot_name_is_enoent", stat(T "/.hidden", &st), ENOENT);
	CHECK_ERRNO("dot_values_of_a_file_is_enotdir", stat(T "/dev0/u64/.values", &st),
		    ENOTDIR);
	CHECK_OK("dot_and_dotdot", stat(T "/dev0/./../dev0/sub/..", &st));
	CHECK(S_ISDIR(st.st_mode), "dot_and_dotdot_is_a_directory", "mode %o", st.st_mode);
	/* Deep: 500 times down to sub/ and back up, then a value. */
	n = snprintf(path, sizeof(path), T "/dev0");
	for (i = 0; i < 500 && n < (int)sizeof(path) - 16; i++)
		n += snprintf(path + n, sizeof(path) - n, "/sub/..");
	snprintf(path + n, sizeof(path) - n, "/u64");
	CHECK_OK("deep_dotdot_walk", stat(path, &st));
	/* Past PATH_MAX. */
	n = snprintf(path, sizeof(path), T);
	while (n < (int)sizeof(path) - 8)
		n += snprintf(path + n, sizeof(path) - n, "/.");
	CHECK_ERRNO("path_max_is_enametoolong", stat(path, &st), ENAMETOOLONG);
	CHECK_ERRNO("lookup_below_a_file_is_enotdir", stat(T "/dev0/u64/x", &st), ENOTDIR);
}

TEST_F(bad, mount_options)
{
	static const char *const bad_options[] = {
		"mode", "mode=", "mode=8", "mode=0x1ff", "mode=-1", "mode=07777777",
		"uid=", "uid=-5", "uid=abc", "uid=4294967295", "gid=x", ",,,mode=x",
		"mode=0755,bogus", "source=x,mode=y",
	};
	char opts[8192], line[160];
	size_t i;
	int n;

	for (i = 0; i < sizeof(bad_options) / sizeof(bad_options[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "option_%zu_is_einval", i);
		errno = 0;
		CHECK(mount("statsfs", MNT, "statsfs", MS_REMOUNT, bad_options[i]) == -1 &&
		      errno == EINVAL, name, "\"%s\": errno %d", bad_options[i], errno);
	}
	/* Long: a valid option repeated to near a page; the last one counts. */
	n = 0;
	while (n < 4000)
		n += snprintf(opts + n, sizeof(opts) - n, "mode=0711,");
	snprintf(opts + n, sizeof(opts) - n, "mode=0700");
	CHECK_OK("repeated_options", mount("statsfs", MNT, "statsfs", MS_REMOUNT, opts));
	CHECK_OK("empty_options", mount("statsfs", MNT, "statsfs", MS_REMOUNT, ""));
	/* Longer than a page: the kernel copies only a page of options. */
	memset(opts, 'x', sizeof(opts) - 1);
	opts[sizeof(opts) - 1] = '\0';
	errno = 0;
	CHECK(mount("statsfs", MNT, "statsfs", MS_REMOUNT, opts) == -1 && errno == EINVAL,
	      "page_of_garbage_is_einval", "errno %d", errno);
	CHECK(unchanged(line, sizeof(line)), "tree_unchanged_by_options", "%s", line);
	CHECK_OK("remount_default", mount("statsfs", MNT, "statsfs", MS_REMOUNT, "mode=0700"));
}

TEST_HARNESS_MAIN
