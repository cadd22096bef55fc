// virtc: the command line over libvirtcontainers.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "vc/vc.h"

namespace {

// Exit code of `virtc run` when the runtime, not the workload, failed.
constexpr int kRuntimeError = 125;

struct Globals {
  std::string root = "/run/vc";
  std::string kernel;
  std::string initrd;
  std::string qemu;
  std::string accel = "auto";
  uint32_t memory_mib = 256;
  uint32_t vcpus = 1;
  std::string agent_transport = "auto";
  bool json = false;
};

// Where the guest assets are by default: <dir of virtc>/../guest/.
std::string DefaultGuestDir() {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "guest";
  std::filesystem::path exe(std::string(self, static_cast<size_t>(n)));
  return (exe.parent_path().parent_path() / "guest").string();
}

vc::HypervisorConfig HypervisorFrom(const Globals& g) {
  vc::HypervisorConfig h;
  h.kernel_path = g.kernel.empty() ? DefaultGuestDir() + "/vmlinuz" : g.kernel;
  h.initrd_path = g.initrd.empty() ? DefaultGuestDir() + "/initramfs.cpio" : g.initrd;
  h.binary_path = g.qemu;
  h.accel = g.accel;
  h.memory_mib = g.memory_mib;
  h.vcpus = g.vcpus;
  return h;
}

int Failed(const vc::Error& e, int code = 1) {
  std::cerr << "virtc: " << e.message << std::endl;
  return code;
}

int SignalNumber(const std::string& name) {
  static const std::pair<const char*, int> names[] = {
      {"HUP", SIGHUP}, {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
      {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"WINCH", SIGWINCH}};
  std::string n = name.starts_with("SIG") ? name.substr(3) : name;
  for (auto [s, v] : names)
    if (n == s) return v;
  try {
    return std::stoi(n);
  } catch (...) {
    return -1;
  }
}

// Builds a container from --rootfs DIR + command, or from an OCI --bundle.
vc::Result<vc::ContainerConfig> ContainerFrom(const std::string& id, const std::string& rootfs,
                                              const std::string& bundle,
                                              const std::vector<std::string>& args) {
  vc::ContainerConfig c;
  if (!bundle.empty()) {
    auto from_bundle = vc::ContainerConfigFromBundle(bundle);
    if (!from_bundle) return from_bundle;
    c = std::move(*from_bundle);
    if (!args.empty()) c.cmd.args = args;
  } else {
    std::error_code ec;
    c.rootfs = std::filesystem::absolute(rootfs, ec).lexically_normal().string();
    if (c.rootfs.size() > 1 && c.rootfs.back() == '/') c.rootfs.pop_back();
    c.cmd.args = args;
    c.cmd.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                 "HOME=/root", "TERM=xterm"};
  }
  c.id = id;
  return c;
}

// Copies the process's output to ours, our stdin to it (if `forward_stdin`),
// waits for it, and returns its exit status once all output is out.
vc::Result<int> Relay(std::shared_ptr<vc::Process> process, bool forward_stdin) {
  auto pump = [process](bool err) {
    for (;;) {
      auto chunk = err ? process->ReadStderr() : process->ReadStdout();
      if (!chunk) return;
      if (!chunk->data.empty()) {
        (void)!::write(err ? 2 : 1, chunk->data.data(), chunk->data.size());
      }
      if (chunk->eof) return;
    }
  };
  std::thread out(pump, false), err(pump, true);
  if (forward_stdin) {
    // Detached: it may sit in read(0) after the process ended.
    std::thread([process] {
      char buf[16384];
      for (;;) {
        ssize_t n = ::read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || !process->WriteStdin({buf, static_cast<size_t>(n)})) break;
      }
      (void)process->CloseStdin();
    }).detach();
  }
  auto status = process->Wait();
  out.join();
  err.join();
  return status;
}

// The signals virtc passes on to the workload of run, enter and attach.
sigset_t ForwardedSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
  return set;
}

