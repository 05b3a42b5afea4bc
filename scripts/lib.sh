# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared settings for the statsfs scripts. Sourced, not run.

# shellcheck disable=SC2034
STATSFS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KVER_PKG=linux-source-7.3
# Everything expensive lives here, outside the clone, and survives a fresh clone.
STATSFS_CACHE=${STATSFS_CACHE:-/var/cache/statsfs}
# The kernel is built with LLVM 19: KASAN and Rust together need clang (see TOOLCHAIN).
KMAKE_LLVM=${KMAKE_LLVM:--19}
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
export PATH="$HOME/.cargo/bin:$PATH"
JOBS=${JOBS:-$(($(nproc) + 1))}
# Cargo's target directory, one per clone: two clones sharing one would copy each
# other's statsfs-top (cargo keeps a fingerprint per source path, one binary per name).
CARGO_TARGET_DIR=$STATSFS_CACHE/cargo-target/$(printf %s "$STATSFS_ROOT" | md5sum | cut -c1-12)
export CARGO_TARGET_DIR

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }

# A test run whose build failed: counted as one failure, in the run's last line.
fail_build() {
	echo "FAIL build: $1 (see the output above)"
	echo "0 passed, 1 failed"
	exit 1
}

die() { log "error: $*"; exit 1; }

# The files Debian's python3.11 loads to run kvm_stat's imports, one absolute path a
# line: what the guests' python needs (stage-python.sh, stage-arm64-userland.sh).
kvm_stat_python_files() {
	/usr/bin/python3.11 - <<'PY'
import importlib, sys
for name in ("curses", "locale", "os", "time", "argparse", "ctypes", "fcntl", "resource",
             "struct", "re", "subprocess", "signal", "collections", "functools",
             "datetime", "__future__", "encodings.ascii", "encodings.latin_1"):
    importlib.import_module(name)
for mod in list(sys.modules.values()):
    f = getattr(mod, "__file__", None)
    if f and f.startswith("/"):
        print(f)
PY
}

# The kernel source tree (patched, with statsfs grafted in) and the build tree of the
# kernel variant: "debug" (the test kernel: KASAN, lockdep, UBSAN, kmemleak, KUnit),
# "prod" (the production kernel `make bench` measures on), both x86_64, or "arm64"
# (`make check-arm64`: a small arm64 kernel with lockdep and KUnit, statsfs and KVM
# built in). All build from one source. KARCH is the kernel's ARCH= (empty: the
# host's, as the x86 trees were configured), KIMAGE the image the guest boots,
# relative to the build tree.
KSRC=$STATSFS_CACHE/linux-7.3
KERNEL_VARIANT=${KERNEL_VARIANT:-debug}
KARCH=
KIMAGE=arch/x86/boot/bzImage
case "$KERNEL_VARIANT" in
debug) KBUILD=$STATSFS_CACHE/build-7.3 ;;
prod) KBUILD=$STATSFS_CACHE/build-7.3-prod ;;
arm64)
	KBUILD=$STATSFS_CACHE/build-7.3-arm64
	KARCH=arm64
	KIMAGE=arch/arm64/boot/Image
	;;
*) echo "KERNEL_VARIANT must be debug, prod or arm64" >&2; exit 1 ;;
esac

# One kernel build at a time on this machine, whichever clone or worktree starts it (two
# would share the source tree in $STATSFS_CACHE and halve each other's cores). Held until
# the calling script exits.
kbuild_lock() {
	mkdir -p "$STATSFS_CACHE"
	exec 9>"$STATSFS_CACHE/.kbuild.lock"
	flock -n 9 || { log "waiting for another kernel build to finish"; flock 9; }
}

# The Debian mirror this machine already uses, read from its own apt configuration,
# so that no host name is written anywhere here.
debian_mirror() {
	local mirror
	mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	if [ -z "$mirror" ]; then
		mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list 2>/dev/null || true)
	fi
	[ -n "$mirror" ] || die "cannot find the configured Debian mirror"
	echo "$mirror"
}

kmake() {
	make -C "$KSRC" O="$KBUILD" ${KARCH:+ARCH="$KARCH"} LLVM="$KMAKE_LLVM" -j"$JOBS" "$@"
}
