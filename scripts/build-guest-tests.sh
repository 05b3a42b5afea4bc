#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the in-guest test programs as static binaries into $OUT/guest-bin, and the
# out-of-tree statsfs module (which proves `make KDIR=...` works).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out}

mkdir -p "$OUT/guest-bin"
rm -f "$OUT"/guest-bin/*
for c in "$STATSFS_ROOT"/tests/guest/*.c; do
	gcc -static -O2 -Wall -Wextra -Werror -o "$OUT/guest-bin/$(basename "$c" .c)" "$c"
done

"$STATSFS_ROOT/scripts/stage-python.sh"

log "building statsfs out of tree against $KBUILD"
make -s -C "$STATSFS_ROOT" KDIR="$KBUILD" LLVM="$KMAKE_LLVM" -j"$JOBS" modules

log "building the test modules against $KBUILD"
make -s -C "$KBUILD" M="$STATSFS_ROOT/tests/modules" LLVM="$KMAKE_LLVM" -j"$JOBS" modules
log "building the Rust sample against $KBUILD"
make -s -C "$KBUILD" M="$STATSFS_ROOT/samples" LLVM="$KMAKE_LLVM" -j"$JOBS" modules
mkdir -p "$OUT/modules/tests" "$OUT/modules/demo"
rm -f "$OUT"/modules/tests/*.ko "$OUT"/modules/demo/*.ko
cp "$STATSFS_ROOT"/tests/modules/*.ko "$STATSFS_ROOT"/samples/*.ko "$OUT/modules/tests/"
cp "$STATSFS_ROOT"/samples/*.ko "$OUT/modules/demo/"
