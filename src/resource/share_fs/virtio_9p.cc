#include "resource/share_fs/virtio_9p.h"

#include "protocol/agent.h"

namespace vc::resource {

Result<std::unique_ptr<ShareFs>> Virtio9p::Restore(const SandboxLayout& layout, const nlohmann::json& state) {
  auto fs = std::make_unique<Virtio9p>(layout);
  fs->dir_.Restore(state);
  return fs;
}

nlohmann::json Virtio9p::Save() const {
  nlohmann::json state = {{"kind", kKind}};
  dir_.SaveInto(state);
  return state;
}

Result<std::vector<hypervisor::Device>> Virtio9p::Setup(const std::function<Result<>()>& checkpoint) {
  if (auto r = dir_.Mount(checkpoint); !r) return std::unexpected(r.error());
  return std::vector<hypervisor::Device>{hypervisor::Share9pDevice{"p9", dir_.Path(), agent::kShareTag}};
}

// 9P2000.L for Linux semantics (owners, modes, xattrs); msize: the largest
// message the virtio transport takes in 6.1; cache=mmap: coherent with the
// host (containers' roots change on the host side too) yet mmap works.
agent::SharedMount Virtio9p::GuestMount() const {
  return {agent::kShareTag, agent::kGuestShareDir, "9p",
          {"trans=virtio", "version=9p2000.L", "msize=512000", "cache=mmap"}};
}

}  // namespace vc::resource
