#!/usr/bin/env bash
# Builds the lean guest kernel from Debian's kernel source (linux-source-6.1):
# `make allnoconfig` with vc.config (next to this script) on top, everything
# built in. Writes OUT/vmlinux: the uncompressed ELF kernel, which QEMU boots
# through its PVH entry point, and OUT/modules/: the modules vc.config leaves
# out of the image (stripped .ko files, modules.dep, modules.builtin), which
# the runtime sends to a guest that asks for one.
# The result is cached in CACHE/kernel-KEY/, KEY naming the source version,
# vc.config and this script: a second run with nothing changed copies it.
# Usage: build-kernel.sh --out DIR --cache DIR [--config FRAGMENT]
#   (--config: another fragment instead of vc.config, e.g. an earlier
#   revision's for bench/kernel.sh)
set -euo pipefail

die() { echo "build-kernel.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/vc.config
out="" cache=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --config) fragment=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -n "$out" ] && [ -n "$cache" ] || die "usage: build-kernel.sh --out DIR --cache DIR [--config FRAGMENT]"
[ -f "$fragment" ] || die "no configuration fragment $fragment"

tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || die "$tarball missing: install the Debian package linux-source-6.1 (scripts/setup.sh does)"
version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { echo "$version"; cat "$fragment" "$0"; } | sha256sum | cut -c1-16)
result=$cache/kernel-$key
mkdir -p "$out" "$cache"
cache=$(cd "$cache" && pwd)

if [ ! -f "$result/vmlinux" ]; then
  src=$cache/kernel-src-$version
  if [ ! -f "$src/Makefile" ]; then
    echo "guest kernel: unpacking linux-source $version"
    rm -rf "$src" "$src.tmp"
    mkdir -p "$src.tmp"
    tar -xf "$tarball" -C "$src.tmp" --strip-components=1
    mv "$src.tmp" "$src"
  fi
  # One object tree, rebuilt incrementally when vc.config changes.
  obj=$cache/kernel-obj
  mkdir -p "$obj"
  make -s -C "$src" O="$obj" ARCH=x86_64 allnoconfig KCONFIG_ALLCONFIG="$fragment" >/dev/null
  # Kconfig drops an option whose dependencies are off without a word: refuse.
  lost=$(grep -E '^CONFIG_' "$fragment" | while IFS= read -r line; do
           grep -qxF "$line" "$obj/.config" || echo "  $line"
         done)
  [ -z "$lost" ] || die "vc.config asks for options the configuration lost (missing dependencies?):
$lost"
  echo "guest kernel: building $(make -s -C "$src" O="$obj" kernelrelease) with $(nproc) jobs (about 9 minutes on 2 cores)"
  start=$SECONDS
  # Progress: one line per 300 build steps.
  targets=(vmlinux)
  modular=$(grep -qx 'CONFIG_MODULES=y' "$obj/.config" && echo yes || echo no)
  [ "$modular" = yes ] && targets+=(modules)
  make -C "$src" O="$obj" ARCH=x86_64 -j "$(nproc)" "${targets[@]}" 2>&1 |
    awk '
      /^  [A-Z]/ { n++; if (n % 300 == 0) { printf "guest kernel: %d steps\n", n; fflush() } }
      /(error|warning):|\*\*\*/ { print; fflush() }' ||
    die "kernel build failed (make -C $src O=$obj vmlinux)"
  rm -rf "$result.tmp"
  mkdir -p "$result.tmp"
  strip --strip-debug -o "$result.tmp/vmlinux" "$obj/vmlinux"
  make -s -C "$src" O="$obj" kernelrelease >"$result.tmp/kernel-release"
  if [ "$modular" = yes ]; then
    make -s -C "$src" O="$obj" ARCH=x86_64 INSTALL_MOD_PATH="$result.tmp/install" INSTALL_MOD_STRIP=1 \
      DEPMOD=/sbin/depmod modules_install >/dev/null || die "modules_install failed"
    mv "$result.tmp/install/lib/modules/$(cat "$result.tmp/kernel-release")" "$result.tmp/modules"
    rm -rf "$result.tmp/install" "$result.tmp/modules/build" "$result.tmp/modules/source"
  else
    mkdir -p "$result.tmp/modules"
  fi
  mv "$result.tmp" "$result"
  echo "guest kernel: built in $((SECONDS - start)) s"
fi
cp "$result/vmlinux" "$out/vmlinux.tmp" && mv "$out/vmlinux.tmp" "$out/vmlinux"
cp "$result/kernel-release" "$out/kernel-release"
rm -rf "$out/modules.tmp" && cp -r "$result/modules" "$out/modules.tmp" && rm -rf "$out/modules" && mv "$out/modules.tmp" "$out/modules"
echo "guest kernel: $(cat "$out/kernel-release"), vmlinux $(du -k "$out/vmlinux" | cut -f1) KiB," \
  "$(find "$out/modules" -name '*.ko' | wc -l) modules ($(du -sk "$out/modules" | cut -f1) KiB)"
