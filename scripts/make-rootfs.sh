#!/usr/bin/env bash
# Makes a minimal container root filesystem from Debian's busybox-static:
#   scripts/make-rootfs.sh DIR
set -euo pipefail
dir=${1:?usage: make-rootfs.sh DIR}
busybox=/bin/busybox
if ldd "$busybox" >/dev/null 2>&1; then
  echo "make-rootfs.sh: $busybox is not static: install busybox-static (scripts/setup.sh)" >&2
  exit 1
fi
mkdir -p "$dir"/{bin,dev,proc,sys,tmp,etc,root,run}
cp "$busybox" "$dir/bin/busybox"
for applet in $("$busybox" --list); do
  [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$dir/etc/passwd"
echo "root:x:0:" > "$dir/etc/group"
chmod 1777 "$dir/tmp"
