#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Stage a minimal CPython for the guest in $OUT/python-root, so that the kernel's own
# kvm_stat (tools/kvm/kvm_stat/kvm_stat, unmodified) runs there: Debian's python3.11,
# the shared libraries it and its extension modules need, and the standard-library
# files that kvm_stat's imports load (found by importing them on the host).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out}
dest=$OUT/python-root
py=/usr/bin/python3.11

[ -x "$py" ] || die "$py is missing (Debian's python3 package)"
rm -rf "$dest"
mkdir -p "$dest/usr/bin"

# Every file the interpreter loads to run kvm_stat's imports.
files=$(kvm_stat_python_files)
for f in $files; do
	mkdir -p "$dest$(dirname "$f")"
	cp "$f" "$dest$f"
done
cp "$py" "$dest/usr/bin/python3"

# The shared libraries of the interpreter and of the extension modules, and the loader.
for elf in "$py" $(printf '%s\n' "$files" | grep '\.so$'); do
	ldd "$elf" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
done | sort -u | while read -r lib; do
	mkdir -p "$dest$(dirname "$lib")"
	cp -L "$lib" "$dest$lib"
done
log "staged python for the guest: $(du -sh "$dest" | cut -f1)"
