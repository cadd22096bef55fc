// The sandbox manager's logic with a fake backend (no supervisor, no VM, no
// mounts: runs unprivileged) and the mock agent and hypervisor.
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
namespace {

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

TEST_F(ManagerTest, TheDebugConsoleOnlyForASandboxStartedWithIt) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("plain")));
  ASSERT_TRUE(impl_->StartSandbox("plain"));
  auto refused = impl_->OpenDebugConsole("plain", 24, 80);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("not started with the debug console"), std::string::npos);
  auto with = Sandbox("dbg");
  with.agent.debug_console = true;
  ASSERT_TRUE(impl_->CreateSandbox(with));
  auto stopped = impl_->OpenDebugConsole("dbg", 24, 80);
  ASSERT_FALSE(stopped);
  EXPECT_NE(stopped.error().message.find("is ready: the debug console needs it running"), std::string::npos);
  ASSERT_TRUE(impl_->StartSandbox("dbg"));
  auto port = impl_->OpenDebugConsole("dbg", 24, 80);
  ASSERT_FALSE(port);
  EXPECT_NE(port.error().message.find("no console port in a fake VM"), std::string::npos) << "asks the backend";
}

TEST_F(ManagerTest, TheGuestTakesThePodNetworkOverAtStart) {
  backend_->network.interfaces = {{"eth0", "02:00:00:00:00:07", 1450, {"10.88.0.5/16"}}};
  backend_->network.routes = {{"", "10.88.0.1", "eth0", "", 0, 0}};
  auto sandbox = Sandbox("s1", {Container("c1")});
  sandbox.hypervisor.vcpus = 2;
  sandbox.network = {"/proc/self/ns/net", "tcfilter"};
  ASSERT_TRUE(impl_->CreateSandbox(sandbox));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ASSERT_TRUE(backend_->launched);
  EXPECT_EQ(backend_->launched->resources.network.netns_path, "/proc/self/ns/net");
  EXPECT_EQ(backend_->launched->resources.net_queues, 2u);
  auto calls = GuestOf("s1").Calls();
  auto at = [&](const std::string& m) { return std::find(calls.begin(), calls.end(), m) - calls.begin(); };
  EXPECT_LT(at("CreateSandbox"), at("UpdateInterface"));
  EXPECT_LT(at("UpdateInterface"), at("UpdateRoutes")) << "routes need their interface's address";
  EXPECT_LT(at("UpdateRoutes"), at("CreateContainer"));

  auto ifaces = impl_->ListInterfaces("s1");
  ASSERT_TRUE(ifaces) << ifaces.error().message;
  ASSERT_EQ(ifaces->size(), 1u);
  EXPECT_EQ((*ifaces)[0].mac, "02:00:00:00:00:07");
  auto routes = impl_->ListRoutes("s1");
  ASSERT_TRUE(routes);
  EXPECT_EQ((*routes)[0].gateway, "10.88.0.1");

  ASSERT_TRUE(impl_->StopSandbox("s1"));
  auto stopped = impl_->ListInterfaces("s1");
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(ManagerTest, InterfacesAreHotAddedAndRemoved) {
  auto sandbox = Sandbox("s1");
  sandbox.network = {"/proc/self/ns/net", "tcfilter"};
  EXPECT_FALSE(impl_->AddInterface("s1", "eth1")) << "no such sandbox";
  ASSERT_TRUE(impl_->CreateSandbox(sandbox));
  auto early = impl_->AddInterface("s1", "eth1");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto added = impl_->AddInterface("s1", "eth1");
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->addresses, std::vector<std::string>{"10.89.0.5/24"});
  EXPECT_EQ(GuestOf("s1").routes().size(), 1u) << "the interface's routes reach the guest";
  auto missing = impl_->AddInterface("s1", "eth7");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no network interface eth7"), std::string::npos);

  GuestOf("s1").FailNext("UpdateInterface", Error{ErrorCode::kInternal, "guest said no"});
  backend_->plugged.clear();
  auto refused = impl_->AddInterface("s1", "eth1");
  ASSERT_FALSE(refused);
  EXPECT_TRUE(backend_->plugged.empty()) << "a NIC the guest refused is unplugged again";

  ASSERT_TRUE(impl_->AddInterface("s1", "eth1"));
  ASSERT_TRUE(impl_->RemoveInterface("s1", "eth1"));
  EXPECT_FALSE(impl_->RemoveInterface("s1", "eth1"));
  auto routes = impl_->UpdateRoutes("s1", {{"10.91.0.0/16", "10.89.0.1", "eth1", "", 0, 0}});
  ASSERT_TRUE(routes);
  EXPECT_EQ(routes->back().destination, "10.91.0.0/16");
}

