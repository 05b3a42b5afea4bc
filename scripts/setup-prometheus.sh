#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# promtool and the prometheus binary for statsfs-top's exporter test (make check only;
# make demo does not need them). Debian's package starts prometheus.service on a
# systemd host: a policy-rc.d forbids starting any service during the install, and the
# service is then stopped and disabled, so that nothing listens on :9090 afterwards.
# The test runs its own server on a free loopback port. Idempotent.
set -euo pipefail

log() { printf 'setup-prometheus: %s\n' "$*" >&2; }

if ! dpkg-query -W -f='${Status}' prometheus 2>/dev/null | grep -q 'ok installed'; then
	log "installing Debian's prometheus (promtool and the server binary)"
	policy=/usr/sbin/policy-rc.d
	saved=""
	if [ -e "$policy" ]; then
		saved=$(mktemp)
		cp -p "$policy" "$saved"
	fi
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	restore() {
		if [ -n "$saved" ]; then
			mv "$saved" "$policy"
		else
			rm -f "$policy"
		fi
	}
	trap restore EXIT
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
# On a systemd host: no Prometheus service left running or starting at boot.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now prometheus.service >/dev/null 2>&1 || true
fi
command -v promtool >/dev/null && command -v prometheus >/dev/null
