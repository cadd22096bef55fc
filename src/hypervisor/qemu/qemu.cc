#include "hypervisor/qemu/qemu.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <thread>

#include "hypervisor/qemu/accel.h"
#include "hypervisor/qemu/argv.h"
#include "hypervisor/qemu/assets.h"
#include "hypervisor/qemu/hotplug.h"
#include "hypervisor/qemu/qmp.h"
#include "hypervisor/qemu/snapshot.h"
#include "os/error.h"
#include "os/file.h"
#include "os/process.h"
#include "os/socket.h"

namespace vc::hypervisor::qemu {

namespace {

using namespace std::chrono_literals;
// Saving or loading a template's device state (its memory is not copied).
constexpr auto kStateTimeout = 60s;
constexpr uid_t kRootlessIdBase = 0x60000000;
constexpr uid_t kRootlessIds = 0x10000000;

uint32_t HostCpus() {
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<uint32_t>(n) : 1;
}

// A rootless QEMU's user and group: one of its own per sandbox, in a range
// no account uses, so that two sandboxes' QEMUs cannot reach each other.
uid_t RootlessId() {
  std::random_device random;
  return kRootlessIdBase + std::uniform_int_distribution<uid_t>(0, kRootlessIds - 1)(random);
}

// What a rootless QEMU cannot open itself (the sandbox's directory is
// root's, 0700), opened here and passed to it by number: the QMP and serial
// port listeners (0600), the console's file, the share daemon's socket.
struct HostEnds {
  std::vector<os::Fd> fds;
  int qmp = -1;
  std::map<std::string, int> by_device;
};

Result<HostEnds> OpenHostEnds(const std::string& qmp_socket, const std::vector<Device>& devices) {
  HostEnds ends;
  auto listen = [](const std::string& path) -> Result<os::Fd> {
    auto fd = os::ListenUnix(path);
    if (fd && ::chmod(path.c_str(), 0600) != 0) return os::FailErrno("chmod " + path);
    return fd;
  };
  auto keep = [&](Result<os::Fd> fd, const std::string& id) -> Result<> {
    if (!fd) return std::unexpected(fd.error().Wrap("rootless QEMU"));
    (id.empty() ? ends.qmp : ends.by_device[id]) = fd->get();
    ends.fds.push_back(std::move(*fd));
    return {};
  };
  if (auto r = keep(listen(qmp_socket), ""); !r) return std::unexpected(r.error());
  for (const auto& device : devices) {
    Result<> kept;
    if (const auto* console = std::get_if<ConsoleDevice>(&device); console && console->fd < 0) {
      os::Fd fd(::open(console->log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
      kept = keep(fd ? Result<os::Fd>(std::move(fd)) : os::FailErrno("open " + console->log_path), console->id);
    } else if (const auto* port = std::get_if<SerialPortDevice>(&device)) {
      kept = keep(listen(port->socket_path), port->id);
    } else if (const auto* share = std::get_if<ShareFsDevice>(&device)) {
      kept = keep(os::ConnectUnix(share->socket_path), share->id);
    } else if (std::holds_alternative<Share9pDevice>(device) || std::holds_alternative<VsockDevice>(device)) {
      kept = Fail(ErrorCode::kInvalidArgument,
                  "a rootless QEMU serves no 9p share and opens no vhost-vsock device: use virtio-fs and virtio-serial");
    }
    if (!kept) return std::unexpected(kept.error());
  }
  return ends;
}

// Whole DIMMs' worth of the host's memory.
uint32_t HostMemoryMib() {
  struct sysinfo info {};
  if (::sysinfo(&info) != 0) return 0;
  const uint64_t mib = (uint64_t{info.totalram} * info.mem_unit) >> 20;
  return static_cast<uint32_t>(std::min<uint64_t>(mib / kDimmMib * kDimmMib, UINT32_MAX));
}

}  // namespace

Capabilities QemuHypervisor::GetCapabilities() const {
  Capabilities caps;
  caps.vsock = ::access("/dev/vhost-vsock", R_OK | W_OK) == 0;
  return caps;
}

Result<> QemuHypervisor::Start(const VmSpec& spec) {
  const HypervisorConfig& c = spec.config;
  if (auto assets = CheckGuestAssets(c); !assets) return assets;
  std::string wanted = c.binary_path.empty() ? "qemu-system-x86_64" : c.binary_path;
  binary_ = os::FindProgram(wanted);
  if (binary_.empty())
    return Fail(ErrorCode::kUnavailable, "QEMU binary " + wanted +
                                             " not found: install qemu-system-x86 (scripts/setup.sh)");
  auto accel = ChooseAccel(c.accel);
  if (!accel) return std::unexpected(accel.error());
  accel_ = *accel;
  size_ = {c.vcpus, c.memory_mib};
  max_size_ = {std::max(c.max_vcpus ? c.max_vcpus : HostCpus(), c.vcpus),
               std::max(c.max_memory_mib ? c.max_memory_mib : HostMemoryMib(), c.memory_mib)};
  memory_slots_ = c.memory_slots;
  machine_ = c.machine_type;
  // Nothing is hot-plugged into a microvm: it keeps its boot size.
  if (machine_ == "microvm") {
    max_size_ = size_;
    memory_slots_ = 0;
  }
  shared_memory_ = std::any_of(devices().begin(), devices().end(),
                               [](const Device& d) { return std::holds_alternative<ShareFsDevice>(d); });
  if (spec.memory_file && !os::Exists(spec.memory_file->path) && spec.memory_file->copy_on_write)
    return Fail(ErrorCode::kNotFound, "template memory " + spec.memory_file->path + " missing");
  const uint32_t tsc_khz = machine_ == "microvm" && accel_ == "tcg" ? HostTscKhz() : 0;
  std::vector<Device> cold = devices();
  // Cold-plugged SCSI disks take the targets from 0 in order.
  scsi_target_.clear();
  for (const auto& device : cold)
    if (const auto* disk = std::get_if<BlockDevice>(&device); disk && disk->driver == kVirtioScsi) {
      const uint32_t target = static_cast<uint32_t>(scsi_target_.size());
      scsi_target_[disk->id] = target;
    }
  scsi_controller_ = c.block_device_driver == kVirtioScsi || !scsi_target_.empty();
  HostEnds ends;
  if (c.rootless) {
    if (spec.memory_file) return Fail(ErrorCode::kInvalidArgument, "a rootless QEMU does not run VM templates");
    // QEMU would open /dev/vhost-net itself: its user may not.
    for (auto& device : cold)
      if (auto* nic = std::get_if<NetDevice>(&device)) nic->vhost = false;
    auto opened = OpenHostEnds(spec.control_socket, cold);
    if (!opened) return std::unexpected(opened.error());
    ends = std::move(*opened);
    rootless_uid_ = RootlessId();
  }
  // A console into a pipe: QEMU writes the end its caller passed.
  for (const auto& device : cold)
    if (const auto* console = std::get_if<ConsoleDevice>(&device); console && console->fd >= 0)
      ends.by_device[console->id] = console->fd;
  auto argv = BuildArgv({spec, cold, binary_, accel_, max_size_.vcpus, max_size_.memory_mib, tsc_khz, ends.qmp,
                         ends.by_device, scsi_target_});
  if (!argv) return std::unexpected(argv.error());

  qmp_socket_ = spec.control_socket;
  root_ports_ = machine_ == "microvm" ? 0 : c.pcie_root_ports;
  if (!c.rootless) ::unlink(qmp_socket_.c_str());
  const std::string& log = spec.log_path;
  os::Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!log_fd) return os::FailErrno("open " + log);
  os::SpawnOptions spawn;
  spawn.argv = *argv;
  spawn.stdout_fd = spawn.stderr_fd = log_fd.get();
  // The sockets and the console log QEMU creates: its caller's only.
  spawn.umask = 077;
  for (const auto& device : cold)
    if (const auto* net = std::get_if<NetDevice>(&device))
      spawn.keep_fds.insert(spawn.keep_fds.end(), net->fds.begin(), net->fds.end());
    else if (const auto* disk = std::get_if<BlockDevice>(&device); disk && disk->fd >= 0)
      spawn.keep_fds.push_back(disk->fd);
    else if (const auto* console = std::get_if<ConsoleDevice>(&device); console && console->fd >= 0)
      spawn.keep_fds.push_back(console->fd);
  for (const auto& fd : ends.fds) spawn.keep_fds.push_back(fd.get());
  if (rootless_uid_) {
    spawn.uid = rootless_uid_;
    spawn.gid = rootless_uid_;
    // KVM through /dev/kvm's group (Debian's: kvm, 0660).
    struct stat kvm {};
    if (accel_ == "kvm" && ::stat("/dev/kvm", &kvm) == 0) spawn.groups.push_back(kvm.st_gid);
  }
  auto pid = os::Spawn(spawn);
  if (!pid) return std::unexpected(pid.error().Wrap("start qemu"));
  pid_ = *pid;
  // QEMU holds the host ends now: a QEMU that dies takes its listeners along,
  // so a connection to them fails at once instead of waiting in their queue.
  ends.fds.clear();

  // QEMU creates the QMP socket early; once QMP answers, it is running.
  auto deadline = std::chrono::steady_clock::now() + 15s;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      std::string why = os::TailLines(log, 5);
      if (rootless_uid_)
        why += " (rootless: QEMU runs as uid " + std::to_string(rootless_uid_) +
               ", which must be able to read the guest kernel and initramfs)";
      return Fail(ErrorCode::kUnavailable,
                  "qemu exited during start" + (why.empty() ? "" : ": " + why));
    }
    if (os::Exists(qmp_socket_)) {
      auto qmp = QmpClient::Connect(qmp_socket_, kQmpTimeout);
      if (qmp && spec.restore_from.empty()) return {};
      if (qmp) {
        os::Fd state(::open(spec.restore_from.c_str(), O_RDONLY | O_CLOEXEC));
        auto loaded = state ? LoadVmState(*qmp, state.get(), kStateTimeout)
                            : Result<>(os::FailErrno("open " + spec.restore_from));
        if (loaded) return {};
        (void)Stop(0ms);
        std::string why = os::TailLines(log, 3);
        return std::unexpected(loaded.error().Wrap("restore from " + spec.restore_from +
                                                   (why.empty() ? "" : " (qemu: " + why + ")")));
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      (void)Stop(0ms);
      return Fail(ErrorCode::kDeadlineExceeded, "qemu did not answer on QMP within 15 s; see " + log);
    }
    std::this_thread::sleep_for(10ms);
  }
}

Result<> QemuHypervisor::Attach(const nlohmann::json& state) {
  pid_ = state.value("pid", 0);
  qmp_socket_ = state.value("qmp_socket", std::string());
  accel_ = state.value("accel", std::string());
  binary_ = state.value("binary", std::string());
  size_ = {state.value("vcpus", 0u), state.value("memory_mib", 0u)};
  max_size_ = {state.value("max_vcpus", 0u), state.value("max_memory_mib", 0u)};
  memory_slots_ = state.value("memory_slots", 0u);
  dimms_ = state.value("dimms", 0u);
  shared_memory_ = state.value("shared_memory", false);
  machine_ = state.value("machine", std::string("q35"));
  rootless_uid_ = state.value("rootless_uid", 0u);
  return CheckAlive();
}

nlohmann::json QemuHypervisor::Save() const {
  return {{"pid", pid_},         {"qmp_socket", qmp_socket_},       {"accel", accel_},
          {"binary", binary_},   {"vcpus", size_.vcpus},            {"memory_mib", size_.memory_mib},
          {"max_vcpus", max_size_.vcpus}, {"max_memory_mib", max_size_.memory_mib},
          {"memory_slots", memory_slots_}, {"dimms", dimms_},       {"shared_memory", shared_memory_},
          {"machine", machine_}, {"rootless_uid", rootless_uid_}};
}

Result<> QemuHypervisor::CheckAlive() const {
  if (!os::Alive(pid_))
    return Fail(ErrorCode::kUnavailable, "qemu (pid " + std::to_string(pid_) + ") is not running");
  return {};
}

Result<> QemuHypervisor::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0 || !os::Alive(pid_)) return {};
  if (grace.count() > 0) {
    if (auto qmp = QmpClient::Connect(qmp_socket_, std::min<std::chrono::milliseconds>(grace, kQmpTimeout)))
      (void)qmp->Execute("quit");
    auto gone = os::WaitGone(pid_, grace);
    if (gone && *gone) return Reap();
  }
  ::kill(pid_, SIGKILL);
  auto gone = os::WaitGone(pid_, 5s);
  if (!gone || !*gone) return Fail(ErrorCode::kInternal, "qemu did not die after SIGKILL");
  return Reap();
}

