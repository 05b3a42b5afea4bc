#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test, KTAP suite "oot_build": statsfs builds out of tree against a Rust-enabled
# kernel whose configuration has no STATS_FS (the README's "any Rust-enabled 7.3 kernel").
#
# The kernel is the test kernel with STATS_FS taken out of its configuration: a copy of
# its build tree made of hard links ($STATSFS_CACHE/build-7.3-nostatsfs), in which the
# configuration files are replaced (never written through a link) without the STATS_FS
# symbols. statsfs is copied to a scratch directory and built there with `make KDIR=`.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out}
copy=$STATSFS_CACHE/build-7.3-nostatsfs
scratch=$OUT/oot-build
n=0
failed=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "    ok $n $2"
	else
		failed=1
		sed 's/^/    # /' "$OUT/oot-build.log" | tail -n 30
		echo "    not ok $n $2"
	fi
}

make_copy() {
	rm -rf "$copy" "$copy.tmp"
	cp -al "$KBUILD" "$copy.tmp" || return 1
	# Real copies, not links, of everything a build could write: the top-level files
	# (Makefile, Module.symvers, ...) and the generated configuration.
	(cd "$KBUILD" && find . -maxdepth 1 -type f -print0 |
		xargs -0 -I{} cp --remove-destination {} "$copy.tmp/{}") || return 1
	rm -rf "$copy.tmp/include/config" "$copy.tmp/include/generated"
	cp -r "$KBUILD/include/config" "$KBUILD/include/generated" "$copy.tmp/include/" ||
		return 1
	local f
	for f in .config include/config/auto.conf include/generated/autoconf.h \
		include/generated/rustc_cfg; do
		# A new file again: the test kernel's own file keeps its content.
		grep -v 'STATS_FS' "$copy.tmp/$f" >"$copy.tmp/$f.new" &&
			mv "$copy.tmp/$f.new" "$copy.tmp/$f" || return 1
	done
	# The build directory's Makefile names its output directory: make it the copy.
	rm "$copy.tmp/Makefile"
	printf 'export KBUILD_OUTPUT = %s\ninclude %s/Makefile\n' "$copy" "$KSRC" \
		>"$copy.tmp/Makefile"
	mv "$copy.tmp" "$copy"
}

echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: oot_build"
{
	# A fresh copy whenever the test kernel was rebuilt.
	if [ ! -e "$copy/.config" ] || [ "$KBUILD/vmlinux" -nt "$copy/.config" ] ||
		[ "$KBUILD/include/generated/rustc_cfg" -nt "$copy/.config" ]; then
		make_copy
	fi &&
		! grep -q 'STATS_FS' "$copy/include/generated/autoconf.h" "$copy/.config" &&
		grep -q "KBUILD_OUTPUT = $copy\$" "$copy/Makefile"
} >"$OUT/oot-build.log" 2>&1
result $? kernel_config_without_statsfs

{
	rm -rf "$scratch" && mkdir -p "$scratch" &&
		cp -r "$STATSFS_ROOT/Kbuild" "$STATSFS_ROOT/Makefile" "$STATSFS_ROOT/src" \
			"$STATSFS_ROOT/include" "$scratch/" &&
		find "$scratch" \( -name '*.o' -o -name '.*.cmd' -o -name '*.ko' \) -delete &&
		make -C "$scratch" KDIR="$copy" LLVM="$KMAKE_LLVM" -j"$JOBS" modules &&
		[ -e "$scratch/statsfs.ko" ]
} >"$OUT/oot-build.log" 2>&1
result $? statsfs_builds_out_of_tree

echo "    1..$n"
if [ "$failed" = 0 ]; then echo "ok 1 oot_build"; else echo "not ok 1 oot_build"; fi
