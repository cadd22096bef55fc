// share-fs over virtio-9p: the sandbox's shared/ directory, served by QEMU
// itself (no daemon). Slower than virtio-fs for metadata-heavy work, but it
// reads guest memory through QEMU's own mapping, so it also works where
// guest memory is a private copy-on-write mapping (a VM restored from a
// template), which a vhost-user daemon cannot share.
#pragma once

#include "resource/share_fs/share_fs.h"
#include "resource/share_fs/shared_dir.h"

namespace vc::resource {

class Virtio9p : public ShareFs {
 public:
  static constexpr const char* kKind = "virtio-9p";

  explicit Virtio9p(SandboxLayout layout) : dir_(std::move(layout)) {}
  static Result<std::unique_ptr<ShareFs>> Restore(const SandboxLayout& layout, const nlohmann::json& state);

  const char* Kind() const override { return kKind; }
  Result<std::vector<hypervisor::Device>> Setup(const std::function<Result<>()>& checkpoint) override;
  std::vector<pid_t> Daemons() const override { return {}; }
  agent::SharedMount GuestMount() const override;
  Result<std::string> Share(const std::string& name, const std::string& source,
                            const ShareOptions& options) override {
    return dir_.Share(name, source, options);
  }
  Result<> Unshare(const std::string& name) override { return dir_.Unshare(name); }
  void Cleanup() override { dir_.Unmount(); }
  nlohmann::json Save() const override;

 private:
  SharedDir dir_;
};

}  // namespace vc::resource
