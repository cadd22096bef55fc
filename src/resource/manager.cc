#include "resource/manager.h"

#include <unistd.h>

#include "net/json.h"
#include "os/log.h"

namespace vc::resource {

namespace {
constexpr const char* kItem = SandboxLayout::kResourcesItem;
}  // namespace

void to_json(nlohmann::json& j, const Config& c) {
  j = {{"share_fs", c.share_fs}, {"virtiofsd_path", c.virtiofsd_path}, {"network", c.network},
       {"net_queues", c.net_queues}, {"cgroup_path", c.cgroup_path}, {"cgroup_only", c.cgroup_only}};
}

void from_json(const nlohmann::json& j, Config& c) {
  Config d;
  c.share_fs = j.value("share_fs", d.share_fs);
  c.virtiofsd_path = j.value("virtiofsd_path", d.virtiofsd_path);
  c.network = j.value("network", d.network);
  c.net_queues = j.value("net_queues", d.net_queues);
  c.cgroup_path = j.value("cgroup_path", d.cgroup_path);
  c.cgroup_only = j.value("cgroup_only", d.cgroup_only);
}

Result<std::unique_ptr<Manager>> Manager::New(persist::Store& store, const std::string& sandbox_id,
                                              const Config& config) {
  std::unique_ptr<Manager> m(new Manager(store, sandbox_id));
  SandboxLayout layout{store.SandboxDir(sandbox_id)};
  auto share = NewShareFs(config.share_fs, layout, config.virtiofsd_path);
  if (!share) return std::unexpected(share.error());
  m->share_fs_ = std::move(*share);
  auto network = Network::New(config.network, config.net_queues);
  if (!network) return std::unexpected(network.error());
  m->network_ = std::move(*network);
  m->cgroup_path_ = config.cgroup_path;
  m->cgroup_only_ = config.cgroup_only;
  return m;
}

Result<std::unique_ptr<Manager>> Manager::Restore(persist::Store& store, const std::string& sandbox_id) {
  std::unique_ptr<Manager> m(new Manager(store, sandbox_id));
  auto state = store.LoadItem(sandbox_id, kItem);
  if (!state) {
    if (state.error().code == ErrorCode::kNotFound) return m;
    return std::unexpected(state.error());
  }
  SandboxLayout layout{store.SandboxDir(sandbox_id)};
  if (auto it = state->find("share_fs"); it != state->end()) {
    auto share = RestoreShareFs(layout, *it);
    if (!share) return std::unexpected(share.error());
    m->share_fs_ = std::move(*share);
  }
  if (auto it = state->find("network"); it != state->end()) {
    auto network = Network::Restore(*it);
    if (!network) return std::unexpected(network.error());
    m->network_ = std::move(*network);
  }
  if (auto it = state->find("cgroup"); it != state->end()) m->cgroup_ = HostCgroup::Restore(*it);
  if (auto it = state->find("vcpu_cgroup"); it != state->end()) m->vcpu_cgroup_ = HostCgroup::Restore(*it);
  if (auto it = state->find("vfio"); it != state->end() && it->is_object())
    m->vfio_ = it->get<std::map<std::string, std::vector<vfio::Function>>>();
  return m;
}

Result<> Manager::SaveState() {
  nlohmann::json state = nlohmann::json::object();
  if (share_fs_) state["share_fs"] = share_fs_->Save();
  if (network_) state["network"] = network_->Save();
  if (cgroup_) state["cgroup"] = cgroup_->Save();
  if (vcpu_cgroup_) state["vcpu_cgroup"] = vcpu_cgroup_->Save();
  if (!vfio_.empty()) state["vfio"] = vfio_;
  return store_.SaveItem(sandbox_id_, kItem, state);
}

Result<std::vector<hypervisor::Device>> Manager::BeforeBoot() {
  if (!share_fs_) return Fail(ErrorCode::kInternal, "restored resources cannot be set up again");
  if (!cgroup_path_.empty()) {
    if (HostCgroup::IsSystemdPath(cgroup_path_)) {
      log::Warn("cgroup path " + cgroup_path_ + " is systemd's form (slice:prefix:name): the VM stays in its "
                "caller's cgroup (configure the caller for cgroupfs to place it)");
    } else {
      auto cgroup = HostCgroup::Create(cgroup_path_);
      if (!cgroup) return std::unexpected(cgroup.error().Wrap("host cgroup"));
      if (!cgroup_only_) {
        vcpu_cgroup_ = std::move(*cgroup);
        if (auto saved = SaveState(); !saved) return std::unexpected(saved.error());
        if (!vcpu_cgroup_->HoldsThreads())
          return Fail(ErrorCode::kInvalidArgument,
                      "sandbox_cgroup_only = false needs cgroup v1 hierarchies (cgroup v2 keeps a process's "
                      "threads in one cgroup): set it to true on this host");
        cgroup = HostCgroup::Create("/vc_overhead/" + sandbox_id_);
        if (!cgroup) return std::unexpected(cgroup.error().Wrap("overhead cgroup"));
      }
      cgroup_ = std::move(*cgroup);
      if (auto saved = SaveState(); !saved) return std::unexpected(saved.error());
      if (auto joined = cgroup_->Join(::getpid()); !joined) return std::unexpected(joined.error().Wrap("host cgroup"));
    }
  }
  auto devices = share_fs_->Setup([this] { return SaveState(); });
  if (auto saved = SaveState(); !saved && devices) return std::unexpected(saved.error());
  if (!devices) return std::unexpected(devices.error().Wrap(std::string("set up ") + share_fs_->Kind()));
  auto nics = network_->Setup([this] { return SaveState(); });
  if (auto saved = SaveState(); !saved && nics) return std::unexpected(saved.error());
  if (!nics) return std::unexpected(nics.error().Wrap("set up the network"));
  devices->insert(devices->end(), nics->begin(), nics->end());
  return devices;
}

Result<> Manager::PlaceVcpuThreads(const std::vector<pid_t>& threads) {
  if (!vcpu_cgroup_) return {};
  for (pid_t tid : threads)
    if (auto moved = vcpu_cgroup_->JoinThread(tid); !moved) return std::unexpected(moved.error().Wrap("vCPU cgroup"));
  return {};
}

std::vector<pid_t> Manager::Daemons() const {
  return share_fs_ ? share_fs_->Daemons() : std::vector<pid_t>{};
}

std::vector<agent::SharedMount> Manager::GuestMounts() const {
  if (!share_fs_) return {};
  return {share_fs_->GuestMount()};
}

agent::GuestNetwork Manager::GuestNetwork() const {
  return network_ ? network_->Guest() : agent::GuestNetwork{};
}

Result<Network::Added> Manager::AddNetworkInterface(const std::string& name) {
  if (!network_) return Fail(ErrorCode::kFailedPrecondition, "the sandbox has no network set up");
  return network_->Add(name, [this] { return SaveState(); });
}

Result<std::string> Manager::NetworkDeviceIdOf(const std::string& name) const {
  if (!network_) return Fail(ErrorCode::kNotFound, "interface " + name + " is not connected to the sandbox");
  return network_->DeviceIdOf(name);
}

Result<> Manager::RemoveNetworkInterface(const std::string& name) {
  if (!network_) return Fail(ErrorCode::kNotFound, "interface " + name + " is not connected to the sandbox");
  return network_->Remove(name, [this] { return SaveState(); });
}

Result<std::string> Manager::ShareRootfs(const std::string& container_id, const std::string& source) {
  if (!share_fs_)
    return Fail(ErrorCode::kFailedPrecondition, "sandbox " + sandbox_id_ + " has no shared file system set up");
  return share_fs_->Share(container_id + "/rootfs", source, {});
}

Result<std::string> Manager::ShareMount(const std::string& container_id, size_t index, const std::string& source,
                                        const ShareOptions& options) {
  if (!share_fs_)
    return Fail(ErrorCode::kFailedPrecondition, "sandbox " + sandbox_id_ + " has no shared file system set up");
  return share_fs_->Share(container_id + "/mounts/" + std::to_string(index), source, options);
}

// A manager restored from nothing belongs to a sandbox that never booted:
// nothing of it was shared.
Result<> Manager::UnshareContainer(const std::string& container_id) {
  if (!share_fs_) return {};
  return share_fs_->Unshare(container_id);
}

Result<std::vector<hypervisor::VfioDevice>> Manager::AddVfioGroup(const std::string& group) {
  if (vfio_.contains(group)) return Fail(ErrorCode::kAlreadyExists, "IOMMU group " + group + " is already bound");
  auto functions = vfio::Bind(group, sysfs_, [&](const std::vector<vfio::Function>& before) {
    vfio_[group] = before;
    return SaveState();
  });
  if (!functions) {
    vfio_.erase(group);
    (void)SaveState();
    return std::unexpected(functions.error());
  }
  std::vector<hypervisor::VfioDevice> devices;
  for (size_t i = 0; i < functions->size(); ++i)
    devices.push_back({"vfio" + group + "-" + std::to_string(i), (*functions)[i].address});
  return devices;
}

Result<> Manager::RemoveVfioGroup(const std::string& group) {
  auto it = vfio_.find(group);
  if (it == vfio_.end()) return {};
  auto released = vfio::Release(it->second, sysfs_);
  vfio_.erase(it);
  if (auto saved = SaveState(); !saved && released) return saved;
  return released;
}

void Manager::Cleanup() {
  // The VM is gone: the groups' drivers go back first.
  for (const auto& [group, functions] : vfio_)
    if (auto released = vfio::Release(functions, sysfs_); !released) log::Warn(released.error().message);
  if (!vfio_.empty()) {
    vfio_.clear();
    (void)SaveState();
  }
  if (network_) network_->Cleanup();
  if (share_fs_) share_fs_->Cleanup();
  // Last, the vCPU cgroup first: what is still in them moves to their parents.
  for (auto* cgroup : {&vcpu_cgroup_, &cgroup_})
    if (*cgroup)
      if (auto removed = (*cgroup)->Remove(); !removed) log::Warn(removed.error().message);
  // Kept, not removed: a container's root can still be unshared by name.
  if (share_fs_) (void)SaveState();
}

}  // namespace vc::resource
