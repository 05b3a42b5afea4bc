// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of readers against writers: what a writer waits for.
//!
//! A reader is held inside a custom `get` by a [`Gate`] until the test opens it (or ten
//! seconds pass, so that a writer that wrongly waits for it makes the test fail rather
//! than hang). The assertions are about order, never about time: the times are printed.

use kernel::prelude::*;

#[kunit_tests(statsfs_active)]
mod tests {
    use core::mem::offset_of;
    use kernel::{
        ffi::{
            c_int,
            c_void, //
        },
        new_condvar, new_mutex,
        prelude::*,
        str::CString,
        sync::{
            atomic::{
                Atomic,
                Relaxed, //
            },
            Arc,
            CondVar,
            Mutex, //
        },
        time::{
            delay::{
                fsleep,
                udelay, //
            },
            msecs_to_jiffies,
            Delta,
            Instant,
            Monotonic, //
        },
        workqueue,
    };

    use crate::{
        abi::{
            Aggregation,
            END, //
        },
        c_api::types::{
            stats_fs_type_u64,
            DEFAULT_TYPES, //
        },
        model::{
            group::{
                StatsFsType,
                StatsFsValue, //
            },
            source::{
                Source,
                SourceRef, //
            },
        },
    };

    /// Where a test holds a reader, and lets it go.
    #[pin_data]
    struct Gate {
        /// Whether a reader is inside, and whether the gate is open.
        #[pin]
        state: Mutex<(bool, bool)>,
        #[pin]
        changed: CondVar,
        /// Set if a reader gave up waiting for the gate to open.
        timed_out: Atomic<bool>,
    }

    impl Gate {
        fn new() -> Result<Arc<Self>> {
            Ok(Arc::pin_init(
                pin_init!(Self {
                    state <- new_mutex!((false, false), "Gate::state"),
                    changed <- new_condvar!("Gate::changed"),
                    timed_out: Atomic::new(false),
                }),
                GFP_KERNEL,
            )?)
        }

        /// Waits until `f(state)` holds, for ten seconds at most; whether it did.
        fn wait_for(&self, f: impl Fn(&(bool, bool)) -> bool) -> bool {
            let deadline = Instant::<Monotonic>::now();
            let mut state = self.state.lock();
            while !f(&state) {
                if deadline.elapsed().as_millis() > 10_000 {
                    return false;
                }
                let _ = self
                    .changed
                    .wait_interruptible_timeout(&mut state, msecs_to_jiffies(100));
            }
            true
        }

        /// A reader: says it is inside, and waits until the gate is open.
        fn pass(&self) {
            self.state.lock().0 = true;
            self.changed.notify_all();
            if !self.wait_for(|s| s.1) {
                self.timed_out.store(true, Relaxed);
            }
            self.state.lock().0 = false;
            self.changed.notify_all();
        }

        fn open(&self) {
            self.state.lock().1 = true;
            self.changed.notify_all();
        }

        fn is_inside(&self) -> bool {
            self.state.lock().0
        }
    }

    /// The memory a blocking value reads: the value and the gate its reader waits at.
    #[repr(C)]
    struct Blocking {
        value: u64,
        gate: *const Gate,
    }

    /// A custom `get` that waits at the gate before it reads.
    unsafe extern "C" fn blocking_get(val: *mut StatsFsValue, base: *mut c_void) -> u64 {
        // SAFETY: The tests register `Blocking`s with the value at offset 0, and keep them
        // and their gate alive while the group is live.
        let blocking = unsafe { &*base.cast::<Blocking>() };
        // SAFETY: As above.
        unsafe { (*blocking.gate).pass() };
        // SAFETY: `val` is the descriptor of the live group (the caller's contract).
        let _ = unsafe { (*val).offset };
        blocking.value
    }

    static BLOCKING: StatsFsType = StatsFsType {
        get: Some(blocking_get),
        clear: None,
        sign: false,
        size: 8,
    };

    fn descs(ty: &'static StatsFsType) -> [StatsFsValue; 2] {
        [
            StatsFsValue {
                name: c"v".as_char_ptr(),
                offset: offset_of!(Blocking, value) as c_int,
                type_: ty,
                aggr_kind: Aggregation::Sum as c_int,
                ..END
            },
            END,
        ]
    }

    fn source(name: &CStr) -> Result<SourceRef> {
        Source::new(CString::try_from(name)?, 0)
    }

