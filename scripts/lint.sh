#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks, printed as KTAP (suite "lint"): rustfmt with the kernel's config, clippy
# with the kernel's lints (CLIPPY=1 build, warnings are failures), checkpatch --strict on
# the C files, the header and the KVM patch series, kernel-doc on the header; cargo fmt
# and clippy on tools/statsfs-top.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out}
mkdir -p "$OUT/lint"
cd "$STATSFS_ROOT" || exit 1

# The kernel's Rust; tools/ is userspace Rust, checked with cargo's own tools.
rust_files=$(git ls-files '*.rs' ':!tools/')
c_files=$(git ls-files 'src/*.c' 'src/*.h' 'include/linux/*.h' 'tests/modules/*.c' 'samples/*.c' \
	'netdev/*.c')

n=0
failed=0
results=()
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$OUT/lint/$name.log" 2>&1; then
		results+=("    ok $n $name")
	else
		failed=1
		while IFS= read -r line; do
			results+=("    # $line")
		done < <(head -n 40 "$OUT/lint/$name.log")
		results+=("    not ok $n $name")
	fi
}

rustfmt_check() {
	# shellcheck disable=SC2086
	rustfmt --edition 2021 --config-path "$KSRC/.rustfmt.toml" --check $rust_files
}

clippy_check() {
	make -s -C "$KBUILD" M="$STATSFS_ROOT" LLVM="$KMAKE_LLVM" CLIPPY=1 \
		CONFIG_STATS_FS=m -j"$JOBS" modules 2>&1 | tee /dev/stderr |
		{ ! grep -E '^(warning|error)'; }
	make -s -C "$KBUILD" M="$STATSFS_ROOT/samples" LLVM="$KMAKE_LLVM" CLIPPY=1 \
		-j"$JOBS" modules 2>&1 | tee /dev/stderr | { ! grep -E '^(warning|error)'; }
}

# statsfs-top: rustfmt's defaults and clippy's (warnings are failures).
tool_check() {
	cargo fmt --check \
		--manifest-path tools/statsfs-top/Cargo.toml &&
		cargo clippy --locked -q \
			--all-targets --manifest-path tools/statsfs-top/Cargo.toml -- -D warnings
}

# EXPORT_SYMBOL is ignored: the exported functions are defined in Rust, so their
# exports cannot follow their definitions (as in nova-core's nova_core_exports.c).
checkpatch_strict() {
	# shellcheck disable=SC2086
	"$KSRC/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
		--ignore FILE_PATH_CHANGES,EXPORT_SYMBOL -f $c_files
}

# The KVM series as posted: every patch but the cover letter (no diff). New files
# always draw "does MAINTAINERS need updating?"; they fall under KVM's entries.
checkpatch_series() {
	local p rc=0
	for p in kernel/patches/*.patch; do
		grep -q '^diff --git ' "$p" || continue
		# On stdin: a file of this git tree would be checked as a source file.
		"$KSRC/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
			--ignore FILE_PATH_CHANGES - <"$p" || rc=1
	done
	return $rc
}

kernel_doc() {
	"$KSRC/scripts/kernel-doc" -Wall -none include/linux/stats_fs.h 2>&1 | tee /dev/stderr |
		{ ! grep -q .; }
}

# Force the Rust objects to be compiled again under clippy.
touch src/statsfs_main.rs samples/rust_stats_fs_sample.rs
check rustfmt rustfmt_check
check clippy clippy_check
check checkpatch_strict checkpatch_strict
check checkpatch_kvm_series checkpatch_series
check kernel_doc kernel_doc
check statsfs_top_fmt_clippy tool_check

echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: lint"
echo "    1..$n"
printf '%s\n' "${results[@]}"
if [ "$failed" = 0 ]; then echo "ok 1 lint"; else echo "not ok 1 lint"; fi
