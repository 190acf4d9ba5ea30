#!/usr/bin/env bash
# Fetches Debian's debug interpreter (python3.11d, with its debug-ABI extension modules) into
# a private directory, without installing it: installing python3.11-dbg would upgrade the
# system's python3.11. Used by generate.py for the `debian-3.11d` label.
set -euo pipefail
dest=${1:-/tmp/pycore-debian-dbg}
mkdir -p "$dest" && cd "$dest"
apt-get download python3.11-dbg libpython3.11-dbg >/dev/null
for deb in ./*.deb; do dpkg-deb -x "$deb" root; done
echo "$dest/root/usr/bin/python3.11d"
