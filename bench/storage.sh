#!/usr/bin/env bash
# Storage in a container, side by side in one run: the same fio jobs and the
# same untar of many small files on the host (a directory of the file system
# that holds the images), then in a container on each way a volume reaches
# the guest: virtio-fs and virtio-9p (the host directory shared), virtio-blk
# and virtio-scsi (an ext4 image on that same file system, attached as a
# disk). Prints one table with each figure's ratio to the host's.
#   bench/storage.sh [SIZE_MIB] [SECONDS] [FILES]
#     defaults: 64 MiB files, 5 s per random job, 10000 small files
#     (needs root, fio and a build: scripts/setup.sh, scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-64}
seconds=${2:-5}
files=${3:-10000}
build=$PWD/build
virtc=$build/bin/virtc
for need in "$virtc" "$build/guest/vmlinux" "$build/guest/initramfs.cpio"; do
  [ -e "$need" ] || { echo "missing $need: run scripts/build.sh" >&2; exit 1; }
done
for tool in fio jq mkfs.ext4 ldd; do
  command -v "$tool" >/dev/null || { echo "$tool missing: run scripts/setup.sh" >&2; exit 1; }
done

work=$(mktemp -d /tmp/vc-bench-storage.XXXXXX)
root=$work/root
source bench/lib.sh
trap remove_sandboxes_and_work EXIT

# The container's root: busybox, and Debian's fio with the libraries it loads.
rootfs=$work/rootfs
bash scripts/make-rootfs.sh "$rootfs"
fio=$(command -v fio)
mkdir -p "$rootfs/usr/bin"
cp "$fio" "$rootfs/usr/bin/fio"
for lib in $(ldd "$fio" | grep -o '/[^ ]*'); do cp --parents -L "$lib" "$rootfs/"; done

# The small files: a tree of $files files of 100 bytes, 100 per directory.
mkdir -p "$work/tree"
for d in $(seq 0 $(( (files - 1) / 100 ))); do
  mkdir "$work/tree/d$d"
  for f in $(seq 0 99); do
    [ $(( d * 100 + f )) -lt "$files" ] || break
    head -c 100 /dev/zero > "$work/tree/d$d/f$f"
  done
done
tar -C "$work" -cf "$rootfs/tree.tar" tree
rm -rf "$work/tree"

# The jobs, the same everywhere: in directory $1; one JSON line per fio job,
# then the untar's milliseconds. fio: buffered I/O (what applications do),
# writes synced at their end, each file's cache dropped before its job.
cat > "$rootfs/storage-jobs.sh" <<EOF
#!/bin/sh
set -e
dir=\$1
fio=\${FIO:-/usr/bin/fio}
tree=\${TREE:-/tree.tar}
job() { n=\$1; shift; \$fio --name=\$n --directory=\$dir --filename=bench.dat --size=${size}M --ioengine=psync --output-format=json "\$@" | tr -d '\n'; echo; }
job seqwrite --rw=write --bs=1M --end_fsync=1
job randread --rw=randread --bs=4k --runtime=$seconds --time_based
job randwrite --rw=randwrite --bs=4k --runtime=$seconds --time_based --end_fsync=1
rm -f \$dir/bench.dat
# /proc/uptime: 10 ms steps, the same clock in the guest and on the host.
start=\$(cut -d' ' -f1 /proc/uptime)
tar -C \$dir -xf \$tree
sync
end=\$(cut -d' ' -f1 /proc/uptime)
echo "untar_ms \$(echo "\$start \$end" | awk '{printf "%d", (\$2 - \$1) * 1000}')"
EOF
chmod +x "$rootfs/storage-jobs.sh"

# The host's run: in a directory on the same file system as the images.
host_dir=$work/host
mkdir -p "$host_dir"
FIO="$fio" TREE="$rootfs/tree.tar" sh "$rootfs/storage-jobs.sh" "$host_dir" > "$work/host.out" 2>&1

# A container whose /data is the volume; $1: the way, $2: its spec mount.
run_in() {  # NAME MOUNT-JSON [VIRTC-OPTIONS...]
  local name=$1 mount=$2; shift 2
  local bundle=$work/bundle-$name
  mkdir -p "$bundle"
  ln -sfn "$rootfs" "$bundle/rootfs"
  cat > "$bundle/config.json" <<EOF
{"ociVersion": "1.0.2", "root": {"path": "rootfs"},
 "process": {"args": ["/storage-jobs.sh", "/data"], "cwd": "/", "env": ["PATH=/usr/bin:/bin:/sbin"]},
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}, $mount]}
EOF
  "$virtc" --root "$root" --memory 512 "$@" run --bundle "$bundle" > "$work/$name.out" 2>&1 || {
    echo "$name failed:" >&2; tail -5 "$work/$name.out" >&2; return 1; }
}

share=$work/share
mkdir -p "$share"
bind='{"destination": "/data", "type": "bind", "source": "'$share'", "options": ["rbind"]}'
image=$work/data.img
disk='{"destination": "/data", "type": "ext4", "source": "'$image'"}'
fresh_image() { rm -f "$image"; truncate -s $(( size * 2 + 256 ))M "$image"; mkfs.ext4 -q "$image"; }

run_in virtio-fs "$bind"
rm -rf "${share:?}"/*
run_in virtio-9p "$bind" --shared-fs virtio-9p
fresh_image
run_in virtio-blk "$disk"
fresh_image
run_in virtio-scsi "$disk" --block-driver virtio-scsi

# One figure of a run's output: seqwrite MiB/s, randread/randwrite IOPS, untar ms.
figure() {  # FILE WHAT
  case $2 in
    seqwrite) grep '^{' "$1" | jq -r 'select(.jobs[0].jobname == "seqwrite") | .jobs[0].write.bw / 1024 | floor' ;;
    randread) grep '^{' "$1" | jq -r 'select(.jobs[0].jobname == "randread") | .jobs[0].read.iops | floor' ;;
    randwrite) grep '^{' "$1" | jq -r 'select(.jobs[0].jobname == "randwrite") | .jobs[0].write.iops | floor' ;;
    untar) awk '/^untar_ms/ {print $2}' "$1" ;;
  esac
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

accel=tcg
[ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ] && accel=kvm
echo "accelerator: $accel   file: ${size} MiB   random jobs: ${seconds} s   small files: $files   backing: $(df --output=fstype "$work" | tail -1)"
printf '%-12s %16s %16s %16s %18s\n' "" "seq write MiB/s" "rand read IOPS" "rand write IOPS" "untar+sync ms"
for way in host virtio-fs virtio-9p virtio-blk virtio-scsi; do
  row=$(printf '%-12s' "$way")
  for what in seqwrite randread randwrite untar; do
    v=$(figure "$work/$way.out" "$what")
    h=$(figure "$work/host.out" "$what")
    if [ "$way" = host ]; then cell="$v"
    elif [ "$what" = untar ]; then cell="$v ($(ratio "$v" "$h")x)"
    else cell="$v ($(ratio "$v" "$h"))"; fi
    row+=$(printf ' %16s' "$cell")
  done
  echo "$row"
done
echo "(ratio to the host in brackets: throughput and IOPS, higher is better; untar: time, lower is better)"