TEST_F(ManagerTest, StandaloneCniMakesThePodNetworkAtCreateAndRemovesItAtDelete) {
  auto sandbox = Sandbox("s1");
  sandbox.network.cni = true;
  ASSERT_TRUE(impl_->CreateSandbox(sandbox));
  EXPECT_TRUE(backend_->pod_networks.contains("s1"));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  EXPECT_EQ(backend_->launched->resources.network.netns_path, "/proc/self/ns/net")
      << "the VM takes over the namespace CNI wired";
  ASSERT_TRUE(impl_->StopSandbox("s1"));
  ASSERT_TRUE(impl_->DeleteSandbox("s1"));
  EXPECT_FALSE(backend_->pod_networks.contains("s1"));

  sandbox.network.netns_path = "/proc/self/ns/net";
  auto both = impl_->CreateSandbox(sandbox);
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("both asked for"), std::string::npos);
}

TEST_F(ManagerTest, ABadNetworkIsRefusedAtCreate) {
  auto sandbox = Sandbox("s1");
  sandbox.network = {"/nonexistent/netns", "tcfilter"};
  auto created = impl_->CreateSandbox(sandbox);
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message.find("/nonexistent/netns"), std::string::npos);
  sandbox.network = {"", "bridged"};
  EXPECT_FALSE(impl_->CreateSandbox(sandbox));
  EXPECT_FALSE(impl_->StatusSandbox("s1"));
}

TEST_F(ManagerTest, ASandboxWhoseSocketPathsWouldNotFitIsRefused) {
  // A 64-character id (docker's) under a deep state root.
  const std::string deep = root_ + "/" + std::string(20, 'd');
  Manager manager(RuntimeOptions{deep, ""}, std::make_unique<FakeBackend>());
  auto created = manager.CreateSandbox(Sandbox(std::string(64, 'a')));
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message.find("use a shorter state root"), std::string::npos) << created.error().message;
  EXPECT_FALSE(manager.StatusSandbox(std::string(64, 'a')));
  EXPECT_TRUE(manager.CreateSandbox(Sandbox("short")));
}

TEST_F(ManagerTest, StartBootsAndStartsTheConfiguredContainers) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {Container("c1")})));
  auto status = impl_->StartSandbox("s1");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(status->state, SandboxState::kRunning);
  EXPECT_EQ(status->accel, "tcg");
  ASSERT_EQ(status->containers.size(), 1u);
  EXPECT_EQ(status->containers[0].state, ContainerState::kRunning);
  EXPECT_GT(status->containers[0].pid, 0);
  EXPECT_EQ(GuestOf("s1").hostname(), "s1");
  EXPECT_EQ(backend_->bound.at("s1/c1"), rootfs_);
  auto calls = GuestOf("s1").Calls();
  EXPECT_EQ(std::vector<std::string>(calls.begin(), calls.begin() + 3),
            (std::vector<std::string>{"CreateSandbox", "CreateContainer", "StartContainer"}));
}

