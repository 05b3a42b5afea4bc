# SPDX-License-Identifier: GPL-2.0
"""The mutants of `make mutants`: realistic mistakes in the product, each with the
suites that should catch it.

Each mutant replaces one exact text (which must occur exactly once) in one file.
`kill` names the in-guest programs to run ("20-fs"; KUnit's suites run in every
guest, as the modules load), or "host" for statsfs-top's own tests. A mutant that
survives gets a test, or its reason here (`equivalent`).
"""

from collections import namedtuple

Mutant = namedtuple("Mutant", "name file old new kill equivalent", defaults=(None,))

MUTANTS = [
    # Aggregates and their empty-set values.
    Mutant("count_zero_counts_every_value", "src/model/accumulator.rs",
           "Aggregation::CountZero => self.zeros,", "Aggregation::CountZero => self.count,",
           ["20-fs"]),
    Mutant("unsigned_min_of_empty_set_is_0", "src/model/accumulator.rs",
           "min: if signed { i64::MAX as u64 } else { u64::MAX },",
           "min: if signed { i64::MAX as u64 } else { 0 },", ["20-fs"]),
    Mutant("signed_average_rounds_down_not_toward_zero", "src/model/accumulator.rs",
           "(magnitude as i64).wrapping_neg()", "(magnitude as i64 + 1).wrapping_neg()",
           ["20-fs"]),
    Mutant("negative_numbers_lose_their_sign", "src/fs/decimal.rs",
           "    if negative {\n        at -= 1;", "    if negative && n != 0 {\n        at -= 1;",
           ["20-fs"]),
    # Errno values.
    Mutant("slash_in_a_name_is_enoent", "src/model/name.rs",
           "name.contains(&b'/') => Err(EINVAL)", "name.contains(&b'/') => Err(ENOENT)",
           ["54-bad-input"]),
    Mutant("clearing_a_revoked_value_succeeds", "src/fs/value_file.rs",
           "        None => Err(ENOENT),\n    };\n    match result {",
           "        None => Ok(()),\n    };\n    match result {", ["20-fs"]),
    # Permission and ownership of files.
    Mutant("clearable_values_writable_by_all", "src/fs/lookup.rs",
           "    if group.clearable(i) {\n        0o644", "    if group.clearable(i) {\n        0o666",
           ["20-fs"]),
    Mutant("metadata_files_world_readable", "src/glue/stats_fs_vfs.c",
           "inode->i_mode = S_IFREG | (dir->i_mode & 0444);",
           "inode->i_mode = S_IFREG | (dir->i_mode & 0444) | 0004;", ["20-fs"]),
    Mutant("remount_forgets_gid", "src/glue/stats_fs_vfs.c",
           "\tif (!remount || opts->set & BIT(STATS_FS_OPT_GID))\n\t\troot->i_gid = opts->gid;",
           "\tif (!remount)\n\t\troot->i_gid = opts->gid;", ["20-fs"]),
    # Readdir positions.
    Mutant("readdir_resumes_one_entry_late", "src/fs/readdir.rs",
           "            from = ino + 1;", "            from = ino + 2;",
           ["20-fs", "25-readdir"]),
    # Revoke and removal order.
    Mutant("revoke_does_not_wait_for_readers", "src/model/source/retired.rs",
           "        for group in self.groups.iter() {\n            group.drain();",
           "        for group in self.groups.iter() {\n            let _ = group;", ["20-fs"]),
    # Bulk-file record boundaries.
    Mutant("values_misaligned_after_a_revoked_group", "src/fs/meta/text.rs",
           "                at += run_elements(run);\n                continue;",
           "                continue;", ["20-fs", "30-kvm", "45-owners"],
           "a record's runs hold only the groups the directory shows, so a run's group is "
           "gone only if it was revoked between the runs being taken and the lines being "
           "made: a race no test provokes on purpose (45-owners checks the record past a "
           "revoked group, which is not among the runs)"),
    # Net field offsets and sums.
    # (Swapping two NET_STAT() lines moves names and offsets together: an equivalent
    # mutant, which the first run of this list showed. Each field reading its
    # neighbour's offset is the mistake to catch.)
    Mutant("net_fields_read_their_neighbours", "netdev/statsfs_net.c",
           "\t\t.offset = offsetof(struct rtnl_link_stats64, field),\t\\",
           "\t\t.offset = offsetof(struct rtnl_link_stats64, field) ^ 8,\t\\",
           ["40-net", "41-net-views"]),
    Mutant("net_sums_count_stacked_devices", "netdev/statsfs_net.c",
           "if (dev->flags & IFF_LOOPBACK || netdev_lower_get_next(dev, &iter))",
           "if (dev->flags & IFF_LOOPBACK)", ["41-net-views"]),
    Mutant("net_sums_count_loopback", "netdev/statsfs_net.c",
           "if (dev->flags & IFF_LOOPBACK || netdev_lower_get_next(dev, &iter))",
           "if (netdev_lower_get_next(dev, &iter))", ["40-net", "41-net-views"]),
    # Schema kinds (KVM's aggregation kinds are the KVM patches' own, in the kernel).
    Mutant("peak_shown_as_instant", "src/fs/meta/text.rs",
           'Kind::Peak => "peak",', 'Kind::Peak => "instant",', ["30-kvm"]),
    # statsfs-top rates and units.
    Mutant("top_rate_multiplies_by_the_interval", "tools/statsfs-top/src/view.rs",
           "map(|d| d as f64 / seconds)", "map(|d| d as f64 * seconds)", ["host"]),
    Mutant("exporter_scales_the_wrong_way", "tools/statsfs-top/src/prom.rs",
           "f64::from(base).powi(exp)", "f64::from(base).powi(-exp)", ["host"]),
]
