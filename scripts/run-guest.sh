#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack the initramfs and boot the test guest under QEMU (TCG, -cpu max: the guest
# sees SVM, so KVM runs inside it). Usage: run-guest.sh check|lockdep|demo|shell|bench
# With KERNEL_VARIANT=arm64: run-guest.sh arm64 boots the arm64 kernel in QEMU's virt
# machine with EL2 (virtualization=on, GICv3, -cpu max), so KVM/arm64 runs inside it;
# its userland is Debian's arm64 busybox and python (scripts/stage-arm64-userland.sh).
#
# Writes into $OUT (default: out/ in the clone): guest-console.log (ttyS0, the kernel
# log with KUnit's KTAP) and guest-results.ktap (ttyS1, the in-guest tests' KTAP);
# for the lockdep boot (the one test that provokes a lockdep report, on its own),
# guest-console-lockdep.log and guest-results-lockdep.ktap. GUEST_REUSE_INITRAMFS=1
# boots the initramfs packed by the run before; GUEST_KERNEL boots another kernel
# image than the build tree's.
# QEMU's options take commas:
# shellcheck disable=SC2054
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mode=${1:-check}
OUT=${OUT:-$STATSFS_ROOT/out}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-900}
mkdir -p "$OUT"

# The initramfs: busybox, the modules, the in-guest test programs.
root=$OUT/initramfs
if [ -z "${GUEST_REUSE_INITRAMFS:-}" ] || [ ! -e "$OUT/initramfs.cpio" ]; then
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests,lib/modules}
	install -m 0755 "$STATSFS_ROOT/tests/guest/init" "$root/init"
	install -m 0644 "$STATSFS_ROOT/tests/guest/budgets" "$root/tests/budgets"
	if [ "$KARCH" = arm64 ]; then
		# Busybox and python from Debian's arm64 packages; no modules (all built in).
		cp -a "$OUT/arm64-root/." "$root/"
	else
		cp /bin/busybox "$root/bin/busybox"
	fi
	ln -sf busybox "$root/bin/sh"
	# statsfs is a module in the test kernel, built in in the production one.
	if [ -e "$KBUILD/fs/statsfs/statsfs.ko" ]; then
		cp "$KBUILD/fs/statsfs/statsfs.ko" "$root/lib/modules/"
fi
# The kernel's own modules (kvm, kvm-amd, statsfs, dummy, veth) with modules.dep,
# so that modprobe loads a module's dependencies first, as on a host.
if grep -qx 'CONFIG_MODULES=y' "$KBUILD/.config"; then
	kmake -s modules_install INSTALL_MOD_PATH="$root" INSTALL_MOD_STRIP=1 >/dev/null
fi
for dir in tests standalone owners ondemand demo net; do
	mkdir -p "$root/lib/modules/$dir"
	for ko in "$OUT/modules/$dir"/*.ko; do
		[ -e "$ko" ] && cp "$ko" "$root/lib/modules/$dir/"
	done
done
# A minimal python and the kernel's kvm_stat, unmodified, for the KVM test.
if [ -d "$OUT/python-root" ]; then
	cp -a "$OUT/python-root/." "$root/"
fi
if [ -x "$root/usr/bin/python3" ]; then
	install -D -m 0755 "$KSRC/tools/kvm/kvm_stat/kvm_stat" "$root/usr/bin/kvm_stat"
fi
for t in "$OUT"/guest-tools/*; do
	[ -e "$t" ] && install -m 0755 "$t" "$root/bin/"
done
for t in "$OUT"/guest-bin/*; do
	[ -e "$t" ] && cp "$t" "$root/tests/"
done
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$OUT/initramfs.cpio"
fi

suffix=
[ "$mode" = lockdep ] && suffix=-lockdep
console=$OUT/guest-console$suffix.log
results=$OUT/guest-results$suffix.ktap
: >"$results"
# kunit.timeout: a KUnit case that hangs fails after 120 s (the longest runs 19 s).
serial=ttyS0
[ "$KARCH" = arm64 ] && serial=ttyAMA0
append="console=$serial panic=-1 panic_on_oops=1 kunit.enable=1 kunit.autorun=1 kunit.timeout=120"
append+=" statsfs_mode=$mode"
# The benchmarks' sizes are far above the tests': their time budgets too.
[ "$mode" = bench ] && append+=" statsfs_budget_scale=10"
append+=" ${GUEST_APPEND:-}"
# la57=off: with 5-level paging, the KASAN kernel reported a wild-memory-access in
# do_raw_spin_lock() from handle_edge_irq() 4 ms into boot, before any module (seen
# once at -m 1024, twice at -m 2048); with 4-level paging it boots clean.
qemu=(
	qemu-system-x86_64 -machine q35 -cpu max,la57=off
)
# arm64: EL2 for KVM (virtualization=on), a GICv3 that it can virtualise. The
# virt machine has one PL011: the tests' KTAP goes to a virtio console (hvc0).
[ "$KARCH" = arm64 ] &&
	qemu=(qemu-system-aarch64 -machine virt,virtualization=on,gic-version=3 -cpu max)
qemu+=(
	-smp 2 -m "${GUEST_MEM:-1024}"
	-kernel "${GUEST_KERNEL:-$KBUILD/$KIMAGE}" -initrd "$OUT/initramfs.cpio"
	-append "$append" -nographic -no-reboot
)
# A multiqueue virtio-net device for 42-net-queues, a real driver's per-queue
# statistics. Four queue pairs need a backend with queues: a tap, which QEMU
# makes (as root, through /dev/net/tun) and which goes when QEMU exits. Its host
# side stays down: the guest's frames go nowhere. Without it the test fails and
# says why.
if [ "$KARCH" != arm64 ] && [ "$mode" = check ] && [ -e /dev/net/tun ]; then
	qemu+=(
		-netdev tap,id=mq,script=no,downscript=no,vhost=off,queues=4
		-device virtio-net-pci,netdev=mq,mq=on,vectors=10
	)
fi
results_port=(-serial "file:$results")
[ "$KARCH" = arm64 ] && results_port=(
	-device virtio-serial-device -chardev "file,id=results,path=$results"
	-device virtconsole,chardev=results
)
if [ "$mode" = shell ]; then
	exec "${qemu[@]}" -serial mon:stdio "${results_port[@]}"
fi
qemu+=(-serial "file:$console" "${results_port[@]}" -monitor none)
log "booting the guest ($mode, timeout ${GUEST_TIMEOUT}s); console log: $console"
start=$(date +%s)
rc=0
qemu_log=$OUT/qemu-$mode.log
timeout --foreground -k 10 "$GUEST_TIMEOUT" "${qemu[@]}" </dev/null >"$qemu_log" 2>&1 || rc=$?
log "guest ran $(($(date +%s) - start)) s, QEMU exit status $rc"
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "statsfs-harness: guest timed out after ${GUEST_TIMEOUT}s" >>"$console"
elif [ "$rc" != 0 ] || [ -s "$qemu_log" ]; then
	# QEMU itself failed: the judge finds no end of /init; say why here.
	echo "statsfs-harness: QEMU exited with status $rc: $(tr '\n' ' ' <"$qemu_log" | head -c 500)" >>"$console"
fi
if [ "$mode" = demo ]; then
	sed -n '/statsfs-guest:/,$p' "$console" | sed 's/\r$//'
fi
exit 0
