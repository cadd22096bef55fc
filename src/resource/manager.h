// A sandbox's host resources, through the phases a sandbox goes through:
//
//   BeforeBoot   host side set up; the devices the VM must have from boot
//   GuestMounts  what the agent mounts when the sandbox is created in the guest
//   per container: ShareRootfs, ShareMount / UnshareContainer
//   Cleanup      everything undone, also by another process than the one that
//                set up (Restore reads the state each resource saved)
//
// Each kind sits behind one interface with one file per variant
// (share_fs/, network/; volumes and rootfs next). The manager saves the
// resources' state in the sandbox's store item "resources" before each step
// that leaves something behind. Not thread-safe: callers serialize.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hypervisor/device.h"
#include "persist/store.h"
#include "resource/cgroups/host_cgroup.h"
#include "resource/network/network.h"
#include "resource/share_fs/share_fs.h"
#include "resource/vfio/vfio.h"
#include "vc/result.h"

namespace vc::resource {

// What a sandbox asks of the resource layer.
struct Config {
  std::string share_fs = "virtio-fs";
  std::string virtiofsd_path = "/usr/lib/qemu/virtiofsd";
  NetworkConfig network = {};
  uint32_t net_queues = 1;  // per NIC
  std::string cgroup_path = {};  // the host cgroup of the VM's processes; empty: the caller's
  // false: only the vCPU threads in cgroup_path, the rest in /vc_overhead/<id> (v1 only).
  bool cgroup_only = true;
};

void to_json(nlohmann::json& j, const Config& c);
void from_json(const nlohmann::json& j, Config& c);

class Manager {
 public:
  // Resources as `config` asks, none set up yet.
  // REQUIRES: the sandbox exists in `store`; `store` outlives the manager.
  static Result<std::unique_ptr<Manager>> New(persist::Store& store, const std::string& sandbox_id,
                                              const Config& config);
  // Resources as an earlier process left them; none if nothing was saved.
  static Result<std::unique_ptr<Manager>> Restore(persist::Store& store, const std::string& sandbox_id);

  // Joins the calling process (the supervisor) to the sandbox's host cgroup
  // (or, with cgroup_only false, its overhead cgroup), so that the daemons
  // and the VM it starts next are in it; sets up the host side; returns the
  // devices the VM must have from boot.
  Result<std::vector<hypervisor::Device>> BeforeBoot();
  // Whether the VMM's vCPU threads go to a cgroup of their own (cgroup_only
  // false): PlaceVcpuThreads, after boot and after vCPUs were added.
  bool PlacesVcpuThreads() const { return vcpu_cgroup_.has_value(); }
  Result<> PlaceVcpuThreads(const std::vector<pid_t>& threads);
  // Host processes that must live as long as the VM; the VM is useless without them.
  std::vector<pid_t> Daemons() const;
  std::vector<agent::SharedMount> GuestMounts() const;
  // What the agent configures once the sandbox is created in the guest.
  agent::GuestNetwork GuestNetwork() const;
  // After boot: connects pod interface `name`; the caller plugs the NIC.
  Result<Network::Added> AddNetworkInterface(const std::string& name);
  // The NIC of pod interface `name`, to unplug before RemoveNetworkInterface.
  Result<std::string> NetworkDeviceIdOf(const std::string& name) const;
  Result<> RemoveNetworkInterface(const std::string& name);

  // A container's root directory, shared into the guest; returns its guest path.
  Result<std::string> ShareRootfs(const std::string& container_id, const std::string& source);
  // A host file or directory a container's spec bind-mounts (the
  // `index`-th of its mounts), shared into the guest; its guest path.
  Result<std::string> ShareMount(const std::string& container_id, size_t index, const std::string& source,
                                 const ShareOptions& options);
  // Undoes ShareRootfs and every ShareMount of the container.
  Result<> UnshareContainer(const std::string& container_id);

  // After boot: IOMMU group `group` bound to vfio-pci (the drivers it had
  // saved first); its devices, for the caller to plug. Once per group.
  Result<std::vector<hypervisor::VfioDevice>> AddVfioGroup(const std::string& group);
  // After the caller unplugged the group's devices: their drivers given back.
  Result<> RemoveVfioGroup(const std::string& group);

  void Cleanup();

 private:
  Manager(persist::Store& store, std::string sandbox_id)
      : store_(store), sandbox_id_(std::move(sandbox_id)) {}
  Result<> SaveState();

  persist::Store& store_;
  std::string sandbox_id_;
  std::unique_ptr<ShareFs> share_fs_;
  std::unique_ptr<Network> network_;
  std::string cgroup_path_;
  bool cgroup_only_ = true;
  std::optional<HostCgroup> cgroup_;       // the supervisor's, and what it starts
  std::optional<HostCgroup> vcpu_cgroup_;  // the pod's, for vCPU threads only
  std::map<std::string, std::vector<vfio::Function>> vfio_;  // bound IOMMU groups, with the drivers they had
  vfio::Sysfs sysfs_;
};

}  // namespace vc::resource
