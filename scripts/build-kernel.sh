#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test kernel and the in-tree statsfs module, incrementally.
#
# The source tree and build tree live in $STATSFS_CACHE, outside the clone. The kernel
# proper is rebuilt only when its inputs change (kernel version, config fragment, patch
# series, statsfs Kconfig); statsfs itself is synced into fs/statsfs/ by content, so an
# unchanged file keeps its mtime and a changed one rebuilds just what depends on it.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
kbuild_lock

tarball=$("$STATSFS_ROOT/scripts/fetch-kernel.sh")
# x86: the common fragment and the variant's; arm64: a fragment of its own (the
# common one is about an x86 PC: 8250 UART, ACPI, KVM guest support).
frags=()
[ "$KARCH" = arm64 ] || frags+=("$STATSFS_ROOT/kernel/config.fragment")
frags+=("$STATSFS_ROOT/kernel/config.$KERNEL_VARIANT")
series_dir=$STATSFS_ROOT/kernel/patches

# 1. Extract once.
if [ ! -e "$KSRC/.statsfs-extracted" ]; then
	log "extracting $(basename "$tarball")"
	rm -rf "$KSRC" "$KSRC.tmp"
	mkdir -p "$KSRC.tmp"
	tar -C "$KSRC.tmp" -xaf "$tarball" --strip-components=1
	mv "$KSRC.tmp" "$KSRC"
	touch "$KSRC/.statsfs-extracted"
fi
kversion=$(make -s -C "$KSRC" kernelversion)

# 2. Patch series: revert what was applied if the series changed, then apply it.
# A file that comes out of that with the content it had keeps its mtime, so that
# adding a patch for one architecture rebuilds nothing of another; a file whose
# content changed gets a fresh mtime, so make rebuilds exactly what depends on it.
applied=$KSRC/.statsfs-patches
mkdir -p "$applied"
# The series in name order; a file with no diff (the cover letter) is not applied.
series=()
for p in "$series_dir"/*.patch; do
	[ -e "$p" ] && grep -q '^diff --git ' "$p" && series+=("$p")
done
want=$(cat "${series[@]}" /dev/null | sha256sum | cut -d' ' -f1)
have=$(cat "$applied/.sum" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
	keep=$KSRC/.statsfs-mtimes
	rm -rf "$keep"
	mkdir -p "$keep"
	# Every file the old and the new series touch: its content and mtime, before.
	old_series=()
	for p in "$applied"/*.patch; do
		[ -e "$p" ] && old_series+=("$p")
	done
	touched=$(cat "${old_series[@]}" "${series[@]}" /dev/null |
		sed -n 's|^+++ b/||p; s|^--- a/||p' | sort -u)
	for f in $touched; do
		[ -f "$KSRC/$f" ] || continue
		mkdir -p "$keep/$(dirname "$f")"
		cp -p "$KSRC/$f" "$keep/$f"
	done
	for ((i = ${#old_series[@]} - 1; i >= 0; i--)); do
		p=${old_series[i]}
		log "reverting $(basename "$p")"
		patch -d "$KSRC" -p1 -R -s <"$p"
		rm "$p"
	done
	for p in "${series[@]}"; do
		log "applying $(basename "$p")"
		patch -d "$KSRC" -p1 -s -N <"$p"
		cp "$p" "$applied/"
	done
	for f in $touched; do
		if [ -f "$keep/$f" ] && cmp -s "$keep/$f" "$KSRC/$f"; then
			touch -r "$keep/$f" "$KSRC/$f"
		fi
	done
	rm -rf "$keep"
	echo "$want" >"$applied/.sum"
fi

# 3. Graft statsfs in as fs/statsfs (the in-tree build KVM will depend on).
grep -q 'fs/statsfs/Kconfig' "$KSRC/fs/Kconfig" ||
	sed -i '\|^source "fs/configfs/Kconfig"|a source "fs/statsfs/Kconfig"' "$KSRC/fs/Kconfig"
# shellcheck disable=SC2016 # a make variable, not a shell one
grep -q 'CONFIG_STATS_FS' "$KSRC/fs/Makefile" ||
	echo 'obj-$(CONFIG_STATS_FS)		+= statsfs/' >>"$KSRC/fs/Makefile"
mkdir -p "$KSRC/fs/statsfs"
rsync -rc --delete --exclude='*.o' --exclude='.*.cmd' --exclude='*.ko' --exclude='*.mod*' \
	--exclude='modules.order' --exclude='*.rmeta' \
	"$STATSFS_ROOT/Kbuild" "$STATSFS_ROOT/Kconfig" "$STATSFS_ROOT/.kunitconfig" \
	"$STATSFS_ROOT/src" "$STATSFS_ROOT/include" \
	"$KSRC/fs/statsfs/"
if compgen -G "$STATSFS_ROOT/include/linux/*.h" >/dev/null; then
	rsync -c "$STATSFS_ROOT/include/linux/"*.h "$KSRC/include/linux/"
fi

# 4. Configure when the fragment or the statsfs Kconfig changed.
mkdir -p "$KBUILD"
cfgsum=$(cat "${frags[@]}" "$STATSFS_ROOT/Kconfig" | sha256sum | cut -d' ' -f1)
if [ "$cfgsum" != "$(cat "$KBUILD/.statsfs-config" 2>/dev/null || true)" ] ||
	[ ! -e "$KBUILD/.config" ]; then
	log "configuring the $KERNEL_VARIANT kernel $kversion (allnoconfig + ${frags[*]##*/})"
	cat "${frags[@]}" | grep -v '^#' | grep . >"$KBUILD/fragment.config"
	KCONFIG_ALLCONFIG="$KBUILD/fragment.config" kmake -s allnoconfig
	# Kconfig drops what it cannot satisfy (RUST without clang under KASAN, say): fail loudly.
	missing=0
	while IFS= read -r line; do
		grep -qx "$line" "$KBUILD/.config" || { log "not in .config: $line"; missing=1; }
	done <"$KBUILD/fragment.config"
	[ "$missing" = 0 ] || die "the kernel config lost options asked for in kernel/config.*"
	echo "$cfgsum" >"$KBUILD/.statsfs-config"
fi

# 5. Build. With nothing changed this only walks the tree. The arm64 kernel has no
# modules (statsfs and KVM are built in); its UAPI headers are what the arm64 test
# programs compile against.
targets=(bzImage modules)
[ "$KARCH" = arm64 ] && targets=(Image headers)
start=$(date +%s)
log "building the $KERNEL_VARIANT kernel's ${targets[*]} ($kversion, -j$JOBS, LLVM$KMAKE_LLVM)"
kmake -s "${targets[@]}"
log "kernel build took $(($(date +%s) - start)) s"