TEST_F(ManagerTest, FailedLaunchLeavesTheSandboxReady) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {Container("c1")})));
  backend_->fail_launch = Error{ErrorCode::kUnavailable, "qemu exited during start: boom"};
  auto r = impl_->StartSandbox("s1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "qemu exited during start: boom");
  auto status = impl_->StatusSandbox("s1");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, SandboxState::kReady);
  EXPECT_TRUE(backend_->bound.empty());
  backend_->fail_launch.reset();
  EXPECT_TRUE(impl_->StartSandbox("s1")) << "a later start may succeed";
}

TEST_F(ManagerTest, ContainerFailureDuringStartReleasesEverything) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {Container("c1")})));
  backend_->on_launch = [](Guest& guest) {
    guest.FailNext("StartContainer", Error{ErrorCode::kInvalidArgument, "exec sleep: No such file or directory"});
  };
  auto r = impl_->StartSandbox("s1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "exec sleep: No such file or directory");
  auto status = impl_->StatusSandbox("s1");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, SandboxState::kStopped);
  EXPECT_FALSE(backend_->alive.contains("s1")) << "the supervisor was stopped";
  EXPECT_TRUE(backend_->bound.empty()) << "the rootfs was unbound";
  EXPECT_TRUE(impl_->DeleteSandbox("s1"));
}

TEST_F(ManagerTest, ExitIsSeenByStatusAndDeleteReleasesTheRootfs) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1")));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ASSERT_TRUE(impl_->CreateContainer("s1", Container("c1")));
  EXPECT_EQ(impl_->StatusContainer("s1", "c1")->state, ContainerState::kReady);
  ASSERT_TRUE(impl_->StartContainer("s1", "c1"));
  auto del = impl_->DeleteContainer("s1", "c1");
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().code, ErrorCode::kFailedPrecondition);

  GuestOf("s1").Exit("c1", "", 3);
  auto c = impl_->StatusContainer("s1", "c1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->state, ContainerState::kStopped);
  EXPECT_EQ(c->exit_status, 3);
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c1"));
  EXPECT_FALSE(GuestOf("s1").HasContainer("c1"));
  EXPECT_FALSE(backend_->bound.contains("s1/c1"));
  EXPECT_EQ(impl_->StatusContainer("s1", "c1").error().code, ErrorCode::kNotFound);
}

TEST_F(ManagerTest, ACreatedContainerKilledBeforeItsStartIsStopped) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1")));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ASSERT_TRUE(impl_->CreateContainer("s1", Container("c1")));
  ASSERT_TRUE(impl_->KillContainer("s1", "c1", SIGKILL, false)) << "runc signals a created container too";
  auto c = impl_->StatusContainer("s1", "c1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->state, ContainerState::kStopped);
  EXPECT_EQ(c->exit_status, 128 + SIGKILL);
  EXPECT_FALSE(impl_->StartContainer("s1", "c1"));
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c1"));
}

TEST_F(ManagerTest, ADeadSupervisorMeansAStoppedSandbox) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {Container("c1")})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  backend_->alive.erase("s1");  // the VM and its supervisor died
  auto status = impl_->StatusSandbox("s1");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, SandboxState::kStopped);
  EXPECT_EQ(status->containers[0].state, ContainerState::kStopped);
  EXPECT_EQ(status->containers[0].exit_status, 137);
  EXPECT_TRUE(backend_->bound.empty());
  EXPECT_TRUE(impl_->DeleteSandbox("s1"));
}

TEST_F(ManagerTest, PauseAndResumeGoThroughTheHypervisor) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {Container("c1")})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ASSERT_TRUE(impl_->PauseSandbox("s1", true));
  auto status = impl_->StatusSandbox("s1");
  EXPECT_EQ(status->state, SandboxState::kPaused);
  EXPECT_EQ(status->containers[0].state, ContainerState::kPaused);
  EXPECT_FALSE(impl_->PauseSandbox("s1", true));
  auto enter = impl_->EnterContainer("s1", "c1", Cmd{{"true"}, {}, "/", 0, 0}, "");
  ASSERT_FALSE(enter);
  EXPECT_NE(enter.error().message.find("resume it first"), std::string::npos);
  ASSERT_TRUE(impl_->PauseSandbox("s1", false));
  EXPECT_EQ(impl_->StatusSandbox("s1")->containers[0].state, ContainerState::kRunning);
}

