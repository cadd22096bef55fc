#include "sandbox/launch.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "net/json.h"
#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"
#include "os/process.h"

namespace vc {

Result<std::string> FindSupervisor(const std::string& configured) {
  if (!configured.empty()) {
    if (::access(configured.c_str(), X_OK) != 0)
      return Fail(ErrorCode::kUnavailable, "supervisor not found at " + configured);
    return configured;
  }
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    if (::access((dir + "/vc-supervisor").c_str(), X_OK) == 0) return dir + "/vc-supervisor";
  }
  std::string found = os::FindProgram("vc-supervisor");
  if (found.empty())
    return Fail(ErrorCode::kUnavailable,
                "vc-supervisor not found next to this program or in PATH: build it (cmake --build build)");
  return found;
}

Result<LaunchReport> LaunchSupervisor(const std::string& binary, const std::string& state_root,
                                      const std::string& sandbox_id, const std::string& log_path,
                                      std::chrono::milliseconds timeout, int guest_log_fd) {
  os::Fd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!log) return os::FailErrno("open " + log_path);
  int status[2];
  if (::pipe2(status, O_CLOEXEC) != 0) return os::FailErrno("pipe");
  os::Fd status_read(status[0]), status_write(status[1]);

  os::SpawnOptions spawn;
  spawn.argv = {binary, "--root", state_root, "--sandbox", sandbox_id, "--status-fd",
                std::to_string(status_write.get())};
  spawn.stdout_fd = spawn.stderr_fd = log.get();
  spawn.keep_fds = {status_write.get()};
  // Above stdio, where the child's stderr (its log) cannot take its number.
  os::Fd guest_log;
  if (guest_log_fd >= 0) {
    guest_log = os::Fd(::fcntl(guest_log_fd, F_DUPFD_CLOEXEC, 3));
    if (!guest_log) return os::FailErrno("duplicate the guest log's descriptor");
    spawn.argv.insert(spawn.argv.end(), {"--guest-log-fd", std::to_string(guest_log.get())});
    spawn.keep_fds.push_back(guest_log.get());
  }
  spawn.die_with_parent = false;
  spawn.new_session = true;
  auto spawned = os::Spawn(spawn);
  if (!spawned) return std::unexpected(spawned.error().Wrap("start supervisor"));
  status_write.reset();
  // The supervisor forks once more and its first process exits at once, so
  // that it never stays our child (no zombie in long-lived callers). Its
  // first status line names the pid that stays.
  ::waitpid(*spawned, nullptr, 0);
  pid_t pid = 0;

  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      if (pid > 0) os::Terminate(pid, std::chrono::seconds(10));
      return Fail(ErrorCode::kDeadlineExceeded,
                  "the VM did not become ready within " + std::to_string(timeout.count()) + " ms");
    }
    pollfd p{status_read.get(), POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno != EINTR) return os::FailErrno("poll supervisor status");
    if (rc <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(status_read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
    if (size_t eol = line.find('\n'); pid == 0 && eol != std::string::npos) {
      auto hello = nlohmann::json::parse(line.substr(0, eol), nullptr, false);
      if (!hello.is_discarded() && hello.is_object()) pid = hello.value("pid", 0);
      line.erase(0, eol + 1);
    }
  }
  auto report = nlohmann::json::parse(line, nullptr, false);
  if (report.is_discarded() || !report.is_object()) {
    if (pid > 0) (void)os::WaitGone(pid, std::chrono::seconds(10));
    return Fail(ErrorCode::kUnavailable,
                "the supervisor exited without a report; see " + log_path);
  }
  if (!report.value("ok", false)) {
    if (pid > 0) (void)os::WaitGone(pid, std::chrono::seconds(30));
    return Fail(ErrorCode::kUnavailable, report.value("error", std::string("unknown error")));
  }
  LaunchReport out;
  out.supervisor_pid = pid;
  out.hypervisor = report.value("hypervisor", nlohmann::json::object());
  out.accel = report.value("accel", std::string());
  out.guest_kernel = report.value("guest_kernel", std::string());
  for (const auto& m : report.value("guest_mounts", nlohmann::json::array()))
    out.guest_mounts.push_back({m.value("tag", std::string()), m.value("guest_path", std::string()),
                                m.value("fstype", std::string("virtiofs")),
                                m.value("options", std::vector<std::string>{})});
  auto net = report.value("guest_network", nlohmann::json::object());
  out.guest_network.interfaces = net.value("interfaces", std::vector<NetInterface>{});
  out.guest_network.routes = net.value("routes", std::vector<NetRoute>{});
  out.guest_network.neighbors = net.value("neighbors", std::vector<NetNeighbor>{});
  out.disks = report.value("disks", std::vector<BootDisk>{});
  for (const auto& m : report.value("timeline", nlohmann::json::array()))
    out.moments.push_back({m.value("phase", std::string()), m.value("mono_ns", int64_t{0})});
  return out;
}

bool SupervisorAlive(int32_t pid, const std::string& state_root, const std::string& sandbox_id) {
  if (pid <= 0 || !os::Alive(pid)) return false;
  auto args = os::CommandLine(pid);
  auto value_of = [&](const std::string& flag) -> std::string {
    for (size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == flag) return args[i + 1];
    return "";
  };
  return !args.empty() && args[0].ends_with("vc-supervisor") && value_of("--root") == state_root &&
         value_of("--sandbox") == sandbox_id;
}

int32_t RunningSupervisor(const std::string& state_root, const std::string& sandbox_id) {
  DIR* proc = ::opendir("/proc");
  if (!proc) return 0;
  int32_t found = 0;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    if (SupervisorAlive(static_cast<int32_t>(pid), state_root, sandbox_id)) {
      found = static_cast<int32_t>(pid);
      break;
    }
  }
  ::closedir(proc);
  return found;
}

SupervisorSpec SupervisorSpecOf(const SandboxConfig& config) {
  SupervisorSpec spec;
  spec.sandbox_id = config.id;
  spec.hypervisor = config.hypervisor;
  spec.agent = config.agent;
  spec.resources.virtiofsd_path = config.hypervisor.virtiofsd_path;
  spec.resources.share_fs = config.hypervisor.shared_fs;
  spec.resources.network = config.network;
  spec.resources.net_queues = config.hypervisor.vcpus;
  spec.resources.cgroup_path = config.cgroup_path;
  spec.resources.cgroup_only = config.sandbox_cgroup_only;
  return spec;
}

}  // namespace vc
