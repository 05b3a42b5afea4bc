#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: set up, build, boot the guest, load statsfs, mount it, start KVM VMs
# and show the tree.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
"$STATSFS_ROOT/scripts/setup.sh"
"$STATSFS_ROOT/scripts/build-kernel.sh"
"$STATSFS_ROOT/scripts/build-guest-tests.sh"
"$STATSFS_ROOT/scripts/run-guest.sh" demo