TEST_F(ManagerTest, StopDestroysTheGuestAndDeleteRemovesTheState) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {Container("c1")})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto running = impl_->DeleteSandbox("s1");
  ASSERT_FALSE(running);
  EXPECT_NE(running.error().message.find("stop it before deleting it"), std::string::npos);
  ASSERT_TRUE(impl_->StopSandbox("s1"));
  auto calls = GuestOf("s1").Calls();
  EXPECT_EQ(calls.back(), "DestroySandbox");
  EXPECT_FALSE(backend_->alive.contains("s1"));
  EXPECT_TRUE(backend_->bound.empty());
  EXPECT_EQ(impl_->StatusSandbox("s1")->state, SandboxState::kStopped);
  ASSERT_TRUE(impl_->DeleteSandbox("s1"));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/sbs/s1"));
  EXPECT_TRUE(impl_->ListSandbox()->empty());
}

TEST_F(ManagerTest, ForceDeleteStopsARunningSandboxFirst) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {Container("c1")})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ASSERT_TRUE(impl_->PauseSandbox("s1", true));
  ASSERT_TRUE(impl_->DeleteSandbox("s1", true));
  EXPECT_EQ(GuestOf("s1").Calls().back(), "DestroySandbox");
  EXPECT_FALSE(backend_->alive.contains("s1"));
  EXPECT_TRUE(backend_->bound.empty());
  EXPECT_FALSE(std::filesystem::exists(root_ + "/sbs/s1"));
}

TEST_F(ManagerTest, UnreadableStateIsListedAndRemovedOnlyByForce) {
  auto sandbox = Sandbox("s1", {Container("c1")});
  sandbox.network.cni = true;
  ASSERT_TRUE(impl_->CreateSandbox(sandbox));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s2")));
  const std::string state = root_ + "/sbs/s1/state.json";
  { std::ofstream(state, std::ios::trunc) << R"({"state": "runn)"; }

  auto status = impl_->StatusSandbox("s1");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(status.error().message.find(state), std::string::npos) << status.error().message;

  auto list = impl_->ListSandbox();
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u) << "a damaged sandbox hides neither itself nor the others";
  auto damaged = std::ranges::find(*list, std::string("s1"), &SandboxStatus::id);
  ASSERT_NE(damaged, list->end());
  EXPECT_NE(damaged->problem.find("corrupt"), std::string::npos) << damaged->problem;

  auto plain = impl_->DeleteSandbox("s1");
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().code, ErrorCode::kDataLoss);
  EXPECT_TRUE(std::filesystem::exists(state)) << "a refused delete loses nothing";
  EXPECT_TRUE(backend_->alive.contains("s1"));

  ASSERT_TRUE(impl_->DeleteSandbox("s1", true));
  EXPECT_FALSE(backend_->alive.contains("s1")) << "its supervisor, found without the record, is stopped";
  EXPECT_TRUE(backend_->released.contains("s1"));
  EXPECT_FALSE(backend_->pod_networks.contains("s1"));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/sbs/s1"));
  EXPECT_EQ(impl_->ListSandbox()->size(), 1u);
}

TEST_F(ManagerTest, StateIsSharedBetweenRuntimes) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {Container("c1")})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  // A second manager on the same state root (another process, in real life).
  auto other_backend = std::make_unique<FakeBackend>();
  other_backend->guests = backend_->guests;
  other_backend->alive = backend_->alive;
  Manager other(RuntimeOptions{root_, ""}, std::move(other_backend));
  auto status = other.StatusSandbox("s1");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, SandboxState::kRunning);
  ASSERT_TRUE(other.KillContainer("s1", "c1", SIGTERM, false));
  EXPECT_EQ(impl_->StatusContainer("s1", "c1")->exit_status, 128 + SIGTERM);
}

