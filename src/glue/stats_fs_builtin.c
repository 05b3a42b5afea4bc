// SPDX-License-Identifier: GPL-2.0
/*
 * Built into the kernel, statsfs starts at fs_initcall: before the subsystems
 * that publish in it, which start at device_initcall and may be linked before
 * fs/ (KVM is). As a module, it starts when it loads, from the Rust module's
 * init, and this file is empty.
 */

#ifndef MODULE

#include <linux/init.h>

#include "stats_fs_internal.h"

static int __init stats_fs_glue_builtin_init(void)
{
	return stats_fs_core_builtin_init();
}
fs_initcall(stats_fs_glue_builtin_init);

#endif /* !MODULE */
