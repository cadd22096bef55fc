// What a container brings into the VM besides its process: its root on a
// disk, its volumes' disks, its passed-through devices and the kernel
// modules it asks for (attached, and detached at delete), and the host
// sources of its bind mounts, shared into the guest.
#include <signal.h>
#include <sys/mount.h>

#include <thread>

#include "protocol/agent.h"
#include "oci/annotations.h"
#include "oci/convert.h"
#include "oci/validate.h"
#include "os/file.h"
#include "os/log.h"
#include "os/mount.h"
#include "sandbox/hooks.h"
#include "sandbox/manager.h"
#include "sandbox/process.h"
#include "sandbox/state.h"
#include "sandbox/validate.h"
#include "sandbox/volumes.h"
#include "resource/disk/disk.h"
#include "resource/kernel_modules/kernel_modules.h"
#include "resource/vfio/vfio.h"
#include "sandbox/vm_size.h"

namespace vc {

// A root on a disk: attached (read-only if the spec's root is) and mounted
// by the guest where the spec's root will say.
// A disk the VM has from boot is taken if free (it stays with the VM).
Result<agent::GuestDisk> Manager::AttachRootDisk(const std::string& sid, SandboxRecord& r, ContainerRecord& c) {
  auto spec = oci::SpecOf(c.config);
  if (!spec) return std::unexpected(spec.error());
  const bool read_only = spec->root.readonly;
  auto boot = std::find_if(r.boot_disks.begin(), r.boot_disks.end(), [&](const BootDisk& d) {
    return d.user.empty() && d.path == c.config.rootfs_disk && d.read_only == read_only;
  });
  Result<AttachedDisk> disk;
  if (boot != r.boot_disks.end()) {
    boot->user = c.config.id;
    disk = boot->disk;
  } else {
    disk = backend_->AddDisk(sid, c.config.rootfs_disk, read_only, false);
    if (!disk) return std::unexpected(disk.error().Wrap("attach root disk " + c.config.rootfs_disk));
    c.disks.push_back(disk->id);
  }
  return agent::GuestDisk{disk->driver, disk->address, disk->fstype, {read_only ? "ro" : "rw"},
                          std::string(agent::kGuestDiskDir) + "/" + c.config.id + "/root", ""};
}

// A disk volume: attached, and mounted by the guest in the container's disk directory.
Result<agent::GuestDisk> Manager::AttachVolume(const std::string& sid, ContainerRecord& c, size_t index,
                                               const DiskMount& mount) {
  auto disk = backend_->AddDisk(sid, mount.device, mount.read_only, false);
  if (!disk) return std::unexpected(disk.error().Wrap("attach " + mount.device));
  c.disks.push_back(disk->id);
  if (auto ok = resource::MatchFsType(mount.device, mount.fstype, disk->fstype); !ok) return std::unexpected(ok.error());
  auto options = mount.options;
  if (mount.read_only && std::find(options.begin(), options.end(), "ro") == options.end()) options.push_back("ro");
  return agent::GuestDisk{disk->driver, disk->address, disk->fstype, options,
                          std::string(agent::kGuestDiskDir) + "/" + c.config.id + "/" + std::to_string(index), ""};
}

// linux.devices entries that are block devices of the host go to the VM as
// disks, and the guest gives the container's node the disk's numbers there.
// An IOMMU group's node (/dev/vfio/<group>) passes the group's PCI devices
// through (VFIO); the guest's drivers take them. Others keep their numbers:
// the node names what the guest kernel has at them (none, for a block device
// the host lacks, as runc makes it).
// A privileged container (every device allowed) lists all of the host's
// devices: privileged means privileged in the guest, so they stay on the host
// unless oci::kHostDevicesAnnotation names them, and their nodes name the
// guest's own devices (its loop devices, tun, fuse) at the same numbers.
Result<> Manager::AttachDevices(const std::string& sid, ContainerRecord& c, const oci::Spec& spec,
                                std::vector<agent::GuestDisk>& disks, std::vector<agent::GuestPciDevice>& devices) {
  const bool privileged = oci::AllowsAllDevices(spec.linux);
  for (const auto& d : spec.linux.devices) {
    if (privileged && !oci::HostDeviceRequested(spec.annotations, d.path)) continue;
    if (d.type == "c" && d.path.starts_with("/dev/vfio/") && d.path != "/dev/vfio/vfio") {
      auto group = resource::vfio::GroupOfPath(d.path);
      if (!group) return std::unexpected(group.error().Wrap("linux.devices"));
      if (std::find(c.vfio_groups.begin(), c.vfio_groups.end(), *group) != c.vfio_groups.end()) continue;
      auto addresses = backend_->AddVfioGroup(sid, *group);
      if (!addresses) return std::unexpected(addresses.error().Wrap("linux.devices " + d.path));
      c.vfio_groups.push_back(*group);
      for (const auto& address : *addresses) devices.push_back({address, d.path});
      continue;
    }
    if (d.type != "b") continue;
    const std::string host = resource::HostBlockDevice(d.major, d.minor);
    if (host.empty()) continue;
    auto disk = backend_->AddDisk(sid, host, false, true);
    if (!disk) return std::unexpected(disk.error().Wrap("linux.devices " + d.path + " (" + host + ")"));
    c.disks.push_back(disk->id);
    disks.push_back({disk->driver, disk->address, "", {}, "", d.path});
  }
  return {};
}

Result<> Manager::LoadModules(const SandboxRecord& r, const oci::Spec& spec, agent::Agent& agent) {
  auto modules = resource::ModulesToLoad(spec.annotations, resource::ModulesDirOf(r.config.hypervisor.kernel_path));
  if (!modules) return std::unexpected(modules.error());
  for (const auto& m : *modules) {
    auto image = os::ReadFile(m.path);
    if (!image) return std::unexpected(image.error().Wrap("kernel module " + m.name));
    if (auto ok = agent.LoadModule(m.name, *image, m.parameters); !ok) return ok;
  }
  return {};
}

// Takes the container's disks and passed-through devices out of the VM (the
// guest has unmounted the disks).
Result<> Manager::DetachDevices(const std::string& sid, SandboxRecord& r, ContainerRecord& c) {
  for (auto& boot : r.boot_disks)
    if (boot.user == c.config.id) boot.user.clear();
  while (!c.disks.empty()) {
    if (auto ok = backend_->RemoveDisk(sid, c.disks.back()); !ok)
      return std::unexpected(ok.error().Wrap("detach disk " + c.disks.back()));
    c.disks.pop_back();
  }
  while (!c.vfio_groups.empty()) {
    if (auto ok = backend_->RemoveVfioGroup(sid, c.vfio_groups.back()); !ok)
      return std::unexpected(ok.error().Wrap("detach IOMMU group " + c.vfio_groups.back()));
    c.vfio_groups.pop_back();
  }
  return {};
}

// The spec's bind mounts (volumes; /etc/hosts, /etc/resolv.conf and
// /etc/hostname under CRI) come from the host: each source is shared into the
// guest, and the spec the guest gets names it there. Disk volumes
// (sandbox/volumes.h) are attached instead, mounted by the guest, and the
// spec binds them from there.
Result<> Manager::ShareMounts(const std::string& sid, ContainerRecord& c, oci::Spec& spec,
                              std::vector<agent::GuestDisk>& disks) {
  const std::string& cid = c.config.id;
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    oci::Mount& m = spec.mounts[i];
    const std::string what = "mount " + m.destination;
    auto disk_mount = DiskMountOf(state_root(), m);
    if (!disk_mount) return std::unexpected(disk_mount.error().Wrap(what));
    if (*disk_mount) {
      auto guest = AttachVolume(sid, c, i, **disk_mount);
      if (!guest) return std::unexpected(guest.error().Wrap(what));
      m.type = "bind";
      m.source = guest->mount_point;
      m.options = {"rbind"};
      if ((*disk_mount)->read_only) m.options.push_back("ro");
      disks.push_back(std::move(*guest));
      continue;
    }
    if (!oci::IsBind(m)) continue;
    if (m.source.empty() || m.source[0] != '/')
      return Fail(ErrorCode::kInvalidArgument, what + ": the source '" + m.source + "' must be an absolute host path");
    const os::MountOptions parsed = os::ParseMountOptions(m.options);
    // Bidirectional propagation (Kubernetes'; rshared): a mount made in the
    // guest cannot appear on the host.
    if (parsed.propagation & MS_SHARED)
      return Fail(ErrorCode::kInvalidArgument,
                  what + " (" + m.source + "): shared propagation (rshared, Kubernetes' Bidirectional) cannot work "
                  "from a VM: mounts made in the guest never reach the host; use rslave (HostToContainer) or rprivate");
    resource::ShareOptions share;
    share.read_only = parsed.flags & MS_RDONLY;
    share.receive_host_mounts = parsed.propagation & MS_SLAVE;
    auto guest = backend_->ShareMount(sid, cid, i, m.source, share);
    if (!guest) return std::unexpected(guest.error().Wrap(what));
    m.source = *guest;
  }
  return {};
}

}  // namespace vc
