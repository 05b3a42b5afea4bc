#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The arm64 guest's userland, from Debian's arm64 packages: busybox, and a minimal
# CPython for the kernel's kvm_stat (as scripts/stage-python.sh stages the x86 one).
#
# The .debs come through a private apt configuration (architecture arm64, this
# machine's own Debian mirror and release, lists and cache under $STATSFS_CACHE/arm64):
# the system's apt configuration and architectures are never touched. They are
# unpacked with dpkg-deb into $STATSFS_CACHE/arm64/root once; the guest's files are
# copied from there into $OUT/arm64-root on every run (cheap).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out}
cache=$STATSFS_CACHE/arm64
debroot=$cache/root
dest=$OUT/arm64-root

# What the guest runs: busybox, python3.11 and the libraries of the extension
# modules kvm_stat's imports load (curses, ctypes).
PKGS=(
	busybox-static libc6 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
	zlib1g libexpat1 libncursesw6 libtinfo6 libffi8
)

want=$(printf '%s\n' "${PKGS[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$debroot/.statsfs-pkgs" 2>/dev/null || true)" != "$want" ]; then
	mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial" "$cache/debs"
	mirror=$(debian_mirror)
	release=$(. /etc/os-release && echo "$VERSION_CODENAME")
	echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $release main" \
		>"$cache/apt/sources.list"
	apt_private=(
		-o "Dir::Etc::SourceList=$cache/apt/sources.list"
		-o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::State::Lists=$cache/apt/lists"
		-o "Dir::State::Status=/dev/null"
		-o "Dir::Cache=$cache/apt/cache"
		-o "APT::Architecture=arm64"
		-o "APT::Architectures=arm64"
		-o "APT::Sandbox::User=root"
	)
	log "downloading arm64 packages from $mirror ($release, private apt config): ${PKGS[*]}"
	apt-get -qq "${apt_private[@]}" update
	rm -f "$cache"/debs/*.deb
	(cd "$cache/debs" && apt-get -qq "${apt_private[@]}" download "${PKGS[@]/%/:arm64}")
	rm -rf "$debroot"
	mkdir -p "$debroot"
	for deb in "$cache"/debs/*.deb; do
		dpkg-deb -x "$deb" "$debroot"
	done
	echo "$want" >"$debroot/.statsfs-pkgs"
fi

rm -rf "$dest"
mkdir -p "$dest/bin" "$dest/usr/bin"
cp "$debroot/bin/busybox" "$dest/bin/busybox"
file -L "$dest/bin/busybox" | grep -q 'ARM aarch64.*statically linked' ||
	die "$debroot/bin/busybox is not a static arm64 binary"

# The interpreter's files for kvm_stat's imports: the standard-library files the
# host's python3.11 (the same Debian version) loads for them, at the same paths, with
# aarch64 in the names of the extension modules. (What the host's site-packages
# loads at startup is not Debian's python and not needed.)
py=/usr/bin/python3.11
[ -x "$py" ] || die "$py is missing (Debian's python3 package): it lists kvm_stat's imports"
files=$(kvm_stat_python_files | grep '^/usr/lib/python3.11/' |
	sed 's/x86_64-linux-gnu/aarch64-linux-gnu/')
for f in $files; do
	[ -e "$debroot$f" ] || die "$f is not in the arm64 packages"
	mkdir -p "$dest$(dirname "$f")"
	cp "$debroot$f" "$dest$f"
done
cp "$debroot/usr/bin/python3.11" "$dest/usr/bin/python3"

# The shared libraries they need, found in the arm64 root (ldd cannot run arm64
# binaries here): readelf's NEEDED entries, followed until nothing is new.
libdirs=(/lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)
needed_of() {
	readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}
queue=("$dest/usr/bin/python3")
while IFS= read -r so; do queue+=("$so"); done < <(find "$dest" -name '*.so')
seen=" "
while [ "${#queue[@]}" -gt 0 ]; do
	elf=${queue[0]}
	queue=("${queue[@]:1}")
	for lib in $(needed_of "$elf"); do
		case "$seen" in *" $lib "*) continue ;; esac
		seen+="$lib "
		found=
		for d in "${libdirs[@]}"; do
			if [ -e "$debroot$d/$lib" ]; then
				found=$d/$lib
				break
			fi
		done
		[ -n "$found" ] || die "$elf needs $lib, which is not in the arm64 packages"
		mkdir -p "$dest$(dirname "$found")"
		cp -L "$debroot$found" "$dest$found"
		queue+=("$dest$found")
	done
done
# The dynamic loader, at the path in the interpreter's PT_INTERP.
interp=$(readelf -l "$dest/usr/bin/python3" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
[ -n "$interp" ] || die "no PT_INTERP in $dest/usr/bin/python3"
mkdir -p "$dest$(dirname "$interp")"
cp -L "$debroot$interp" "$dest$interp"
log "staged the arm64 userland: $(du -sh "$dest" | cut -f1)"
