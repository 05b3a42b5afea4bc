#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make kunit`: run statsfs's KUnit suites the way a kernel developer with statsfs in
# tree does: tools/testing/kunit/kunit.py run --kunitconfig fs/statsfs, on QEMU x86_64.
# kunit.py builds its own kernel (statsfs built in) from fs/statsfs/.kunitconfig in
# $STATSFS_CACHE/kunit, boots it and parses the KTAP. Not part of `make check`, which runs
# the same suites at insmod on the debug kernel.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
"$STATSFS_ROOT/scripts/setup.sh"
"$STATSFS_ROOT/scripts/build-kernel.sh" >/dev/null	# the source tree with statsfs grafted in
cd "$KSRC"
args=(--kunitconfig fs/statsfs --arch x86_64 --build_dir "$STATSFS_CACHE/kunit"
	--make_options LLVM="$KMAKE_LLVM" --jobs "$JOBS" --timeout 600 "$@")
# kunit.py asks QEMU for KVM first; this machine's KVM cannot run the guest (it hangs
# before printing anything), so QEMU must fall back to TCG: hide /dev/kvm from it.
if [ -e /dev/kvm ] && command -v unshare >/dev/null; then
	# shellcheck disable=SC2016 # expanded by the inner shell
	exec unshare --mount sh -c 'mount --bind /dev/null /dev/kvm && exec "$0" "$@"' \
		python3 tools/testing/kunit/kunit.py run "${args[@]}"
fi
exec python3 tools/testing/kunit/kunit.py run "${args[@]}"
