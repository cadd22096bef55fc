#!/usr/bin/env bash
# Installs every Debian package the project needs to build, run and test.
# Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
  build-essential cmake g++ pkg-config ninja-build
  libprotobuf-dev protobuf-compiler libgrpc++-dev
  libasio-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev libnl-route-3-dev libcap-dev libseccomp-dev
  qemu-system-x86 busybox-static cpio kmod xz-utils zstd lz4
  linux-source-6.1 bc bison flex libelf-dev libssl-dev
  iproute2 procps util-linux psmisc containernetworking-plugins iperf3 jq python3 curl git
  e2fsprogs xfsprogs xfslibs-dev fio iptables nftables squashfs-tools
  containerd runc podman conmon docker.io golang-go prometheus
  clang-16 libclang-rt-16-dev
)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: must run as root (it installs Debian packages)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
