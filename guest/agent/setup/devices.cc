// Device nodes: the defaults every container gets (when the spec gives it a
// /dev of its own), the spec's linux.devices, and /dev's usual symlinks.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>

#include "oci/validate.h"
#include "os/error.h"
#include "os/file.h"
#include "os/mount.h"
#include "setup/setup.h"

namespace vc::agent::setup {

namespace {

std::vector<oci::Device> Defaults() {
  auto dev = [](const char* path, int64_t major, int64_t minor) {
    return oci::Device{"c", path, major, minor, 0666, 0, 0};
  };
  return {dev("/dev/null", 1, 3), dev("/dev/zero", 1, 5),    dev("/dev/full", 1, 7),
          dev("/dev/random", 1, 8), dev("/dev/urandom", 1, 9), dev("/dev/tty", 5, 0)};
}

mode_t TypeBits(const std::string& type) {
  if (type == "b") return S_IFBLK;
  if (type == "p") return S_IFIFO;
  return S_IFCHR;  // "c" and "u"
}

// Splits "/dev/a/b" into its directory, opened inside the root, and "b".
Result<std::pair<os::Fd, std::string>> Parent(const std::string& root, const std::string& path) {
  size_t slash = path.rfind('/');
  auto dir = os::OpenInRoot(root, path.substr(0, slash), true);
  if (!dir) return std::unexpected(dir.error());
  // mknodat and friends take no O_PATH descriptor: reopen it as a directory.
  os::Fd real(::open(os::FdPath(*dir).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!real) return os::FailErrno("open " + path.substr(0, slash));
  return std::pair{std::move(real), path.substr(slash + 1)};
}

// In a user namespace: the guest's node at the same path, bound onto an
// empty file (its numbers, mode and owner are the guest's).
Result<> Bind(const std::string& root, const oci::Device& d) {
  auto parent = Parent(root, d.path);
  if (!parent) return std::unexpected(parent.error());
  const auto& [dir, name] = *parent;
  os::Fd file(::openat(dir.get(), name.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!file) return os::FailErrno("create device target " + d.path);
  auto target = os::OpenInRoot(root, d.path, false);
  if (!target) return std::unexpected(target.error());
  if (::mount(d.path.c_str(), os::FdPath(*target).c_str(), nullptr, MS_BIND, nullptr) != 0)
    return os::FailErrno("bind the guest's " + d.path);
  return {};
}

Result<> Make(const std::string& root, const oci::Device& d) {
  auto parent = Parent(root, d.path);
  if (!parent) return std::unexpected(parent.error());
  const auto& [dir, name] = *parent;
  const mode_t mode = d.file_mode.value_or(0666) & 07777;
  const dev_t number = d.type == "p" ? 0 : makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
  if (::mknodat(dir.get(), name.c_str(), TypeBits(d.type) | mode, number) != 0) {
    // The image has one already: the spec's replaces it, as in runc.
    if (errno != EEXIST || ::unlinkat(dir.get(), name.c_str(), 0) != 0 ||
        ::mknodat(dir.get(), name.c_str(), TypeBits(d.type) | mode, number) != 0)
      return os::FailErrno("create device " + d.path);
  }
  // mknod's mode went through the umask.
  if (::fchmodat(dir.get(), name.c_str(), mode, 0) != 0) return os::FailErrno("chmod " + d.path);
  if (::fchownat(dir.get(), name.c_str(), d.uid.value_or(0), d.gid.value_or(0), AT_SYMLINK_NOFOLLOW) != 0)
    return os::FailErrno("chown " + d.path);
  return {};
}

}  // namespace

Result<> CreateDevices(const oci::Spec& spec) {
  const std::string& root = spec.root.path;
  const bool own_dev = std::any_of(spec.mounts.begin(), spec.mounts.end(), [](const oci::Mount& m) {
    return m.destination == "/dev" && !oci::IsBind(m);
  });
  std::vector<oci::Device> devices = own_dev ? Defaults() : std::vector<oci::Device>{};
  for (const auto& d : spec.linux.devices) {
    std::erase_if(devices, [&](const oci::Device& x) { return x.path == d.path; });
    devices.push_back(d);
  }
  const bool userns = oci::FindNamespace(spec.linux, "user") != nullptr;
  for (const auto& d : devices)
    if (auto ok = userns ? Bind(root, d) : Make(root, d); !ok) return ok;
  if (!own_dev) return {};
  auto dev = Parent(root, "/dev/.");
  if (!dev) return std::unexpected(dev.error());
  const int dir = dev->first.get();
  const std::pair<const char*, const char*> links[] = {
      {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
      {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}};
  for (const auto& [name, target] : links) {
    ::unlinkat(dir, name, 0);
    if (::symlinkat(target, dir, name) != 0) return os::FailErrno(std::string("symlink /dev/") + name);
  }
  // A terminal's process has it as /dev/console too, as under runc.
  if (spec.process && spec.process->terminal) {
    os::Fd console(::openat(dir, "console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!console) return os::FailErrno("create /dev/console");
    auto target = os::OpenInRoot(root, "/dev/console", false);
    if (!target) return std::unexpected(target.error());
    // Our stdin is the terminal's slave. Its descriptor belongs to the
    // agent's mount namespace; its path names our copy of that mount.
    char slave[64] = {};
    if (int rc = ::ttyname_r(0, slave, sizeof slave); rc != 0) return os::FailErrno("name the terminal", rc);
    if (::mount(slave, os::FdPath(*target).c_str(), nullptr, MS_BIND, nullptr) != 0)
      return os::FailErrno(std::string("bind the terminal ") + slave + " on /dev/console");
  }
  // runc links /dev/core where the kernel has /proc/kcore.
  if (os::Exists("/proc/kcore") && ::symlinkat("/proc/kcore", dir, "core") != 0 && errno != EEXIST)
    return os::FailErrno("symlink /dev/core");
  return {};
}

}  // namespace vc::agent::setup
