#!/bin/sh
# Installs what a fresh Debian 12 machine lacks to build and test sbx.
# Only missing packages are installed; needs root (or sudo) when any are.
set -eu
pkgs="build-essential autoconf automake pkg-config libarchive-dev libzstd-dev
liblmdb-dev libcurl4-openssl-dev libjansson-dev libssl-dev libcmocka-dev libpcre2-dev
zstd jq file zip unzip cpio tar bsdutils python3 xfsprogs e2fsprogs curl openssl tzdata"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
