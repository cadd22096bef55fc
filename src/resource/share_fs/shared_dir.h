// The host side every share-fs variant has: the sandbox's shared/ directory,
// bound onto itself with shared propagation, and the container roots and
// volumes bound under it by name. The variants differ in how the guest
// reaches it (a daemon and its device, or a device QEMU serves itself).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "resource/share_fs/share_fs.h"
#include "persist/layout.h"
#include "vc/result.h"

namespace vc::resource {

class SharedDir {
 public:
  explicit SharedDir(SandboxLayout layout) : layout_(std::move(layout)) {}

  const std::string& Path() const { return path_; }
  // Makes shared/ a mount point of its own with shared propagation, so that
  // what is bound under it later also appears in a daemon's private mount
  // namespace (a slave of ours). `checkpoint` runs once the mount is
  // recorded, before it is made.
  Result<> Mount(const std::function<Result<>()>& checkpoint);
  // ShareFs::Share and ShareFs::Unshare (share_fs.h).
  Result<std::string> Share(const std::string& name, const std::string& source, const ShareOptions& options);
  Result<> Unshare(const std::string& name);
  // Unmounts shared/ with whatever is still bound under it. Idempotent.
  void Unmount();

  void Restore(const nlohmann::json& state) { mounted_ = state.value("mounted", false); }
  void SaveInto(nlohmann::json& state) const { state["mounted"] = mounted_; }

 private:
  SandboxLayout layout_;
  std::string path_ = layout_.SharedDir();
  bool mounted_ = false;  // shared/ is bound onto itself
};

}  // namespace vc::resource
