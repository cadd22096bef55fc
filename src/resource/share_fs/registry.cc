// The one place that maps a share-fs kind to its variant.
#include "resource/share_fs/share_fs.h"
#include "resource/share_fs/virtio_9p.h"
#include "resource/share_fs/virtio_fs.h"

namespace vc::resource {

Result<std::unique_ptr<ShareFs>> NewShareFs(const std::string& kind, const SandboxLayout& layout,
                                            const std::string& daemon_path) {
  if (kind == VirtioFs::kKind) return std::make_unique<VirtioFs>(layout, daemon_path);
  if (kind == Virtio9p::kKind) return std::make_unique<Virtio9p>(layout);
  return Fail(ErrorCode::kInvalidArgument, "unknown share-fs kind '" + kind + "' (known: virtio-fs, virtio-9p)");
}

Result<std::unique_ptr<ShareFs>> RestoreShareFs(const SandboxLayout& layout, const nlohmann::json& state) {
  std::string kind = state.value("kind", std::string());
  if (kind == VirtioFs::kKind) return VirtioFs::Restore(layout, state);
  if (kind == Virtio9p::kKind) return Virtio9p::Restore(layout, state);
  return Fail(ErrorCode::kInternal, "saved share-fs state has unknown kind '" + kind + "'");
}

}  // namespace vc::resource
