# The shared library exports the public API (include/vc/) and nothing else of
# ours: internals stay hidden so they can change without breaking embedders.
set -euo pipefail
lib=${1:?usage: check_exports.sh libvirtcontainers.so}
leaked=$(nm -D --defined-only -C "$lib" | awk '{ $1 = ""; $2 = ""; sub(/^ +/, ""); print }' |
  grep -E '(^| )vc::' |
  grep -vE '^(vc::Runtime::|vc::ErrorCodeName\(|vc::ToString\(|vc::ContainerConfigFromBundle\(|vc::Build\(\)$|vc::ValidateId\(|typeinfo (name )?for vc::(Process|DebugConsole)$)' || true)
if [ -n "$leaked" ]; then
  echo "FAIL: internal symbols exported from $lib:"
  echo "$leaked" | head -20
  exit 1
fi
echo "ok - $lib exports only the public API"
