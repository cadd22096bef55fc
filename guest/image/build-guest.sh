#!/usr/bin/env bash
# Builds the guest initramfs files, and the assets of Debian's cloud kernel
# (the lean kernel, OUT/vmlinux, comes from guest/kernel/build-kernel.sh):
#   OUT/initramfs.cpio         vc-agent as /init, for the lean kernel (everything built in)
#   OUT/debian/vmlinuz         Debian's cloud kernel (linux-image-cloud-amd64), unpacked, not installed
#   OUT/debian/vmlinux         the same kernel uncompressed: QEMU boots it through its PVH entry
#   OUT/debian/initramfs.cpio  vc-agent as /init + the kernel modules it needs: those it
#                              loads at boot (/etc/modules.order) and those it loads only
#                              once the VM has a NIC (/etc/modules.net)
#   OUT/debian/kernel-release  e.g. 6.1.0-56-cloud-amd64
#   OUT/console.cpio, OUT/debian/console.cpio
#                              the debug console's shell (Debian's static busybox as
#                              /bin/busybox): the host appends it to the initramfs of a
#                              sandbox started with the debug console, and only then
# Both initramfs files are uncompressed: under TCG, decompressing costs more than copying.
# Usage: build-guest.sh --agent PATH --out DIR [--cache DIR]
set -euo pipefail

# Modules the agent needs; their dependencies are added from modules.dep.
WANTED=(virtio virtio_ring virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev
        virtio_console fuse virtiofs virtio_blk overlay
        vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport)
# Loaded by the agent when the VM has (or is given) a NIC; with what they need
# beyond the boot modules.
WANTED_NET=(virtio_net)

die() { echo "build-guest.sh: $*" >&2; exit 1; }

agent="" out="" cache=""
while [ $# -gt 0 ]; do
  case "$1" in
    --agent) agent=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -n "$agent" ] && [ -n "$out" ] || die "usage: build-guest.sh --agent PATH --out DIR [--cache DIR]"
[ -x "$agent" ] || die "agent binary $agent not found"
cache=${cache:-$out/cache}
mkdir -p "$out/debian" "$cache"

# The versioned kernel package behind the metapackage.
kernel_package() {
  apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}'
}
pkg=$(kernel_package)
if [ -z "$pkg" ]; then
  apt-get update -q >/dev/null
  pkg=$(kernel_package)
fi
[ -n "$pkg" ] || die "cannot resolve linux-image-cloud-amd64 (apt-get update failed?)"

deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
  (cd "$cache" && { apt-get download -q "$pkg" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get download -q "$pkg" >/dev/null; }; }) \
    || die "apt-get download $pkg failed"
  deb=$(ls "$cache/${pkg}"_*.deb | head -1)
fi
tree="$cache/root-$(basename "$deb" .deb)"
if [ ! -d "$tree/boot" ]; then
  rm -rf "$tree.tmp"
  dpkg -x "$deb" "$tree.tmp"
  mv "$tree.tmp" "$tree"
fi
release=$(ls "$tree/lib/modules" | head -1)
moddir="$tree/lib/modules/$release"
[ -f "$tree/boot/vmlinuz-$release" ] || die "no kernel image in $deb"
# The package ships no modules.dep (depmod runs at install time): make it here.
[ -f "$moddir/modules.dep" ] || /sbin/depmod -b "$tree" "$release" || die "depmod failed"

