// PCI devices the host hot-plugs, found in the guest by their PCI path (each
// bridge's slot from the root bus, then the device's: "02/00"), never by the
// order the kernel enumerated them in. Disks (disks.h) and devices passed
// through with VFIO are both found this way.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "oci/spec.h"
#include "os/asio.h"
#include "vc/result.h"

namespace vc::agent::pci {

// The sysfs directory of the device at PCI path `path`, in the tree at
// `sys`. kNotFound while it (or a bridge on the way) has not appeared;
// kInvalidArgument for a path that cannot be one.
Result<std::string> DeviceDir(const std::string& sys, const std::string& path);

// A device passed through for a container: where it is, and the container's
// linux.devices entry that named it on the host (its IOMMU group's node,
// /dev/vfio/<group>).
struct Passthrough {
  std::string address;
  std::string container_path;
};

// Waits (up to `timeout`) for each device to appear under `sys`.
asio::awaitable<Result<>> WaitAll(std::vector<Passthrough> devices, std::chrono::milliseconds timeout,
                                  std::string sys = "/sys");

// The devices are the guest kernel's to drive (its own drivers bind them);
// the host's /dev/vfio/<group> means nothing in the guest, so the entries
// that named it go from the spec, with the device cgroup rules that allowed
// exactly those numbers.
void DropHostNodes(oci::Spec& spec, const std::vector<Passthrough>& devices);

}  // namespace vc::agent::pci
