#include "sandbox/host_check.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>

#include "factory/template.h"
#include "hypervisor/qemu/accel.h"
#include "os/build_info.h"
#include "os/file.h"
#include "os/process.h"
#include "resource/cgroups/host_cgroup.h"
#include "sandbox/launch.h"

namespace vc {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

HostCheck Ok(std::string name, std::string found, std::string detail = "") {
  return {std::move(name), CheckLevel::kOk, std::move(found), std::move(detail)};
}
HostCheck Warning(std::string name, std::string found, std::string detail) {
  return {std::move(name), CheckLevel::kWarning, std::move(found), std::move(detail)};
}
HostCheck Error(std::string name, std::string found, std::string detail) {
  return {std::move(name), CheckLevel::kError, std::move(found), std::move(detail)};
}

// The first line `program --version` prints; empty if it says nothing.
std::string VersionOf(const std::string& program) {
  os::SpawnOptions spawn;
  spawn.argv = {program, "--version"};
  auto ran = os::RunToCompletion(spawn, "", 5s);
  if (!ran) return "";
  std::string text = !ran->out.empty() ? ran->out : ran->err;
  return text.substr(0, text.find('\n'));
}

bool OpensReadWrite(const std::string& device) {
  int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::string Short(const std::string& commit) { return commit.substr(0, 12) + (commit.ends_with("-dirty") ? "-dirty" : ""); }

HostCheck Accelerator(const HypervisorConfig& c) {
  auto choice = hypervisor::qemu::ExplainAccel(c.accel);
  if (!choice) return Error("accelerator", c.accel, choice.error().message);
  if (choice->accel == "tcg") return Warning("accelerator", "tcg", choice->why);
  return Ok("accelerator", "kvm", choice->why);
}

HostCheck Qemu(const HypervisorConfig& c) {
  const std::string wanted = c.binary_path.empty() ? "qemu-system-x86_64" : c.binary_path;
  const std::string path = os::FindProgram(wanted);
  if (path.empty()) return Error("qemu", "", wanted + " not found: install qemu-system-x86 (scripts/setup.sh)");
  return Ok("qemu", VersionOf(path), path);
}

HostCheck Virtiofsd(const HypervisorConfig& c) {
  if (::access(c.virtiofsd_path.c_str(), X_OK) == 0) return Ok("virtiofsd", VersionOf(c.virtiofsd_path), c.virtiofsd_path);
  const std::string missing = c.virtiofsd_path + " not found: install qemu-system-x86 (scripts/setup.sh)";
  if (c.shared_fs == "virtio-fs") return Error("virtiofsd", "", missing + ", or use shared_fs virtio-9p");
  return Warning("virtiofsd", "", missing + " (only needed for shared_fs virtio-fs)");
}

HostCheck Supervisor(const std::string& configured) {
  auto path = FindSupervisor(configured);
  if (!path) return Error("supervisor", "", path.error().message);
  return Ok("supervisor", *path);
}

HostCheck GuestKernel(const HypervisorConfig& c) {
  if (!os::Exists(c.kernel_path))
    return Error("guest kernel", "", c.kernel_path + " not found: build the guest (scripts/build.sh) or name one");
  auto release = os::ReadFile((fs::path(c.kernel_path).parent_path() / "kernel-release").string());
  std::string found = release ? release->substr(0, release->find('\n')) : "release unknown (no kernel-release beside it)";
  return Ok("guest kernel", found, c.kernel_path);
}

HostCheck Initramfs(const HypervisorConfig& c) {
  const std::string path = factory::InitrdOf(c);
  auto image = os::ReadFile(path);
  if (!image) return Error("initramfs", "", path + " not found: build the guest (scripts/build.sh) or name one");
  const std::string agent = BuildCommitIn(*image);
  const std::string ours = os::BuildCommit();
  if (agent.empty())
    return Warning("initramfs", path,
                   "its vc-agent's commit is not readable (compressed, or an agent built before versions "
                   "were recorded): rebuild the guest (scripts/build.sh)");
  if (agent != ours)
    return Warning("initramfs", path,
                   "its vc-agent was built from " + Short(agent) + ", this program from " + Short(ours) +
                       ": rebuild the guest (scripts/build.sh) so both speak the same agent API");
  return Ok("initramfs", path, "vc-agent built from " + Short(agent) + ", as this program");
}

HostCheck StateRoot(const std::string& root) {
  fs::path p = root;
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec)) p = p.parent_path();
  if (p.empty()) p = "/";
  if (!fs::is_directory(p, ec)) return Error("state root", root, p.string() + " is not a directory");
  if (::access(p.c_str(), W_OK) != 0)
    return Error("state root", root, p.string() + " is not writable: " + std::strerror(errno) +
                                          " (run as root, or name another with --root)");
  return Ok("state root", root, p == fs::path(root) ? "writable" : "will be created (" + p.string() + " is writable)");
}

HostCheck VhostNet() {
  if (OpensReadWrite("/dev/vhost-net")) return Ok("vhost-net", "/dev/vhost-net", "NICs use the kernel's virtio-net backend");
  return Warning("vhost-net", "", "/dev/vhost-net: " + std::string(std::strerror(errno)) +
                                      ": NICs use QEMU's own virtio-net backend (slower; modprobe vhost_net)");
}

HostCheck VhostVsock() {
  if (OpensReadWrite("/dev/vhost-vsock"))
    return Ok("vhost-vsock", "/dev/vhost-vsock", "agent_transport auto talks to the agent over vsock");
  return Warning("vhost-vsock", "", "/dev/vhost-vsock: " + std::string(std::strerror(errno)) +
                                        ": the agent channel is virtio-serial (works; modprobe vhost_vsock for vsock)");
}