TEST_F(ManagerTest, UpdateIsAppliedAndKeptForTheNextStart) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {Container("c1")})));
  ContainerResources limits;
  limits.memory_limit_bytes = 64 << 20;
  // Not started yet: only recorded.
  ASSERT_TRUE(impl_->UpdateContainer("s1", "c1", limits));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto spec = nlohmann::json::parse(GuestOf("s1").spec("c1"));
  EXPECT_EQ(spec["linux"]["resources"]["memory"]["limit"], 64 << 20) << spec.dump();
  ContainerResources pids;
  pids.pids_limit = 20;
  ASSERT_TRUE(impl_->UpdateContainer("s1", "c1", pids));
  auto applied = nlohmann::json::parse(GuestOf("s1").resources("c1"));
  EXPECT_EQ(applied["pids"]["limit"], 20);
  EXPECT_EQ(applied["memory"]["limit"], 64 << 20) << "earlier limits stay";
  EXPECT_EQ(impl_->UpdateContainer("s1", "nope", pids).error().code, ErrorCode::kNotFound);
}

TEST_F(ManagerTest, TheVmGrowsForItsContainersLimits) {
  auto sandbox = Sandbox("s1", {Container("c1")});
  sandbox.hypervisor.memory_slots = 10;
  ASSERT_TRUE(impl_->CreateSandbox(sandbox));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  EXPECT_TRUE(backend_->grown.empty()) << "no limits: the boot size does";
  ContainerResources limits;
  limits.cpu_quota_usec = 150000;
  limits.cpu_period_usec = 100000;
  limits.memory_limit_bytes = 100 << 20;
  ASSERT_TRUE(impl_->UpdateContainer("s1", "c1", limits));
  ASSERT_EQ(backend_->grown.size(), 1u);
  EXPECT_EQ(backend_->grown[0], (hypervisor::VmSize{1 + 2, 256 + 100})) << "boot size plus the limits";
  EXPECT_EQ(GuestOf("s1").online_cpus(), 3u) << "the hot-plugged vCPUs are brought online";
  auto calls = GuestOf("s1").Calls();
  EXPECT_LT(std::find(calls.begin(), calls.end(), "OnlineCpus"), std::find(calls.begin(), calls.end(), "UpdateContainer"))
      << "the VM grows before the limit is applied";

  // Beyond what the VM can grow to (4 vCPUs here): accepted, as runc takes
  // limits beyond the host; the VM stops at its maximum.
  ContainerResources beyond;
  beyond.cpu_quota_usec = 1000000;
  ASSERT_TRUE(impl_->UpdateContainer("s1", "c1", beyond));
  EXPECT_EQ(backend_->grown.back().vcpus, 11u);
  EXPECT_EQ(GuestOf("s1").online_cpus(), 4u);
  EXPECT_EQ(nlohmann::json::parse(GuestOf("s1").resources("c1"))["cpu"]["quota"], 1000000);
}

TEST_F(ManagerTest, WithoutMemorySlotsOnlyVcpusAreAskedFor) {
  auto sandbox = Sandbox("s1", {Container("c1")});
  sandbox.hypervisor.memory_slots = 0;
  ASSERT_TRUE(impl_->CreateSandbox(sandbox));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ContainerResources limits;
  limits.memory_limit_bytes = 100 << 20;
  ASSERT_TRUE(impl_->UpdateContainer("s1", "c1", limits));
  EXPECT_TRUE(backend_->grown.empty()) << "a memory limit alone: the boot memory does";
  limits.cpu_quota_usec = 100000;
  limits.cpu_period_usec = 100000;
  ASSERT_TRUE(impl_->UpdateContainer("s1", "c1", limits));
  ASSERT_EQ(backend_->grown.size(), 1u);
  EXPECT_EQ(backend_->grown[0], (hypervisor::VmSize{2, 256}));
}