// A QEMU this process started is its child: no zombie is left in a
// long-lived caller (the library making a template). Another's: nothing to do.
Result<> QemuHypervisor::Reap() {
  ::waitpid(pid_, nullptr, WNOHANG);
  return {};
}

Result<> QemuHypervisor::SetRunning(bool running) {
  if (auto alive = CheckAlive(); !alive) return alive;
  auto qmp = QmpClient::Connect(qmp_socket_, kQmpTimeout);
  if (!qmp) return std::unexpected(qmp.error());
  if (auto r = qmp->Execute(running ? "cont" : "stop"); !r) return std::unexpected(r.error());
  auto status = qmp->Execute("query-status");
  if (!status) return std::unexpected(status.error());
  if (QmpBool(*status, "running", !running) != running)
    return Fail(ErrorCode::kInternal, std::string("qemu did not ") + (running ? "resume" : "pause") +
                                          ": status " + status->dump());
  return {};
}

Result<> QemuHypervisor::SaveState(const std::string& path) {
  if (auto alive = CheckAlive(); !alive) return alive;
  os::Fd state(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!state) return os::FailErrno("create " + path);
  auto qmp = QmpClient::Connect(qmp_socket_, kQmpTimeout);
  if (!qmp) return std::unexpected(qmp.error());
  return SaveVmState(*qmp, state.get(), kStateTimeout);
}

Result<> QemuHypervisor::Pause() { return SetRunning(false); }
Result<> QemuHypervisor::Resume() { return SetRunning(true); }

std::vector<pid_t> QemuHypervisor::Pids() const {
  if (pid_ <= 0) return {};
  return {pid_};
}

}  // namespace vc::hypervisor::qemu
