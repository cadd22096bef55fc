// The share-fs resource kind: a host directory tree the guest mounts, through
// which container roots (and, next, volumes) reach the guest.
//
// One variant per file beside this one (virtio_fs.cc, virtio_9p.cc; the host
// directory they share in shared_dir.cc), each
// chosen by name in NewShareFs and restored from its own saved state in
// RestoreShareFs. Not thread-safe: callers serialize (sandbox lock, or the
// supervisor's one thread).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/agent.h"
#include "hypervisor/device.h"
#include "persist/layout.h"
#include "vc/result.h"

namespace vc::resource {

// How a shared source is seen from the guest.
struct ShareOptions {
  // The host's side is read-only too: a guest that remounts its view
  // read-write still cannot write through.
  bool read_only = false;
  // Mounts the host makes under the source later appear in the guest too
  // (the copy is a slave of the source's mounts: a volume's rslave,
  // Kubernetes' HostToContainer). Otherwise the copy is private: it neither
  // receives nor passes on mounts.
  bool receive_host_mounts = false;
};

class ShareFs {
 public:
  virtual ~ShareFs() = default;

  virtual const char* Kind() const = 0;
  // Before boot: the host side (directory, daemon) and the devices the VM
  // needs for it. `checkpoint` saves the state before each step that leaves
  // something behind, so a crash mid-way can still be cleaned up.
  virtual Result<std::vector<hypervisor::Device>> Setup(const std::function<Result<>()>& checkpoint) = 0;
  // Host processes that must live as long as the VM.
  virtual std::vector<pid_t> Daemons() const = 0;
  // What the guest mounts when the sandbox is created in it.
  virtual agent::SharedMount GuestMount() const = 0;
  // Makes host directory or file `source` visible in the guest under `name`
  // (a relative path such as "<container>/rootfs"); returns the guest path.
  virtual Result<std::string> Share(const std::string& name, const std::string& source,
                                    const ShareOptions& options) = 0;
  // Undoes Share for `name` and everything shared below it ("<container>"
  // takes its root and its mounts); succeeds if nothing is shared there.
  virtual Result<> Unshare(const std::string& name) = 0;
  // Undoes Setup and every Share. Idempotent; works in another process than
  // the one that set up, after RestoreShareFs.
  virtual void Cleanup() = 0;
  virtual nlohmann::json Save() const = 0;
};

// `kind`: "virtio-fs" or "virtio-9p". `daemon_path`: the variant's host daemon (virtiofsd).
Result<std::unique_ptr<ShareFs>> NewShareFs(const std::string& kind, const SandboxLayout& layout,
                                            const std::string& daemon_path);
Result<std::unique_ptr<ShareFs>> RestoreShareFs(const SandboxLayout& layout, const nlohmann::json& state);

}  // namespace vc::resource
