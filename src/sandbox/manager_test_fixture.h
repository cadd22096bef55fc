// The sandbox manager's test fixture: a fake backend (no supervisor, no VM,
// no mounts: the tests run unprivileged) with the mock agent and hypervisor.
// For manager_test.cc and manager_devices_test.cc.
#pragma once

#include "sandbox/manager.h"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "agent/mock/mock_agent.h"
#include "oci/annotations.h"

namespace vc {

using agent::mock::Guest;

class FakeBackend : public SandboxBackend {
 public:
  std::map<std::string, std::shared_ptr<Guest>> guests;
  std::set<std::string> alive;                   // sandbox ids whose "supervisor" runs
  std::map<std::string, std::string> bound;      // "sid/cid" -> source
  std::map<std::string, resource::ShareOptions> share_options;  // "sid/cid/mounts/N" -> how
  std::optional<Error> fail_launch;
  std::function<void(Guest&)> on_launch;  // scripts each new guest
  agent::GuestNetwork network;            // what the "resources" found in the pod namespace
  std::optional<SupervisorSpec> launched;

  Result<LaunchReport> Launch(const SupervisorSpec& spec, std::chrono::milliseconds) override {
    const std::string& id = spec.sandbox_id;
    if (fail_launch) return std::unexpected(*fail_launch);
    guests[id] = std::make_shared<Guest>();
    if (on_launch) on_launch(*guests[id]);
    alive.insert(id);
    launched = spec;
    LaunchReport report{4242, {{"state", "running"}, {"sandbox_id", id}}, "tcg", "mock-kernel",
                        {{"share", "/shared", "virtiofs", {}}}, network, {}, spec.disks};
    for (size_t i = 0; i < report.disks.size(); ++i)
      report.disks[i].disk = {"boot" + std::to_string(i), "virtio-blk", "1" + std::to_string(i), "ext4"};
    return report;
  }
  bool SupervisorAlive(const std::string& id, int32_t pid) override {
    return pid == 4242 && alive.contains(id);
  }
  int32_t RunningSupervisor(const std::string& id) override { return alive.contains(id) ? 4242 : 0; }
  void StopSupervisor(const std::string& id, int32_t, std::chrono::milliseconds) override { alive.erase(id); }
  Result<std::unique_ptr<agent::Agent>> Connect(const std::string& id) override {
    if (!alive.contains(id)) return Fail(ErrorCode::kUnavailable, "supervisor of " + id + " is gone");
    return std::make_unique<agent::mock::MockAgent>(guests.at(id));
  }
  Result<DebugConsoleEnds> ConnectDebugConsole(const std::string& id) override {
    return Fail(ErrorCode::kUnavailable, "sandbox " + id + ": no console port in a fake VM");
  }
  Result<std::unique_ptr<hypervisor::Hypervisor>> AttachVm(const std::string& type,
                                                            const nlohmann::json& state) override {
    return hypervisor::Attach(type, state);
  }
  Result<std::string> ShareRootfs(const std::string& id, const std::string& cid,
                                  const std::string& source) override {
    bound[id + "/" + cid] = source;
    return "/shared/" + cid + "/rootfs";
  }
  Result<std::string> ShareMount(const std::string& id, const std::string& cid, size_t index,
                                 const std::string& source, const resource::ShareOptions& options) override {
    bound[id + "/" + cid + "/mounts/" + std::to_string(index)] = source;
    share_options[id + "/" + cid + "/mounts/" + std::to_string(index)] = options;
    return "/shared/" + cid + "/mounts/" + std::to_string(index);
  }
  Result<> UnshareContainer(const std::string& id, const std::string& cid) override {
    std::erase_if(bound, [&](const auto& kv) {
      return kv.first == id + "/" + cid || kv.first.starts_with(id + "/" + cid + "/");
    });
    return {};
  }
  Result<agent::GuestNetwork> AddInterface(const std::string& id, const std::string& name) override {
    if (!alive.contains(id)) return Fail(ErrorCode::kUnavailable, "supervisor of " + id + " is gone");
    if (name != "eth1") return Fail(ErrorCode::kNotFound, "no network interface " + name);
    plugged.insert(name);
    return agent::GuestNetwork{{{name, "02:00:00:00:00:08", 1500, {"10.89.0.5/24"}}},
                               {{"10.90.0.0/16", "10.89.0.1", name, "", 0, 0}}, {}};
  }
  Result<> RemoveInterface(const std::string&, const std::string& name) override {
    if (!plugged.erase(name)) return Fail(ErrorCode::kNotFound, "interface " + name + " is not connected");
    return {};
  }
  std::set<std::string> plugged;
  Result<AttachedDisk> AddDisk(const std::string& id, const std::string& path, bool read_only, bool) override {
    if (!alive.contains(id)) return Fail(ErrorCode::kUnavailable, "supervisor of " + id + " is gone");
    const std::string disk = "disk" + std::to_string(disks.size());
    disks[disk] = path + (read_only ? " ro" : " rw");
    return AttachedDisk{disk, "virtio-scsi", std::to_string(disks.size() - 1) + ":0", "ext4"};
  }
  Result<> RemoveDisk(const std::string&, const std::string& disk) override {
    if (!disks.erase(disk)) return Fail(ErrorCode::kNotFound, "the VM has no disk " + disk);
    return {};
  }
  std::map<std::string, std::string> disks;  // attached: id -> "path ro|rw"
  Result<> ResizeDisk(const std::string&, const std::string& path, uint64_t bytes) override {
    for (auto& [id, disk] : disks)
      if (disk.starts_with(path + " ")) {
        resized[path] = bytes;
        return {};
      }
    return Fail(ErrorCode::kNotFound, "the VM has no disk " + path);
  }
  std::map<std::string, uint64_t> resized;  // host path -> bytes
  Result<std::vector<std::string>> AddVfioGroup(const std::string& id, const std::string& group) override {
    if (!alive.contains(id)) return Fail(ErrorCode::kUnavailable, "supervisor of " + id + " is gone");
    if (group == "99") return Fail(ErrorCode::kFailedPrecondition, "the host has no IOMMU");
    ++vfio[group];
    return std::vector<std::string>{"03/00", "04/00"};
  }
  Result<> RemoveVfioGroup(const std::string&, const std::string& group) override {
    if (!vfio.contains(group)) return Fail(ErrorCode::kNotFound, "the VM has no IOMMU group " + group);
    if (--vfio[group] == 0) vfio.erase(group);
    return {};
  }
  std::map<std::string, int> vfio;  // IOMMU groups passed: group -> users
  Result<hypervisor::VmSize> GrowVm(const std::string& id, const hypervisor::VmSize& want) override {
    if (!alive.contains(id)) return Fail(ErrorCode::kUnavailable, "supervisor of " + id + " is gone");
    grown.push_back(want);
    size = {std::max(size.vcpus, std::min(want.vcpus, 4u)), std::max(size.memory_mib, want.memory_mib)};
    return size;
  }
  std::vector<hypervisor::VmSize> grown;  // what GrowVm was asked
  hypervisor::VmSize size{1, 256};
  Result<std::string> CreatePodNetwork(const std::string& id, const NetworkConfig&) override {
    pod_networks.insert(id);
    return "/proc/self/ns/net";
  }
  Result<> DeletePodNetwork(const std::string& id) override {
    pod_networks.erase(id);
    return {};
  }
  std::set<std::string> pod_networks;
  void ReleaseResources(const std::string& id) override { released.insert(id); }
  std::set<std::string> released;
};

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-manager-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    rootfs_ = root_ + "/rootfs";
    std::filesystem::create_directories(rootfs_);
    auto backend = std::make_unique<FakeBackend>();
    backend_ = backend.get();
    impl_ = std::make_unique<Manager>(RuntimeOptions{root_, ""}, std::move(backend));
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  ContainerConfig Container(const std::string& id) {
    ContainerConfig c;
    c.id = id;
    c.rootfs = rootfs_;
    c.cmd.args = {"sleep", "1000"};
    return c;
  }
  SandboxConfig Sandbox(const std::string& id, std::vector<ContainerConfig> containers = {}) {
    SandboxConfig s;
    s.id = id;
    s.hypervisor.type = "mock";
    s.containers = std::move(containers);
    return s;
  }
  Guest& GuestOf(const std::string& id) { return *backend_->guests.at(id); }
  // A file under the test's root whose superblock says ext4 (all a disk's check reads).
  std::string Ext4Image(const std::string& name) {
    const std::string path = root_ + "/" + name;
    std::string bytes(4096, '\0');
    bytes[1080] = '\x53';
    bytes[1081] = '\xEF';
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::string root_, rootfs_;
  FakeBackend* backend_ = nullptr;
  std::unique_ptr<Manager> impl_;
};

}  // namespace vc
