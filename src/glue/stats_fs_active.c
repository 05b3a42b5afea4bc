// SPDX-License-Identifier: GPL-2.0
/*
 * statsfs active references: the C glue that has no Rust abstraction yet
 * (src/model/active.rs has the rest).
 *
 * A writer that takes a value group away waits, with wait_var_event(), until
 * the readers that were inside the group are out. Lockdep sees those readers
 * as holding one read lock, stats_fs_active, around the publisher's callbacks,
 * and the waiting writer as taking it for writing: a callback that takes a
 * lock its publisher holds while it revokes or puts a source is reported the
 * first time both are seen, before it can deadlock.
 */

#include <linux/atomic.h>
#include <linux/lockdep.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>

#include "stats_fs_internal.h"

#ifdef CONFIG_LOCKDEP
static struct lock_class_key stats_fs_active_key;
static struct lockdep_map stats_fs_active_map =
	STATIC_LOCKDEP_MAP_INIT("stats_fs_active", &stats_fs_active_key);
#endif

/**
 * stats_fs_glue_drain() - Wait for a deactivated group's readers to leave.
 * @active: The group's count of active references.
 * @drained: Its value once the group is deactivated and no reader is left.
 *
 * Context: Process context, without statsfs's locks held; sleeps.
 */
void stats_fs_glue_drain(atomic_t *active, int drained)
{
	lock_map_acquire(&stats_fs_active_map);
	lock_map_release(&stats_fs_active_map);
	wait_var_event(active, atomic_read_acquire(active) == drained);
}

/**
 * stats_fs_glue_wake_drainer() - Wake a writer waiting for a group's readers.
 * @active: The group's count, now drained.
 *
 * Context: Any context.
 */
void stats_fs_glue_wake_drainer(atomic_t *active)
{
	wake_up_var(active);
}

/**
 * stats_fs_glue_preempt_disable() - A reader enters a section of members.
 *
 * A section is a few dozen plain loads that a writer removing a member waits
 * for (src/model/members.rs): it must not be preempted.
 *
 * Context: Any context; paired with stats_fs_glue_preempt_enable().
 */
void stats_fs_glue_preempt_disable(void)
{
	preempt_disable();
}

/**
 * stats_fs_glue_preempt_enable() - The reader leaves the section.
 *
 * Context: After stats_fs_glue_preempt_disable(), on the same CPU.
 */
void stats_fs_glue_preempt_enable(void)
{
	preempt_enable();
}

/**
 * stats_fs_glue_callback_enter() - A publisher's callback starts.
 *
 * Context: Under an active reference to its group.
 */
void stats_fs_glue_callback_enter(void)
{
	lock_map_acquire_read(&stats_fs_active_map);
}

/**
 * stats_fs_glue_callback_exit() - The callback returned.
 *
 * Context: Paired with stats_fs_glue_callback_enter(), on the same task.
 */
void stats_fs_glue_callback_exit(void)
{
	lock_map_release(&stats_fs_active_map);
}
