#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the in-guest test programs (the selftests) as static binaries into
# $OUT/guest-bin, and the out-of-tree statsfs module (which proves `make KDIR=...` works).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out}
kbuild_lock	# the selftests are grafted into the shared source tree

# The selftests, built the kernel's way: grafted into tools/testing/selftests/statsfs
# and made with its lib.mk.
selftests=$KSRC/tools/testing/selftests/statsfs
rm -rf "$selftests" "$OUT/guest-bin"
mkdir -p "$OUT/guest-bin"
cp -r "$STATSFS_ROOT/tests/selftests/statsfs" "$selftests"
make -s -C "$selftests" OUTPUT="$OUT/guest-bin" CC=gcc

"$STATSFS_ROOT/scripts/stage-python.sh"

# The out-of-tree modules build in the clone: start clean when they were last
# built against the other kernel (debug or prod), or against another configuration
# of it. Kbuild does not notice the latter by itself: an external module's build
# runs in its own directory, where the include/config/<SYMBOL> files its objects
# depend on (relative paths) are not found, so a struct that grew a field under a
# newly enabled option (net_device_ops under CONFIG_NET_SHAPER) keeps its old size
# in a module that is not rebuilt.
stamp=$STATSFS_ROOT/.built-against
against="$KBUILD $(sha256sum <"$KBUILD/include/config/auto.conf" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$against" ]; then
	for m in "$STATSFS_ROOT" "$STATSFS_ROOT/tests/modules" "$STATSFS_ROOT/netdev" \
		"$STATSFS_ROOT/samples"; do
		make -s -C "$KBUILD" M="$m" LLVM="$KMAKE_LLVM" clean
	done
	echo "$against" >"$stamp"
fi

# The out-of-tree build proves `make KDIR=...` works; against a kernel with statsfs built
# in (the production one), its exports would clash with vmlinux's.
# STATSFS_NO_OOT=1 (make mutants) leaves it out: the guest loads the in-tree build.
if grep -qx 'CONFIG_STATS_FS=m' "$KBUILD/.config" && [ -z "${STATSFS_NO_OOT:-}" ]; then
	log "building statsfs out of tree against $KBUILD"
	make -s -C "$STATSFS_ROOT" KDIR="$KBUILD" LLVM="$KMAKE_LLVM" -j"$JOBS" modules
fi

log "building the test modules against $KBUILD"
make -s -C "$KBUILD" M="$STATSFS_ROOT/tests/modules" LLVM="$KMAKE_LLVM" -j"$JOBS" modules
log "building statsfs_net against $KBUILD"
make -s -C "$KBUILD" M="$STATSFS_ROOT/netdev" LLVM="$KMAKE_LLVM" -j"$JOBS" modules
log "building the Rust sample against $KBUILD"
make -s -C "$KBUILD" M="$STATSFS_ROOT/samples" LLVM="$KMAKE_LLVM" -j"$JOBS" modules
rm -rf "$OUT/modules"
mkdir -p "$OUT/modules/tests" "$OUT/modules/standalone" "$OUT/modules/owners" \
	"$OUT/modules/demo" "$OUT/modules/net" "$OUT/modules/ondemand"
cp "$STATSFS_ROOT"/netdev/statsfs_net.ko "$OUT/modules/net/"
cp "$STATSFS_ROOT"/tests/modules/*.ko "$STATSFS_ROOT"/samples/*.ko "$OUT/modules/tests/"
# Loaded by 45-owners in their order, not with the others.
mv "$OUT"/modules/tests/stats_fs_owner_test.ko "$OUT"/modules/tests/stats_fs_visitor_test.ko \
	"$OUT/modules/owners/"
# Loaded by 50-model, 52-faults and 92-callback-locks, with parameters.
for ko in stats_fs_model_test.ko stats_fs_fault_test.ko stats_fs_lock_test.ko; do
	if [ -e "$OUT/modules/tests/$ko" ]; then
		mv "$OUT/modules/tests/$ko" "$OUT/modules/ondemand/"
	fi
done
# Built against the header's !CONFIG_STATS_FS branch: loaded before statsfs is.
if [ -e "$OUT/modules/tests/stats_fs_stubs_test.ko" ]; then
	mv "$OUT/modules/tests/stats_fs_stubs_test.ko" "$OUT/modules/standalone/"
fi
cp "$STATSFS_ROOT"/samples/*.ko "$OUT/modules/demo/"

# statsfs-top, one static binary for the busybox guest (and the host's exporter test).
log "building statsfs-top"
mkdir -p "$OUT/guest-tools"
RUSTFLAGS="-C target-feature=+crt-static" \
	cargo build -q --release --locked --target x86_64-unknown-linux-gnu \
	--manifest-path "$STATSFS_ROOT/tools/statsfs-top/Cargo.toml"
cp "$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/statsfs-top" "$OUT/guest-tools/"
