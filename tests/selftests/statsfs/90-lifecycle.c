// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs life cycle, end to end: the file system type and /sys/kernel/stats
 * exist once the module is loaded, it mounts and lists, the module refuses to
 * unload while mounted, and after umount it unloads and takes both away.
 *
 * Runs last: it leaves statsfs unloaded.
 */
#define _GNU_SOURCE
#define STATSFS_DESTRUCTIVE "unloads statsfs"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define MNT "/sys/kernel/stats"

static int file_has_line(const char *path, const char *needle)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* Names in @dir other than "." and "..", or -1 with errno set. */
static int count_entries(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (!dp)
		return -1;
	while ((d = readdir(dp)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

TEST(load_mount_umount_unload)
{
	struct stat st;
	int n;


	CHECK(file_has_line("/proc/filesystems", "\tstatsfs"),
		  "fs_type_registered", "no statsfs in /proc/filesystems");
	CHECK(stat(MNT, &st) == 0 && S_ISDIR(st.st_mode), "mount_point_exists",
		  "stat(%s): %s", MNT, strerror(errno));
	CHECK_OK("mount_succeeds", mount("statsfs", MNT, "statsfs", 0, NULL));
	CHECK(file_has_line("/proc/mounts", "statsfs " MNT " statsfs "),
		  "listed_in_proc_mounts", "no statsfs line in /proc/mounts");
	n = count_entries(MNT);
	CHECK(n == 0, "empty_root_lists", "readdir(%s) gave %d entries (%s)", MNT, n,
		  n < 0 ? strerror(errno) : "want none: no publisher is loaded");
	/* A mounted superblock holds a module reference: delete_module says EWOULDBLOCK. */
	CHECK_ERRNO("unload_refused_while_mounted", unload_module("statsfs"), EWOULDBLOCK);
	CHECK(file_has_line("/proc/modules", "statsfs "), "still_loaded_while_mounted",
		  "statsfs vanished from /proc/modules");
	CHECK_OK("umount_succeeds", umount(MNT));
	CHECK_OK("unload_succeeds", unload_module("statsfs"));
	CHECK_ERRNO("mount_point_removed", stat(MNT, &st), ENOENT);
	CHECK_ERRNO("mount_after_unload_is_enodev",
			  mount("statsfs", "/tmp", "statsfs", 0, NULL), ENODEV);

}

TEST_HARNESS_MAIN