HostCheck Iommu() {
  const size_t groups = os::ListDir("/sys/kernel/iommu_groups").size();
  if (groups > 0) return Ok("iommu", std::to_string(groups) + " IOMMU groups", "devices can be passed through (VFIO)");
  return Warning("iommu", "no IOMMU groups",
                 "no device passthrough (VFIO): enable the IOMMU (intel_iommu=on or amd_iommu=on)");
}

HostCheck VfioPci() {
  if (os::Exists("/sys/bus/pci/drivers/vfio-pci")) return Ok("vfio-pci", "loaded");
  utsname u{};
  ::uname(&u);
  const std::string modules = std::string("/lib/modules/") + u.release;
  auto dep = os::ReadFile(modules + "/modules.dep");
  auto builtin = os::ReadFile(modules + "/modules.builtin");
  if ((dep && dep->find("/vfio-pci.ko") != std::string::npos) ||
      (builtin && builtin->find("/vfio-pci.ko") != std::string::npos))
    return Warning("vfio-pci", "not loaded", "modprobe vfio-pci before passing devices through");
  return Warning("vfio-pci", "not available", "this kernel has no vfio-pci: no device passthrough");
}

HostCheck Cgroups() {
  auto mountinfo = os::ReadFile("/proc/self/mountinfo");
  if (!mountinfo) return Warning("cgroups", "", "cannot read /proc/self/mountinfo");
  auto controllers_of = [](const std::string& dir) {
    auto text = os::ReadFile(dir + "/cgroup.controllers");
    return text ? text->substr(0, text->find('\n')) : std::string();
  };
  const auto mounts = resource::ParseCgroupMounts(*mountinfo, controllers_of);
  const bool v2_mounted = mountinfo->find(" - cgroup2 ") != std::string::npos;
  if (!mounts.unified.empty()) {
    const std::string found = "v2 (" + controllers_of(mounts.unified) + ")";
    if (::access(mounts.unified.c_str(), W_OK) != 0)
      return Warning("cgroups", found, mounts.unified + " is not writable: sandboxes join no host cgroup");
    return Ok("cgroups", found, mounts.unified + ", writable");
  }
  if (mounts.v1.empty())
    return Warning("cgroups", "none", "no cgroup hierarchy mounted: sandboxes join no host cgroup");
  std::string names;
  size_t writable = 0;
  for (const auto& [controllers, dir] : mounts.v1) {
    names += (names.empty() ? "" : " ") + controllers;
    writable += ::access(dir.c_str(), W_OK) == 0;
  }
  return Ok("cgroups", std::string(v2_mounted ? "hybrid: v1" : "v1") + " (" + names + ")",
            std::to_string(writable) + " of " + std::to_string(mounts.v1.size()) + " hierarchies writable");
}

HostCheck CniPlugins() {
  for (const std::string dir : {"/opt/cni/bin", "/usr/lib/cni"}) {
    bool all = true;
    for (const char* plugin : {"bridge", "host-local", "loopback", "portmap"})
      all = all && ::access((dir + "/" + plugin).c_str(), X_OK) == 0;
    if (all) return Ok("cni plugins", dir, "bridge, host-local, loopback, portmap (pods through containerd's CRI)");
  }
  return Warning("cni plugins", "",
                 "bridge, host-local, loopback or portmap missing from /opt/cni/bin and /usr/lib/cni: pods through "
                 "containerd's CRI get no network (apt install containernetworking-plugins)");
}

HostCheck Template(const HypervisorConfig& c, const std::string& state_root) {
  const FactoryStatus s = factory::Status(state_root, c);
  if (!s.exists) return Ok("template", "none", "virtc factory init makes one (faster starts)");
  if (!s.fits) return Warning("template", s.path, "not used with this configuration: " + s.reason);
  return Ok("template", s.path, "sandboxes start from it (guest kernel " + s.guest_kernel + ")");
}

}  // namespace

const char* ToString(CheckLevel level) {
  switch (level) {
    case CheckLevel::kOk: return "ok";
    case CheckLevel::kWarning: return "warning";
    case CheckLevel::kError: return "error";
  }
  return "unknown";
}

std::string BuildCommitIn(std::string_view image) {
  const std::string_view marker = os::BuildInfoMarker();
  const std::string_view prefix = marker.substr(0, marker.find('=') + 1);
  // The first marker followed by a commit (40 hex digits, maybe "-dirty") or
  // "unknown", and the string's end.
  auto is_commit = [](std::string_view v) {
    if (v == "unknown") return true;
    if (v.ends_with("-dirty")) v.remove_suffix(6);
    return v.size() == 40 && v.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  };
  for (size_t at = image.find(prefix); at != std::string_view::npos; at = image.find(prefix, at + 1)) {
    const size_t start = at + prefix.size();
    const size_t end = image.find('\0', start);
    if (end == std::string_view::npos) break;
    const std::string_view value = image.substr(start, end - start);
    if (is_commit(value)) return std::string(value);
  }
  return "";
}

std::vector<HostCheck> CheckHost(const HypervisorConfig& config, const std::string& state_root,
                                 const std::string& supervisor_path) {
  return {Accelerator(config), Qemu(config),       Virtiofsd(config),   Supervisor(supervisor_path),
          GuestKernel(config), Initramfs(config),  StateRoot(state_root), VhostNet(),
          VhostVsock(),        Iommu(),            VfioPci(),           Cgroups(),
          CniPlugins(),        Template(config, state_root)};
}

}  // namespace vc
