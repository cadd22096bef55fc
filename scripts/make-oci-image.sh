#!/usr/bin/env bash
# Packs a root filesystem directory into an OCI image archive that
# `ctr images import` loads (no registry needed):
#   scripts/make-oci-image.sh ROOTFS_DIR OUT.tar IMAGE_NAME [CMD_JSON]
# CMD_JSON is the image's command as a JSON array (default ["sh"]).
set -euo pipefail
rootfs=${1:?usage: make-oci-image.sh ROOTFS_DIR OUT.tar IMAGE_NAME}
out=${2:?usage: make-oci-image.sh ROOTFS_DIR OUT.tar IMAGE_NAME}
name=${3:?usage: make-oci-image.sh ROOTFS_DIR OUT.tar IMAGE_NAME}
cmd=${4:-'["sh"]'}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
blobs="$work/blobs/sha256"
mkdir -p "$blobs"

# One layer: the whole tree, owned by root, with a fixed mtime (reproducible).
tar -C "$rootfs" --numeric-owner --owner=0 --group=0 --mtime='2024-01-01 00:00:00Z' --sort=name \
  -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -9 "$work/layer.tar"
layer_digest=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
layer_size=$(stat -c %s "$work/layer.tar.gz")
mv "$work/layer.tar.gz" "$blobs/$layer_digest"

blob() {  # writes stdin as a blob; prints "digest size"
  cat >"$work/blob"
  local d; d=$(sha256sum "$work/blob" | cut -d' ' -f1)
  mv "$work/blob" "$blobs/$d"
  echo "$d $(stat -c %s "$blobs/$d")"
}

read -r config_digest config_size < <(blob <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":$cmd,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]}}
JSON
)
read -r manifest_digest manifest_size < <(blob <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_digest","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$layer_digest","size":$layer_size}]}
JSON
)
cat >"$work/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest_digest","size":$manifest_size,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"$name","org.opencontainers.image.ref.name":"${name##*:}"}}]}
JSON
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
tar -C "$work" -cf "$out" oci-layout index.json blobs
