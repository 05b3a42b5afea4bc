#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Download Debian's linux-source-7.3 package through a private apt configuration that
# reuses this machine's configured Debian mirror, and extract it into the cache.
# The system's apt sources are never modified. Prints the source tarball path.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

dl=$STATSFS_CACHE/download
tarball=$dl/linux-source-7.3.tar.xz
if [ -s "$tarball" ]; then
	echo "$tarball"
	exit 0
fi
mkdir -p "$dl/apt/lists/partial" "$dl/apt/cache/archives/partial"

mirror=$(debian_mirror)
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main" \
	>"$dl/apt/sources.list"

apt_private=(
	-o "Dir::Etc::SourceList=$dl/apt/sources.list"
	-o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::State::Lists=$dl/apt/lists"
	-o "Dir::Cache=$dl/apt/cache"
	-o "APT::Sandbox::User=root"
)
log "downloading $KVER_PKG from $mirror (trixie-backports, private apt config)"
apt-get -qq "${apt_private[@]}" update
(cd "$dl" && apt-get -qq "${apt_private[@]}" download "$KVER_PKG")
# shellcheck disable=SC2012 # one .deb, named by Debian
deb=$(ls -t "$dl"/"$KVER_PKG"_*.deb | head -n 1)
rm -rf "$dl/deb"
dpkg-deb -x "$deb" "$dl/deb"
mv "$dl/deb/usr/src/linux-source-7.3.tar.xz" "$tarball"
rm -rf "$dl/deb" "$deb"
echo "$tarball"
