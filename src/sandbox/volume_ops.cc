// Direct volumes: registering a disk under a host path, and asking about it
// while a container has it.

#include "protocol/agent.h"
#include "os/error.h"
#include "oci/convert.h"
#include "sandbox/manager.h"
#include "sandbox/volumes.h"

namespace vc {

namespace {

// Where the guest of a container that mounts `volume_path` has it: the
// first of its spec's mounts with that source.
std::optional<std::string> GuestPathOf(const ContainerRecord& c, const std::string& volume_path) {
  if (c.disks.empty()) return std::nullopt;
  auto spec = oci::SpecOf(c.config);
  if (!spec) return std::nullopt;
  for (size_t i = 0; i < spec->mounts.size(); ++i)
    if (spec->mounts[i].source == volume_path)
      return std::string(agent::kGuestDiskDir) + "/" + c.config.id + "/" + std::to_string(i);
  return std::nullopt;
}

}  // namespace

Result<VolumeStats> Manager::FindVolumeUser(const std::string& volume_path) {
  auto ids = store_->List();
  if (!ids) return std::unexpected(ids.error());
  for (const auto& sid : *ids) {
    auto found = WithSandbox<VolumeStats>(sid, [&](SandboxRecord& r) -> Result<VolumeStats> {
      Refresh(sid, r);
      if (r.state != SandboxState::kRunning && r.state != SandboxState::kPaused)
        return Fail(ErrorCode::kNotFound, "not running");
      for (const auto& [cid, c] : r.containers)
        if (auto path = GuestPathOf(c, volume_path)) return VolumeStats{sid, cid, *path};
      return Fail(ErrorCode::kNotFound, "not here");
    });
    if (found) return found;
  }
  return Fail(ErrorCode::kFailedPrecondition, "no running container has volume " + volume_path);
}

Result<> Manager::AddDirectVolume(const std::string& volume_path, const DirectVolume& volume) {
  return vc::AddDirectVolume(state_root(), volume_path, volume);
}

Result<> Manager::RemoveDirectVolume(const std::string& volume_path) {
  if (auto ok = FindDirectVolume(state_root(), volume_path); !ok) return std::unexpected(ok.error());
  if (auto user = FindVolumeUser(volume_path))
    return Fail(ErrorCode::kFailedPrecondition, "volume " + volume_path + " is in use by container " +
                                                    user->container_id + " of sandbox " + user->sandbox_id +
                                                    ": delete the container first");
  return vc::RemoveDirectVolume(state_root(), volume_path);
}

Result<VolumeStats> Manager::DirectVolumeStats(const std::string& volume_path) {
  if (auto ok = FindDirectVolume(state_root(), volume_path); !ok) return std::unexpected(ok.error());
  auto user = FindVolumeUser(volume_path);
  if (!user) return user;
  auto agent = backend_->Connect(user->sandbox_id);
  if (!agent) return std::unexpected(agent.error());
  auto stats = (*agent)->GetVolumeStats(user->guest_path);
  if (!stats) return stats;
  stats->sandbox_id = user->sandbox_id;
  stats->container_id = user->container_id;
  return stats;
}

Result<> Manager::ResizeDirectVolume(const std::string& volume_path, uint64_t bytes) {
  auto volume = FindDirectVolume(state_root(), volume_path);
  if (!volume) return std::unexpected(volume.error());
  auto user = FindVolumeUser(volume_path);
  if (!user) return std::unexpected(user.error());
  if (auto grown = backend_->ResizeDisk(user->sandbox_id, volume->device, bytes); !grown) return grown;
  auto agent = backend_->Connect(user->sandbox_id);
  if (!agent) return std::unexpected(agent.error());
  return (*agent)->ResizeVolume(user->guest_path, bytes);
}

}  // namespace vc