TEST_F(ManagerTest, BindMountSourcesAreSharedAndRenamedForTheGuest) {
  auto c = Container("c1");
  c.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
               {"destination": "/etc/hosts", "type": "bind", "source": "/host/hosts", "options": ["ro"]},
               {"destination": "/data", "type": "none", "source": "/host/data", "options": ["rbind", "rw"]}]})";
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {c})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto spec = nlohmann::json::parse(GuestOf("s1").spec("c1"));
  EXPECT_EQ(spec["mounts"][0]["source"], "proc") << "not a bind: untouched";
  EXPECT_EQ(spec["mounts"][1]["source"], "/shared/c1/mounts/1");
  EXPECT_EQ(spec["mounts"][2]["source"], "/shared/c1/mounts/2");
  EXPECT_EQ(backend_->bound.at("s1/c1/mounts/1"), "/host/hosts");
  ASSERT_TRUE(impl_->StopContainer("s1", "c1"));
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c1"));
  EXPECT_FALSE(backend_->bound.contains("s1/c1/mounts/1")) << "unshared with the container";

  auto relative = Container("c2");
  relative.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "mounts": [{"destination": "/data", "type": "bind", "source": "data"}]})";
  auto created = impl_->CreateContainer("s1", relative);
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message.find("must be an absolute host path"), std::string::npos);
  EXPECT_FALSE(backend_->bound.contains("s1/c2")) << "nothing of a refused container stays shared";
}

TEST_F(ManagerTest, ARootOnADiskIsAttachedMountedAndDetached) {
  const std::string image = Ext4Image("root.img");
  auto c = Container("c1");
  c.rootfs.clear();
  c.rootfs_disk = image;
  c.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs", "readonly": true}, "process": {"args": ["true"]}})";
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1")));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto created = impl_->CreateContainer("s1", c);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(backend_->disks.at("disk0"), image + " ro") << "the spec's root is read-only";
  EXPECT_FALSE(backend_->bound.contains("s1/c1")) << "nothing shared";
  auto disks = GuestOf("s1").disks("c1");
  ASSERT_EQ(disks.size(), 1u);
  EXPECT_EQ(disks[0].driver, "virtio-scsi");
  EXPECT_EQ(disks[0].address, "0:0");
  EXPECT_EQ(disks[0].fstype, "ext4");
  EXPECT_EQ(disks[0].options, std::vector<std::string>{"ro"});
  EXPECT_EQ(disks[0].mount_point, "/run/vc/disks/c1/root");
  EXPECT_EQ(nlohmann::json::parse(GuestOf("s1").spec("c1"))["root"]["path"], "/run/vc/disks/c1/root");
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c1"));
  EXPECT_TRUE(backend_->disks.empty()) << "detached with the container";

  auto garbage = Container("c2");
  garbage.rootfs_disk = root_ + "/garbage.img";
  std::ofstream(garbage.rootfs_disk) << std::string(4096, 'x');
  auto refused = impl_->CreateContainer("s1", garbage);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("no file system the guest can mount"), std::string::npos);
  EXPECT_TRUE(backend_->disks.empty());

  GuestOf("s1").FailNext("CreateContainer", {ErrorCode::kDeadlineExceeded, "no disk at 0:0 within 20 s"});
  auto failed = impl_->CreateContainer("s1", c);
  ASSERT_FALSE(failed);
  EXPECT_TRUE(backend_->disks.empty()) << "a failed create takes its disk back";
}