# Resolves WANTED into a load order: every module after its dependencies.
declare -A path_of=() done_=()
while IFS= read -r line; do
  file=${line%%:*}
  name=$(basename "$file"); name=${name%%.ko*}
  path_of[${name//-/_}]=$file
done < "$moddir/modules.dep"
declare -A deps_of=()
while IFS= read -r line; do
  file=${line%%:*}; rest=${line#*:}
  name=$(basename "$file"); name=${name%%.ko*}
  deps_of[${name//-/_}]=$rest
done < "$moddir/modules.dep"
builtin() { grep -q "/$1.ko\$" "$moddir/modules.builtin" 2>/dev/null || grep -q "/${1//_/-}.ko\$" "$moddir/modules.builtin" 2>/dev/null; }

order=()
visit() {
  local name=$1 dep
  [ -n "${done_[$name]:-}" ] && return
  done_[$name]=1
  if [ -z "${path_of[$name]:-}" ]; then
    builtin "$name" && return
    [ "$name" = virtio_pci_legacy_dev ] && return  # absent in some kernels
    die "module $name not found in $release"
  fi
  for dep in ${deps_of[$name]}; do
    dep=$(basename "$dep"); dep=${dep%%.ko*}
    visit "${dep//-/_}"
  done
  order+=("${path_of[$name]}")
}
for m in "${WANTED[@]}"; do visit "$m"; done
boot_count=${#order[@]}
for m in "${WANTED_NET[@]}"; do visit "$m"; done

# The decompressed kernel inside a bzImage whose payload is LZ4 (Debian's):
# the payload starts at an LZ4 legacy frame magic; the first one that
# decompresses to an ELF file is it.
extract_vmlinux() {
  local bzimage=$1 dest=$2 offset
  for offset in $(LC_ALL=C grep -obUaP '\x02\x21\x4c\x18' "$bzimage" | cut -d: -f1); do
    # lz4 complains about the bytes after its frame; the ELF check decides.
    tail -c +$((offset + 1)) "$bzimage" | lz4 -dc >"$dest.tmp" 2>/dev/null || true
    if [ "$(head -c 4 "$dest.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && readelf -h "$dest.tmp" >/dev/null 2>&1; then
      mv "$dest.tmp" "$dest"
      return 0
    fi
  done
  rm -f "$dest.tmp"
  die "no LZ4-compressed ELF kernel found in $bzimage"
}

# make_initramfs DEST [MODULES...]: the agent as /init, and the modules (paths
# under $moddir; the first $boot_count load at boot, the rest with a NIC).
make_initramfs() {
  local dest=$1 stage rel src dst list i=0
  shift
  stage=$(mktemp -d "$out/.stage.XXXXXX")
  mkdir -p "$stage"/{dev,proc,sys,run,tmp,mnt,etc,lib/modules}
  # Debug info stays on the host; the guest loads every byte of the initramfs.
  strip --strip-all -o "$stage/init" "$agent"
  chmod 0755 "$stage/init"
  : >"$stage/etc/modules.order"
  : >"$stage/etc/modules.net"
  for rel in "$@"; do
    list=modules.order
    [ "$i" -ge "$boot_count" ] && list=modules.net
    i=$((i + 1))
    src="$moddir/$rel"
    dst="$stage/lib/modules/$release/${rel%.ko*}.ko"
    mkdir -p "$(dirname "$dst")"
    case "$rel" in
      *.ko.xz) xz -dc "$src" >"$dst" ;;
      *.ko.zst) zstd -qdc "$src" >"$dst" ;;
      *.ko.gz) gzip -dc "$src" >"$dst" ;;
      *) cp "$src" "$dst" ;;
    esac
    echo "/lib/modules/$release/${rel%.ko*}.ko" >>"$stage/etc/$list"
  done
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$dest.tmp"
  rm -rf "$stage"
  mv "$dest.tmp" "$dest"
}

# make_console DEST: the archive with /bin/busybox alone.
make_console() {
  local dest=$1 stage
  [ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"
  stage=$(mktemp -d "$out/.stage.XXXXXX")
  mkdir -p "$stage/bin"
  cp /bin/busybox "$stage/bin/busybox"
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$dest.tmp"
  rm -rf "$stage"
  mv "$dest.tmp" "$dest"
}

trap 'rm -rf "$out"/.stage.*' EXIT
make_initramfs "$out/initramfs.cpio"
make_initramfs "$out/debian/initramfs.cpio" "${order[@]}"
make_console "$out/console.cpio"
cp "$out/console.cpio" "$out/debian/console.cpio"
cp -p "$tree/boot/vmlinuz-$release" "$out/debian/vmlinuz.tmp" && mv "$out/debian/vmlinuz.tmp" "$out/debian/vmlinuz"
[ "$out/debian/vmlinux" -nt "$out/debian/vmlinuz" ] || extract_vmlinux "$out/debian/vmlinuz" "$out/debian/vmlinux"
echo "$release" >"$out/debian/kernel-release"
echo "guest: initramfs $(du -k "$out/initramfs.cpio" | cut -f1) KiB; Debian's kernel $release, ${#order[@]} modules, initramfs $(du -k "$out/debian/initramfs.cpio" | cut -f1) KiB"
