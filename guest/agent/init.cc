#include "init.h"

#include <dirent.h>
#include <ftw.h>
#include <fcntl.h>
#include <linux/random.h>
#include <linux/vm_sockets.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstring>
#include <fstream>
#include <thread>

#include "cgroup.h"
#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"
#include "os/log.h"

namespace vc::agent {

namespace {
std::string log_sandbox;  // the agent's one thread only
uint64_t agent_start_usec = 0;
}  // namespace

uint64_t UptimeUsec() {
  timespec boot{};
  ::clock_gettime(CLOCK_BOOTTIME, &boot);
  return static_cast<uint64_t>(boot.tv_sec) * 1000000 + static_cast<uint64_t>(boot.tv_nsec) / 1000;
}

void RecordAgentStart() { agent_start_usec = UptimeUsec(); }
uint64_t AgentStartUptimeUsec() { return agent_start_usec; }

void SetLogSandbox(const std::string& sandbox_id) { log_sandbox = sandbox_id; }

// The host programs' line format (os/log.h), with seconds since boot as the
// kernel stamps its own messages on the same console.
void Log(const std::string& line) {
  timespec wall{}, boot{};
  ::clock_gettime(CLOCK_REALTIME, &wall);
  ::clock_gettime(CLOCK_BOOTTIME, &boot);
  std::tm tm{};
  ::gmtime_r(&wall.tv_sec, &tm);
  char stamp[64];
  size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + n, sizeof stamp - n, ".%06ldZ", wall.tv_nsec / 1000);
  char uptime[32];
  std::snprintf(uptime, sizeof uptime, "%ld.%03ld", static_cast<long>(boot.tv_sec), boot.tv_nsec / 1000000);
  std::string out = std::string("time=\"") + stamp + "\" level=info msg=" + log::Value(line) +
                    " program=vc-agent uptime=" + uptime;
  if (!log_sandbox.empty()) out += " sandbox=" + log::Value(log_sandbox);
  (void)os::WriteAll(STDERR_FILENO, out + "\n");
}

Result<> Reseed(const std::string& entropy) {
  if (entropy.empty()) return {};
  os::Fd fd(::open("/dev/urandom", O_WRONLY | O_CLOEXEC));
  if (!fd) return os::FailErrno("open /dev/urandom");
  std::string buf(sizeof(rand_pool_info) + entropy.size(), '\0');
  auto* info = reinterpret_cast<rand_pool_info*>(buf.data());
  info->entropy_count = static_cast<int>(entropy.size() * 8);
  info->buf_size = static_cast<int>(entropy.size());
  std::memcpy(info->buf, entropy.data(), entropy.size());
  if (::ioctl(fd.get(), RNDADDENTROPY, info) != 0) return os::FailErrno("add entropy");
  if (::ioctl(fd.get(), RNDRESEEDCRNG) != 0) return os::FailErrno("reseed the random generator");
  return {};
}

namespace {
Result<> Mount(const char* source, const char* target, const char* type, unsigned long flags,
               const char* data = nullptr) {
  ::mkdir(target, 0755);
  if (::mount(source, target, type, flags, data) != 0 && errno != EBUSY)
    return os::FailErrno(std::string("mount ") + type + " on " + target);
  return {};
}
}  // namespace

namespace {

int RemoveInitramfsEntry(const char* path, const struct stat*, int type, struct FTW*) {
  if (std::strcmp(path, "/") == 0 || std::strncmp(path, "/newroot", 8) == 0) return 0;
  if (type == FTW_DP) ::rmdir(path);
  else ::unlink(path);
  return 0;
}

}  // namespace