TEST_F(ManagerTest, TheFirstContainersRootDiskIsThereFromBootAndStays) {
  const std::string image = Ext4Image("root.img");
  auto c = Container("c1");
  c.rootfs.clear();
  c.rootfs_disk = image;
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {c})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ASSERT_EQ(backend_->launched->disks.size(), 1u) << "asked for before boot";
  EXPECT_EQ(backend_->launched->disks[0].path, image);
  EXPECT_TRUE(backend_->disks.empty()) << "not hot-plugged";
  auto disks = GuestOf("s1").disks("c1");
  ASSERT_EQ(disks.size(), 1u);
  EXPECT_EQ(disks[0].address, "10");
  ASSERT_TRUE(impl_->StopContainer("s1", "c1"));
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c1"));
  auto again = c;
  again.id = "c2";
  ASSERT_TRUE(impl_->CreateContainer("s1", again));
  EXPECT_EQ(GuestOf("s1").disks("c2").at(0).address, "10") << "the boot disk, free again, taken again";
  EXPECT_TRUE(backend_->disks.empty());
  auto third = c;
  third.id = "c3";
  ASSERT_TRUE(impl_->CreateContainer("s1", third));
  EXPECT_EQ(backend_->disks.size(), 1u) << "the boot disk is taken: this one is hot-plugged (QEMU refuses a second writer of one image)";
}

TEST_F(ManagerTest, ADirectVolumeGrowsOnTheHostThenInTheGuest) {
  const std::string image = Ext4Image("vol.img");
  const std::string volume = root_ + "/srv-data";
  ASSERT_TRUE(impl_->AddDirectVolume(volume, {image, "", {}}));
  EXPECT_EQ(impl_->ResizeDirectVolume(volume, 1u << 30).error().code, ErrorCode::kFailedPrecondition)
      << "no container has it";
  auto c = Container("c1");
  c.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "mounts": [{"destination": "/data", "type": "bind", "source": ")" + volume + R"("}]})";
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1")));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ASSERT_TRUE(impl_->CreateContainer("s1", c));
  ASSERT_TRUE(impl_->ResizeDirectVolume(volume, 1u << 30));
  EXPECT_EQ(backend_->resized.at(image), 1u << 30);
  auto calls = GuestOf("s1").Calls();
  EXPECT_NE(std::find(calls.begin(), calls.end(), "ResizeVolume"), calls.end()) << "the guest grows its file system";
}

TEST_F(ManagerTest, AVfioGroupNodePassesTheGroupThroughWhileAContainerHasIt) {
  auto c = Container("c1");
  c.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "linux": {"devices": [{"type": "c", "path": "/dev/vfio/7", "major": 243, "minor": 0},
                          {"type": "c", "path": "/dev/vfio/vfio", "major": 10, "minor": 196}]}})";
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1")));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto created = impl_->CreateContainer("s1", c);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(backend_->vfio, (std::map<std::string, int>{{"7", 1}})) << "the group, not the container node";
  auto devices = GuestOf("s1").devices("c1");
  ASSERT_EQ(devices.size(), 2u) << "each function of the group";
  EXPECT_EQ(devices[0].address, "03/00");
  EXPECT_EQ(devices[1].address, "04/00");
  EXPECT_EQ(devices[1].container_path, "/dev/vfio/7");
  auto second = c;
  second.id = "c2";
  ASSERT_TRUE(impl_->CreateContainer("s1", second));
  EXPECT_EQ(backend_->vfio.at("7"), 2) << "shared within the pod";
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c1"));
  EXPECT_EQ(backend_->vfio.at("7"), 1);
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c2"));
  EXPECT_TRUE(backend_->vfio.empty()) << "out with its last container";

  auto none = Container("c3");
  none.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "linux": {"devices": [{"type": "c", "path": "/dev/vfio/99", "major": 243, "minor": 1}]}})";
  auto refused = impl_->CreateContainer("s1", none);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("linux.devices /dev/vfio/99: the host has no IOMMU"), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(backend_->bound.contains("s1/c3")) << "nothing of a refused container stays shared";
}

