// share-fs over virtio-fs: the sandbox's shared/ directory, exported by a
// virtiofsd child process through a vhost-user-fs device.
#pragma once

#include "resource/share_fs/share_fs.h"
#include "resource/share_fs/shared_dir.h"

namespace vc::resource {

class VirtioFs : public ShareFs {
 public:
  static constexpr const char* kKind = "virtio-fs";

  VirtioFs(SandboxLayout layout, std::string daemon_path)
      : layout_(layout), dir_(std::move(layout)), daemon_path_(std::move(daemon_path)) {}
  static Result<std::unique_ptr<ShareFs>> Restore(const SandboxLayout& layout, const nlohmann::json& state);

  const char* Kind() const override { return kKind; }
  Result<std::vector<hypervisor::Device>> Setup(const std::function<Result<>()>& checkpoint) override;
  std::vector<pid_t> Daemons() const override;
  agent::SharedMount GuestMount() const override;
  Result<std::string> Share(const std::string& name, const std::string& source, const ShareOptions& options) override;
  Result<> Unshare(const std::string& name) override;
  void Cleanup() override;
  nlohmann::json Save() const override;

 private:
  Result<> StartDaemon(const std::function<Result<>()>& checkpoint);
  // True if pid_ still is our virtiofsd (not a reused pid).
  bool DaemonAlive() const;

  SandboxLayout layout_;
  SharedDir dir_;
  std::string daemon_path_;
  pid_t pid_ = 0;  // virtiofsd
};

}  // namespace vc::resource
