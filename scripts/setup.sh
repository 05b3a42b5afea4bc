#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing statsfs needs on a Debian 12 machine.
# Idempotent: each step checks before it acts, so a second run does nothing.
# Must run as root. Touches no apt sources of the system.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }

PKGS=(
	bc bison flex cpio kmod rsync libelf-dev libssl-dev make python3 xz-utils
	gcc libc6-dev perl git
	clang-19 lld-19 llvm-19 libclang-19-dev
	qemu-system-x86 busybox-static
	qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross file
	debian-archive-keyring
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	log "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Rust: the kernel needs the standard library source and bindgen.
if ! command -v rustup >/dev/null 2>&1; then
	export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
	log "adding rust-src"
	rustup component add rust-src
fi
if ! command -v bindgen >/dev/null 2>&1; then
	log "installing bindgen-cli (about 2 minutes)"
	cargo install --locked bindgen-cli
fi
log "toolchain ready"