TEST_F(ManagerTest, APrivilegedContainersHostDevicesEnterTheVmOnlyWhenNamed) {
  // containerd's privileged container: every host device listed, every device allowed.
  const std::string privileged = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "linux": {"devices": [{"type": "c", "path": "/dev/vfio/7", "major": 243, "minor": 0},
                          {"type": "c", "path": "/dev/vfio/8", "major": 243, "minor": 1}],
              "resources": {"devices": [{"allow": true, "access": "rwm"}]}}})";
  auto c = Container("c1");
  c.oci_spec = privileged;
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1")));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto plain = impl_->CreateContainer("s1", c);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_TRUE(backend_->vfio.empty()) << "privileged in the guest: no host device enters unasked";
  EXPECT_TRUE(GuestOf("s1").devices("c1").empty());
  auto named = Container("c2");
  auto spec = nlohmann::json::parse(privileged);
  spec["annotations"][oci::kHostDevicesAnnotation] = "/dev/sdz, /dev/vfio/8";
  named.oci_spec = spec.dump();
  auto created = impl_->CreateContainer("s1", named);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(backend_->vfio, (std::map<std::string, int>{{"8", 1}})) << "only the one the annotation names";
}

TEST_F(ManagerTest, BindPropagationDecidesWhetherHostMountsFollowAndSharedIsRefused) {
  auto c = Container("c1");
  c.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "mounts": [{"destination": "/follow", "type": "bind", "source": "/host/a", "options": ["rbind", "rslave"]},
               {"destination": "/private", "type": "bind", "source": "/host/b", "options": ["rbind", "rprivate", "ro"]}]})";
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {c})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  EXPECT_TRUE(backend_->share_options.at("s1/c1/mounts/0").receive_host_mounts) << "rslave: HostToContainer";
  EXPECT_FALSE(backend_->share_options.at("s1/c1/mounts/0").read_only);
  EXPECT_FALSE(backend_->share_options.at("s1/c1/mounts/1").receive_host_mounts) << "rprivate: None";
  EXPECT_TRUE(backend_->share_options.at("s1/c1/mounts/1").read_only);

  auto shared = Container("c2");
  shared.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "mounts": [{"destination": "/both", "type": "bind", "source": "/host/c", "options": ["rbind", "rshared"]}]})";
  auto refused = impl_->CreateContainer("s1", shared);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("mount /both (/host/c): shared propagation"), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(backend_->bound.contains("s1/c2")) << "nothing of a refused container stays shared";
}

TEST_F(ManagerTest, ProcessesByTheirIds) {
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {Container("c1")})));
  EXPECT_EQ(impl_->PidsContainer("s1", "c1").error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  Cmd cmd;
  cmd.args = {"sh"};
  auto exec = impl_->EnterContainer("s1", "c1", cmd, "shell1");
  ASSERT_TRUE(exec) << exec.error().message;
  EXPECT_EQ((*exec)->exec_id(), "shell1");
  EXPECT_EQ(impl_->EnterContainer("s1", "c1", cmd, "bad/id").error().code, ErrorCode::kInvalidArgument);
  auto pids = impl_->PidsContainer("s1", "c1");
  ASSERT_TRUE(pids);
  EXPECT_EQ(pids->size(), 2u);
  ASSERT_TRUE(impl_->ResizeTerminal("s1", "c1", "shell1", 40, 120));
  EXPECT_EQ(impl_->SignalProcess("s1", "c1", "shell1", 0).error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(impl_->SignalProcess("s1", "c1", "shell1", SIGKILL));
  EXPECT_EQ(impl_->PidsContainer("s1", "c1")->size(), 1u) << "the exec was killed, init runs";
  EXPECT_FALSE(impl_->SignalProcess("s1", "c1", "nope", SIGTERM));
}

}  // namespace
}  // namespace vc