Result<> LeaveInitramfs() {
  if (auto r = Mount("tmpfs", "/newroot", "tmpfs", 0, "mode=0755"); !r) return r;
  for (const char* dir : {"dev", "proc", "sys", "run", "tmp", "mnt", "etc"})
    ::mkdir((std::string("/newroot/") + dir).c_str(), 0755);
  // The debug console's shell comes along (the host appends console.cpio,
  // /bin/busybox, to the initramfs of a sandbox that asked for the console).
  if (os::Exists("/bin/busybox")) {
    auto busybox = os::ReadFile("/bin/busybox");
    if (!busybox) return std::unexpected(busybox.error());
    ::mkdir("/newroot/bin", 0755);
    if (auto r = os::WriteFileAtomic("/newroot/bin/busybox", *busybox, 0755); !r) return r;
  }
  // Free the initramfs (modules are loaded by now); stay on this file system.
  // No copy of the agent comes along: it never executes itself again, and its
  // running image keeps the unlinked /init's pages until it exits.
  ::nftw("/", RemoveInitramfsEntry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (::chdir("/newroot") != 0) return os::FailErrno("chdir /newroot");
  if (::mount(".", "/", nullptr, MS_MOVE, nullptr) != 0) return os::FailErrno("move tmpfs root to /");
  if (::chroot(".") != 0) return os::FailErrno("chroot to the tmpfs root");
  if (::chdir("/") != 0) return os::FailErrno("chdir /");
  return {};
}

Result<> MountBaseFilesystems() {
  const unsigned long common = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (auto r = Mount("proc", "/proc", "proc", common); !r) return r;
  if (auto r = Mount("sysfs", "/sys", "sysfs", common); !r) return r;
  if (auto r = Mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"); !r) return r;
  if (auto r = Mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                     "newinstance,ptmxmode=0666,mode=0620");
      !r)
    return r;
  if (auto r = Mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"); !r) return r;
  if (auto r = Mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"); !r) return r;
  if (auto r = Mount("cgroup2", "/sys/fs/cgroup", "cgroup2", common); !r) return r;
  // Controllers for the per-container cgroups under /sys/fs/cgroup/vc.
  cgroup::EnableControllers("/sys/fs/cgroup");
  return {};
}

Result<int> LoadModules(const std::string& order_file) {
  std::ifstream in(order_file);
  if (!in) return Fail(ErrorCode::kNotFound, "module list " + order_file + " missing");
  int loaded = 0;
  for (std::string path; std::getline(in, path);) {
    if (path.empty() || path[0] == '#') continue;
    os::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return os::FailErrno("open module " + path);
    if (::syscall(SYS_finit_module, fd.get(), "", 0) != 0 && errno != EEXIST)
      return os::FailErrno("load module " + path);
    ++loaded;
  }
  return loaded;
}

Result<std::vector<std::string>> ReadModules(const std::string& order_file) {
  std::ifstream in(order_file);
  std::vector<std::string> images;
  if (!in) return images;
  for (std::string path; std::getline(in, path);) {
    if (path.empty() || path[0] == '#') continue;
    auto image = os::ReadFile(path);
    if (!image) return std::unexpected(image.error().Wrap("read module"));
    images.push_back(std::move(*image));
  }
  return images;
}

Result<> LoadModuleImages(const std::vector<std::string>& images) {
  for (const auto& image : images)
    if (::syscall(SYS_init_module, image.data(), image.size(), "") != 0 && errno != EEXIST)
      return os::FailErrno("load module");
  return {};
}

std::string FindVirtioPort(const std::string& name) {
  std::string found;
  if (DIR* dir = ::opendir("/sys/class/virtio-ports")) {
    while (dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      auto port_name = os::ReadFile(std::string("/sys/class/virtio-ports/") + entry->d_name + "/name");
      if (port_name && port_name->substr(0, port_name->find('\n')) == name)
        found = std::string("/dev/") + entry->d_name;
    }
    ::closedir(dir);
  }
  return !found.empty() && os::Exists(found) ? found : "";
}

namespace {

// A guest has a usable vsock transport once its device gave it a CID.
bool HasVsockCid() {
  os::Fd fd(::open("/dev/vsock", O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  unsigned int cid = VMADDR_CID_ANY;
  if (::ioctl(fd.get(), IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid) != 0) return false;
  return cid != VMADDR_CID_ANY && cid > VMADDR_CID_HOST;
}

}  // namespace

Result<Channels> FindChannels(const std::string& port_name, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    Channels found{FindVirtioPort(port_name), HasVsockCid()};
    if (!found.serial_port.empty() || found.vsock) return found;
    if (std::chrono::steady_clock::now() > deadline)
      return Fail(ErrorCode::kNotFound,
                  "neither the virtio-serial port " + port_name + " nor a vsock device appeared");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void PowerOff() {
  ::sync();
  ::reboot(RB_POWER_OFF);
  for (;;) ::pause();
}

}  // namespace vc::agent
