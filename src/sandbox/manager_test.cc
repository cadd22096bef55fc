// The sandbox manager's logic with a fake backend (manager_test_fixture.h):
// lifecycles, states, networks, updates, the VM's size, processes.
#include "sandbox/manager_test_fixture.h"

namespace vc {
namespace {

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