    /// Adds a simple group; `values` and `base` outlive the group in these tests.
    fn add(s: &SourceRef, values: &[StatsFsValue], base: *mut c_void) -> Result {
        // SAFETY: Every test keeps `values` and the memory at `base` alive until it has
        // revoked the group or put the source.
        unsafe {
            s.borrow()
                .add_values(values.as_ptr(), base, 0, DEFAULT_TYPES)
        }
    }

    /// What a reader task shares with the test.
    struct Reader {
        source: SourceRef,
        values: KBox<[StatsFsValue; 2]>,
        read: Atomic<u64>,
        done: Atomic<bool>,
    }

    // SAFETY: The descriptors are never changed after setup and the rest is atomics and a
    // source reference, which may be used from any task.
    unsafe impl Send for Reader {}
    // SAFETY: As for `Send`.
    unsafe impl Sync for Reader {}

    /// Starts a reader of `values[0]` in `source`; it blocks in the value's `get`.
    fn start_reader(source: &SourceRef, values: KBox<[StatsFsValue; 2]>) -> Result<Arc<Reader>> {
        let reader = Arc::new(
            Reader {
                source: source.borrow().new_ref(),
                values,
                read: Atomic::new(0),
                done: Atomic::new(false),
            },
            GFP_KERNEL,
        )?;
        let task = reader.clone();
        workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
            let v = task.source.get_value(&task.values[0]).unwrap_or(u64::MAX);
            task.read.store(v, Relaxed);
            task.done.store(true, Relaxed);
        })?;
        Ok(reader)
    }

    /// While a reader sleeps in `get` of group A, writers of other groups go on: adding,
    /// moving, removing and revoking group B, and the last put of its source, all finish
    /// with the reader still inside A. Then revoking A waits for that reader.
    #[test]
    fn writers_wait_only_for_the_readers_of_their_group() -> Result {
        let gate = Gate::new()?;
        let a_mem = KBox::new(
            Blocking {
                value: 7,
                gate: &*gate,
            },
            GFP_KERNEL,
        )?;
        let a_values = KBox::new(descs(&BLOCKING), GFP_KERNEL)?;
        let a = source(c"active_a")?;
        add(
            &a,
            &*a_values,
            core::ptr::from_ref(&*a_mem).cast_mut().cast(),
        )?;
        let reader = start_reader(&a, a_values)?;
        assert!(gate.wait_for(|s| s.0));

        // Writers of B while the reader is inside A's `get`.
        let start = Instant::<Monotonic>::now();
        let b_mem = KBox::new(
            Blocking {
                value: 5,
                gate: &*gate,
            },
            GFP_KERNEL,
        )?;
        let b_values = KBox::new(descs(&stats_fs_type_u64), GFP_KERNEL)?;
        let b_base = core::ptr::from_ref(&*b_mem).cast_mut().cast();
        let parent = source(c"active_parent")?;
        // SAFETY: Aggregates read no memory of their own; the array outlives the source.
        unsafe {
            parent
                .borrow()
                .add_values(b_values.as_ptr(), core::ptr::null_mut(), 0, DEFAULT_TYPES)
        }?;
        let b = source(c"active_b")?;
        add(&b, &*b_values, b_base)?;
        parent.borrow().add_subordinate(b.borrow())?;
        assert_eq!(parent.get_value(&b_values[0])?, 5);
        b.remove_values(b_values.as_ptr(), b_base)?;
        add(&b, &*b_values, b_base)?;
        b.revoke();
        parent.remove_subordinate(&b);
        drop(b);
        drop(parent);
        let writers = start.elapsed();
        assert!(gate.is_inside());
        assert!(!reader.done.load(Relaxed));
        pr_info!(
            "statsfs_active: writers of B took {} us while a reader slept in A\n",
            writers.as_micros_ceil()
        );

        // Revoking A waits for the reader inside it.
        let revoker = Arc::new((a.borrow().new_ref(), Atomic::new(false)), GFP_KERNEL)?;
        let task = revoker.clone();
        workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
            task.0.revoke();
            task.1.store(true, Relaxed);
        })?;
        fsleep(Delta::from_millis(100));
        assert!(!revoker.1.load(Relaxed));
        gate.open();
        let mut waited = 0;
        while !(revoker.1.load(Relaxed) && reader.done.load(Relaxed)) && waited < 10_000 {
            fsleep(Delta::from_millis(1));
            waited += 1;
        }
        assert!(revoker.1.load(Relaxed));
        assert_eq!(reader.read.load(Relaxed), 7);
        assert!(!gate.timed_out.load(Relaxed));
        // Revoked: the memory can go, and reads give 0.
        drop(a_mem);
        assert_eq!(a.get_value(&reader.values[0])?, 0);
        Ok(())
    }

    /// A custom `get` that holds its reader in the value's memory for a while.
    unsafe extern "C" fn slow_get(val: *mut StatsFsValue, base: *mut c_void) -> u64 {
        // SAFETY: `val` is the live group's descriptor and `base` its memory (the caller's
        // contract): read it before and after a delay, as a slow subsystem would.
        let first = unsafe { *base.cast::<u8>().add((*val).offset as usize).cast::<u64>() };
        udelay(Delta::from_micros(20));
        // SAFETY: As above.
        let again = unsafe { *base.cast::<u8>().add((*val).offset as usize).cast::<u64>() };
        first.max(again)
    }

    static SLOW: StatsFsType = StatsFsType {
        get: Some(slow_get),
        clear: None,
        sign: false,
        size: 8,
    };

    /// What the readers of the next test share with it.
    struct Shared {
        parent: SourceRef,
        inline: KBox<[StatsFsValue; 2]>,
        slow: KBox<[StatsFsValue; 2]>,
        stop: Atomic<bool>,
        running: Atomic<u32>,
    }

    // SAFETY: The descriptors are never changed after setup; the rest is atomics and a
    // source reference.
    unsafe impl Send for Shared {}
    // SAFETY: As for `Send`.
    unsafe impl Sync for Shared {}

    /// Children come and go under an aggregate that readers compute without pause; each
    /// child's memory is freed the moment its group is revoked. A revoke that returned
    /// while a reader was still inside the group would let the reader touch freed memory,
    /// which KASAN reports.
    #[test]
    fn memory_freed_right_after_revoke_is_never_read() -> Result {
        const READERS: u32 = 2;
        const ROUNDS: usize = 300;
        let shared = Arc::new(
            Shared {
                parent: source(c"active_free")?,
                inline: KBox::new(descs(&stats_fs_type_u64), GFP_KERNEL)?,
                slow: KBox::new(descs(&SLOW), GFP_KERNEL)?,
                stop: Atomic::new(false),
                running: Atomic::new(0),
            },
            GFP_KERNEL,
        )?;
        for values in [&shared.inline, &shared.slow] {
            // SAFETY: Aggregates read no memory of their own; `shared` keeps the arrays
            // alive until the readers are done.
            unsafe {
                shared.parent.borrow().add_values(
                    values.as_ptr(),
                    core::ptr::null_mut(),
                    0,
                    DEFAULT_TYPES,
                )
            }?;
        }
        for _ in 0..READERS {
            let task = shared.clone();
            task.running.add(1, Relaxed);
            workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
                while !task.stop.load(Relaxed) {
                    let _ = task.parent.get_value(&task.inline[0]);
                    let _ = task.parent.get_value(&task.slow[0]);
                }
                task.running.fetch_sub(1, Relaxed);
            })?;
        }
        for i in 0..ROUNDS {
            let mem = KBox::new(
                Blocking {
                    value: i as u64,
                    gate: core::ptr::null(),
                },
                GFP_KERNEL,
            )?;
            let base = core::ptr::from_ref(&*mem).cast_mut().cast();
            let child = Source::new(CString::try_from_fmt(fmt!("c{i}"))?, 0)?;
            add(&child, &*shared.inline, base)?;
            add(&child, &*shared.slow, base)?;
            shared.parent.borrow().add_subordinate(child.borrow())?;
            if i % 2 == 0 {
                child.revoke();
            } else {
                // The last put, through the parent: it revokes too.
                shared.parent.remove_subordinate(&child);
                drop(child);
                drop(mem);
                continue;
            }
            // Revoked: nothing may read it any more.
            drop(mem);
            shared.parent.remove_subordinate(&child);
        }
        shared.stop.store(true, Relaxed);
        let mut waited = 0;
        while shared.running.load(Relaxed) > 0 && waited < 10_000 {
            fsleep(Delta::from_millis(1));
            waited += 1;
        }
        assert_eq!(shared.running.load(Relaxed), 0);
        Ok(())
    }
}