// Blocks the forwarded signals in this thread and every thread created after
// it (the library's I/O threads among them), so that none of them dies of a
// Ctrl-C: call first, before any thread exists.
void BlockForwardedSignals() {
  sigset_t set = ForwardedSignals();
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::signal(s, SIG_DFL);  // background jobs start with SIGINT ignored
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Passes those signals on to `process` while it runs. A container's PID 1
// ignores signals it has no handler for, so the same signal a second time
// becomes SIGKILL (a second Ctrl-C always ends it).
// REQUIRES: BlockForwardedSignals() was called.
void ForwardSignals(std::shared_ptr<vc::Process> process) {
  std::thread([process] {
    sigset_t set = ForwardedSignals();
    std::set<int> seen;
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      (void)process->Signal(seen.insert(sig).second ? sig : SIGKILL);
    }
  }).detach();
}

void PrintSandboxes(const std::vector<vc::SandboxStatus>& list, bool with_containers, bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : list) {
      nlohmann::json containers = nlohmann::json::array();
      for (const auto& c : s.containers) {
        nlohmann::json cj = {{"id", c.id}, {"state", vc::ToString(c.state)}, {"pid", c.pid},
                             {"rootfs", c.rootfs}, {"command", c.cmd.args}};
        cj["exit_status"] = c.exit_status ? nlohmann::json(*c.exit_status) : nlohmann::json();
        containers.push_back(cj);
      }
      out.push_back({{"id", s.id}, {"state", vc::ToString(s.state)}, {"hypervisor", s.hypervisor},
                     {"accel", s.accel}, {"agent", s.agent}, {"hypervisor_pid", s.hypervisor_pid},
                     {"guest_kernel", s.guest_kernel}, {"agent_version", s.agent_version},
                     {"agent_rss_bytes", s.agent_rss_bytes}, {"containers", containers}});
    }
    std::cout << (with_containers && out.size() == 1 ? out[0] : out).dump(2) << std::endl;
    return;
  }
  std::cout << std::left << std::setw(36) << "SANDBOX ID" << "  " << std::setw(8) << "STATE"
            << "  " << std::setw(10) << "HYPERVISOR" << "  " << std::setw(5) << "ACCEL" << "  "
            << "AGENT" << "\n";
  for (const auto& s : list)
    std::cout << std::setw(36) << s.id << "  " << std::setw(8) << vc::ToString(s.state) << "  "
              << std::setw(10) << s.hypervisor << "  " << std::setw(5)
              << (s.accel.empty() ? "-" : s.accel) << "  " << s.agent << "\n";
  if (with_containers && list.size() == 1) {
    std::cout << "\n" << std::setw(20) << "CONTAINER ID" << "  " << std::setw(8) << "STATE" << "  "
              << std::setw(6) << "PID" << "  " << std::setw(4) << "EXIT" << "  COMMAND\n";
    for (const auto& c : list[0].containers) {
      std::string cmd;
      for (const auto& a : c.cmd.args) cmd += (cmd.empty() ? "" : " ") + a;
      std::cout << std::setw(20) << c.id << "  " << std::setw(8) << vc::ToString(c.state) << "  "
                << std::setw(6) << c.pid << "  " << std::setw(4)
                << (c.exit_status ? std::to_string(*c.exit_status) : "-") << "  " << cmd << "\n";
    }
  }
  std::cout << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"virtc: run containers in lightweight VMs (libvirtcontainers)"};
  app.require_subcommand(1);
  Globals g;
  app.add_option("--root", g.root, "state directory")->capture_default_str();
  app.add_option("--kernel", g.kernel, "guest kernel (default: <virtc dir>/../guest/vmlinuz)");
  app.add_option("--initrd", g.initrd, "guest initramfs (default: <virtc dir>/../guest/initramfs.cpio)");
  app.add_option("--qemu", g.qemu, "QEMU binary (default: qemu-system-x86_64 from PATH)");
  app.add_option("--accel", g.accel, "auto, kvm or tcg")->capture_default_str();
  app.add_option("--memory", g.memory_mib, "VM memory in MiB")->capture_default_str();
  app.add_option("--vcpus", g.vcpus, "VM vCPUs")->capture_default_str();
  app.add_option("--agent-transport", g.agent_transport,
                 "auto (vsock when /dev/vhost-vsock is usable), serial or vsock")->capture_default_str();

  int exit_code = 0;
  // Everything after the first "--" is the container's command, untouched.
  // (CLI11 would hand it to the top-level app, not the subcommand.)
  int cli_argc = argc;
  std::vector<std::string> trailing;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      cli_argc = i;
      trailing.assign(argv + i + 1, argv + argc);
      break;
    }
  }
  // The command of a subcommand: after "--", or its first positional and the rest.
  auto command_of = [&](CLI::App* cmd) {
    return trailing.empty() ? cmd->remaining() : trailing;
  };
  auto runtime = [&] { return std::make_unique<vc::Runtime>(vc::RuntimeOptions{g.root, ""}); };

  // --- virtc run ---
  std::string run_rootfs, run_bundle, run_id;
  std::vector<std::string> run_args;
  auto* run = app.add_subcommand("run", "run a command in a container in a new VM, then remove it all");
  auto* rootfs_opt = run->add_option("--rootfs", run_rootfs, "container root directory");
  run->add_option("--bundle", run_bundle, "OCI bundle (config.json + rootfs)")->excludes(rootfs_opt);
  run->add_option("--id", run_id, "sandbox id (default: generated)");
  run->prefix_command();
  run->callback([&] {
    BlockForwardedSignals();
    run_args = command_of(run);
    if (run_rootfs.empty() && run_bundle.empty()) throw CLI::ValidationError("run", "--rootfs or --bundle is required");
    if (run_bundle.empty() && run_args.empty()) throw CLI::ValidationError("run", "a command is required with --rootfs");
    auto rt = runtime();
    auto container = ContainerFrom("main", run_rootfs, run_bundle, run_args);
    if (!container) { exit_code = Failed(container.error(), kRuntimeError); return; }
    vc::SandboxConfig config;
    config.id = run_id;
    config.hypervisor = HypervisorFrom(g);
    config.agent.transport = g.agent_transport;
    config.containers = {*container};
    auto sandbox = rt->RunSandbox(config);
    if (!sandbox) { exit_code = Failed(sandbox.error(), kRuntimeError); return; }
    auto process = rt->AttachProcess(sandbox->id, "main");
    vc::Result<int> status = process ? vc::Result<int>(0) : std::unexpected(process.error());
    if (process) {
      std::shared_ptr<vc::Process> shared(std::move(*process));
      ForwardSignals(shared);
      status = Relay(shared, true);
    }
    auto stopped = rt->StopSandbox(sandbox->id);
    auto deleted = rt->DeleteSandbox(sandbox->id);
    if (!status) { exit_code = Failed(status.error(), kRuntimeError); return; }
    if (!stopped) { exit_code = Failed(stopped.error(), kRuntimeError); return; }
    if (!deleted) { exit_code = Failed(deleted.error(), kRuntimeError); return; }
    exit_code = *status;
  });

  // --- virtc sandbox ... ---
  auto* sandbox = app.add_subcommand("sandbox", "manage sandboxes (one VM each)");
  sandbox->require_subcommand(1);
  std::string sb_id, sb_rootfs, sb_bundle, sb_cid = "main";
  std::vector<std::string> sb_args;
  for (const char* verb : {"create", "run"}) {
    auto* cmd = sandbox->add_subcommand(verb, std::string(verb) == "create"
        ? "record a new sandbox (no VM yet); prints its id"
        : "create and start a sandbox");
    cmd->add_option("--id", sb_id, "sandbox id (default: generated)");
    auto* r = cmd->add_option("--rootfs", sb_rootfs, "root directory of an initial container");
    cmd->add_option("--bundle", sb_bundle, "OCI bundle of an initial container")->excludes(r);
    cmd->add_option("--container-id", sb_cid, "id of the initial container")->capture_default_str();
    cmd->prefix_command();
    cmd->callback([&, cmd, verb = std::string(verb)] {
      sb_args = command_of(cmd);
      vc::SandboxConfig config;
      config.id = sb_id;
      config.hypervisor = HypervisorFrom(g);
      config.agent.transport = g.agent_transport;
      if (!sb_rootfs.empty() || !sb_bundle.empty()) {
        auto c = ContainerFrom(sb_cid, sb_rootfs, sb_bundle, sb_args);
        if (!c) { exit_code = Failed(c.error()); return; }
        config.containers = {*c};
      }
      auto rt = runtime();
      auto status = verb == "create" ? rt->CreateSandbox(config) : rt->RunSandbox(config);
      if (!status) { exit_code = Failed(status.error()); return; }
      std::cout << status->id << std::endl;
    });
  }
  auto sandbox_verb = [&](const char* verb, const char* help,
                          std::function<vc::Result<>(vc::Runtime&, const std::string&)> fn) {
    auto* cmd = sandbox->add_subcommand(verb, help);
    cmd->add_option("--id", sb_id, "sandbox id")->required();
    cmd->callback([&, fn] {
      auto rt = runtime();
      if (auto r = fn(*rt, sb_id); !r) exit_code = Failed(r.error());
    });
  };
  sandbox_verb("start", "boot a created or stopped sandbox", [](vc::Runtime& rt, const std::string& id) -> vc::Result<> {
    auto r = rt.StartSandbox(id);
    if (!r) return std::unexpected(r.error());
    return {};
  });
  sandbox_verb("stop", "stop the containers and shut the VM down",
               [](vc::Runtime& rt, const std::string& id) { return rt.StopSandbox(id); });
  sandbox_verb("pause", "pause the VM", [](vc::Runtime& rt, const std::string& id) { return rt.PauseSandbox(id); });
  sandbox_verb("resume", "resume the VM", [](vc::Runtime& rt, const std::string& id) { return rt.ResumeSandbox(id); });
  sandbox_verb("delete", "remove a stopped sandbox",
               [](vc::Runtime& rt, const std::string& id) { return rt.DeleteSandbox(id); });
  auto* sb_status = sandbox->add_subcommand("status", "show a sandbox and its containers");
  sb_status->add_option("--id", sb_id, "sandbox id")->required();
  sb_status->add_flag("--json", g.json, "print JSON");
  sb_status->callback([&] {
    auto status = runtime()->StatusSandbox(sb_id);
    if (!status) { exit_code = Failed(status.error()); return; }
    PrintSandboxes({*status}, true, g.json);
  });
  auto* sb_list = sandbox->add_subcommand("list", "list all sandboxes");
  sb_list->add_flag("--json", g.json, "print JSON");
  sb_list->callback([&] {
    auto list = runtime()->ListSandbox();
    if (!list) { exit_code = Failed(list.error()); return; }
    PrintSandboxes(*list, false, g.json);
  });

  // --- virtc container ... ---
  auto* container = app.add_subcommand("container", "manage containers inside a sandbox");
  container->require_subcommand(1);
  std::string c_sb, c_id, c_rootfs, c_bundle, c_signal = "TERM";
  std::vector<std::string> c_args;
  bool c_all = false;
  auto with_ids = [&](CLI::App* cmd) {
    cmd->add_option("--sandbox", c_sb, "sandbox id")->required();
    cmd->add_option("--id", c_id, "container id")->required();
  };
  auto* c_create = container->add_subcommand("create", "create a container in a sandbox");
  with_ids(c_create);
  auto* c_r = c_create->add_option("--rootfs", c_rootfs, "container root directory");
  c_create->add_option("--bundle", c_bundle, "OCI bundle")->excludes(c_r);
  c_create->prefix_command();
  c_create->callback([&] {
    c_args = command_of(c_create);
    if (c_rootfs.empty() && c_bundle.empty()) throw CLI::ValidationError("create", "--rootfs or --bundle is required");
    auto config = ContainerFrom(c_id, c_rootfs, c_bundle, c_args);
    if (!config) { exit_code = Failed(config.error()); return; }
    if (auto r = runtime()->CreateContainer(c_sb, *config); !r) exit_code = Failed(r.error());
  });
  auto container_verb = [&](const char* verb, const char* help,
                            std::function<vc::Result<>(vc::Runtime&)> fn) {
    auto* cmd = container->add_subcommand(verb, help);
    with_ids(cmd);
    return cmd->callback([&, fn] {
      auto rt = runtime();
      if (auto r = fn(*rt); !r) exit_code = Failed(r.error());
    });
  };
  container_verb("start", "start a created container (detached; see 'attach')", [&](vc::Runtime& rt) -> vc::Result<> {
    auto r = rt.StartContainer(c_sb, c_id);
    if (!r) return std::unexpected(r.error());
    return {};
  });
  container_verb("stop", "kill all processes of a container", [&](vc::Runtime& rt) -> vc::Result<> {
    auto r = rt.StopContainer(c_sb, c_id);
    if (!r) return std::unexpected(r.error());
    return {};
  });
  container_verb("pause", "freeze a container", [&](vc::Runtime& rt) { return rt.PauseContainer(c_sb, c_id); });
  container_verb("resume", "thaw a container", [&](vc::Runtime& rt) { return rt.ResumeContainer(c_sb, c_id); });
  container_verb("delete", "remove a stopped container", [&](vc::Runtime& rt) { return rt.DeleteContainer(c_sb, c_id); });
  auto* c_kill = container_verb("kill", "send a signal to a container's init process (or all its processes)",
                                [&](vc::Runtime& rt) -> vc::Result<> {
    int sig = SignalNumber(c_signal);
    if (sig <= 0) return vc::Fail(vc::ErrorCode::kInvalidArgument, "unknown signal " + c_signal);
    return rt.KillContainer(c_sb, c_id, sig, c_all);
  });
  c_kill->add_option("--signal,-s", c_signal, "signal name or number")->capture_default_str();
  c_kill->add_flag("--all", c_all, "signal every process of the container");
  auto* c_status = container->add_subcommand("status", "show a container");
  with_ids(c_status);
  c_status->add_flag("--json", g.json, "print JSON");
  c_status->callback([&] {
    auto s = runtime()->StatusContainer(c_sb, c_id);
    if (!s) { exit_code = Failed(s.error()); return; }
    if (g.json) {
      nlohmann::json j = {{"id", s->id}, {"state", vc::ToString(s->state)}, {"pid", s->pid},
                          {"rootfs", s->rootfs}, {"command", s->cmd.args}};
      j["exit_status"] = s->exit_status ? nlohmann::json(*s->exit_status) : nlohmann::json();
      std::cout << j.dump(2) << std::endl;
    } else {
      std::cout << std::left << std::setw(20) << "CONTAINER ID" << "  " << std::setw(8) << "STATE"
                << "  " << std::setw(6) << "PID" << "  EXIT\n"
                << std::setw(20) << s->id << "  " << std::setw(8) << vc::ToString(s->state) << "  "
                << std::setw(6) << s->pid << "  "
                << (s->exit_status ? std::to_string(*s->exit_status) : "-") << std::endl;
    }
  });
  auto* c_stats = container->add_subcommand("stats", "CPU, memory and process count of a container");
  with_ids(c_stats);
  c_stats->add_flag("--json", g.json, "print JSON");
  c_stats->callback([&] {
    auto s = runtime()->StatsContainer(c_sb, c_id);
    if (!s) { exit_code = Failed(s.error()); return; }
    if (g.json) {
      std::cout << nlohmann::json{{"cpu_usage_usec", s->cpu_usage_usec}, {"memory_bytes", s->memory_bytes},
                                  {"pids", s->pids}}.dump(2) << std::endl;
    } else {
      std::cout << "CPU " << s->cpu_usage_usec / 1000 << " ms  MEMORY " << s->memory_bytes / 1024
                << " KiB  PIDS " << s->pids << std::endl;
    }
  });
  auto* c_enter = container->add_subcommand("enter", "run a command in a running container (stdio relayed)");
  with_ids(c_enter);
  c_enter->prefix_command();
  c_enter->callback([&] {
    BlockForwardedSignals();
    c_args = command_of(c_enter);
    if (c_args.empty()) throw CLI::ValidationError("enter", "a command is required");
    vc::Cmd cmd;
    cmd.args = c_args;
    cmd.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "TERM=xterm"};
    auto p = runtime()->EnterContainer(c_sb, c_id, cmd);
    if (!p) { exit_code = Failed(p.error()); return; }
    std::shared_ptr<vc::Process> shared(std::move(*p));
    ForwardSignals(shared);
    auto status = Relay(shared, true);
    exit_code = status ? *status : Failed(status.error());
  });
  auto* c_attach = container->add_subcommand(
      "attach", "print a container's output (what it wrote so far, then on) and exit with its exit status");
  with_ids(c_attach);
  bool c_stdin = false;
  c_attach->add_flag("--stdin,-i", c_stdin, "also forward our stdin to the container");
  c_attach->callback([&] {
    BlockForwardedSignals();
    auto p = runtime()->AttachProcess(c_sb, c_id);
    if (!p) { exit_code = Failed(p.error()); return; }
    std::shared_ptr<vc::Process> shared(std::move(*p));
    ForwardSignals(shared);
    auto status = Relay(shared, c_stdin);
    exit_code = status ? *status : Failed(status.error());
  });

  try {
    app.parse(cli_argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // Skip destructors: a stdin pump may still sit in read(0).
  std::cout.flush();
  std::fflush(stdout);
  std::_Exit(exit_code);
}
