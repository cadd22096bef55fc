#!/usr/bin/env bash
# Copies programs of the host (Debian's iproute2, iptables, nftables ...) into
# a container root file system, with the shared libraries they load, so the
# end-to-end tests can run the real tools in a container under runc and in a
# VM. Also the xtables extensions and iptables' backend names.
#   tests/tools/copy-host-tools.sh ROOTFS PROGRAM...
set -euo pipefail
root=${1:?usage: copy-host-tools.sh ROOTFS PROGRAM...}
shift
copy() {  # a file, at the same path in the root
  mkdir -p "$root$(dirname "$1")"
  cp -L "$1" "$root$1"
}
libs_of() {  # the shared objects a binary loads, the loader among them
  ldd "$1" 2>/dev/null | awk '/=> \// {print $3} /^\t\/.*ld-linux/ {print $1}'
}
for program in "$@"; do
  path=$(command -v "$program") || { echo "copy-host-tools.sh: $program is not installed" >&2; exit 1; }
  path=$(readlink -f "$path")
  copy "$path"
  for lib in $(libs_of "$path"); do copy "$lib"; done
  case "$(basename "$path")" in
    xtables-legacy-multi|xtables-nft-multi)
      backend=${path##*xtables-}; backend=${backend%-multi}
      for name in iptables ip6tables; do
        ln -sf "$(basename "$path")" "$root$(dirname "$path")/$name-$backend"
      done
      for ext in /usr/lib/x86_64-linux-gnu/xtables/*.so; do
        copy "$ext"
        for lib in $(libs_of "$ext"); do copy "$lib"; done
      done ;;
  esac
done
