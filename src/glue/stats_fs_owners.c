// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs and unloading modules: the C glue that has no Rust abstraction yet.
 *
 * A value group uses code and data of the module that added it (descriptors,
 * types, callbacks, counters). A module that unloads with a group still added
 * would leave statsfs calling into freed memory; instead, as it goes, statsfs
 * revokes what of it is still there (src/model/owners.rs) and warns, naming it.
 */

#include <linux/module.h>
#include <linux/notifier.h>

#include "stats_fs_internal.h"

bool stats_fs_glue_within_module(unsigned long addr, const struct module *mod)
{
	return within_module(addr, mod);
}

static int stats_fs_module_notify(struct notifier_block *nb,
				  unsigned long action, void *data)
{
	struct module *mod = data;
	unsigned int revoked;

	if (mod == THIS_MODULE)
		return NOTIFY_DONE;
	/* Before its init: groups that use its memory are filed under it. */
	if (action == MODULE_STATE_COMING) {
		stats_fs_core_module_coming(mod);
		return NOTIFY_OK;
	}
	/* After its exit function (or failed init), before its memory is freed. */
	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	revoked = stats_fs_core_module_going(mod);
	WARN(revoked, "statsfs: module %s unloaded with %u value groups still added; revoked them\n",
	     mod->name, revoked);
	return NOTIFY_OK;
}

static struct notifier_block stats_fs_module_nb = {
	.notifier_call = stats_fs_module_notify,
};

int stats_fs_glue_owners_init(void)
{
	return register_module_notifier(&stats_fs_module_nb);
}

void stats_fs_glue_owners_exit(void)
{
	unregister_module_notifier(&stats_fs_module_nb);
}
