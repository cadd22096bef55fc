// PCI passthrough with VFIO, the host side. The unit of passthrough is an
// IOMMU group: every PCI function in it must be bound to vfio-pci (or be a
// bridge, which keeps its driver) before /dev/vfio/<group> can be used. The
// drivers each function had are recorded first and given back afterwards,
// also by another process (the record travels in the sandbox's resources).
//
// Everything goes through sysfs: the IOMMU group of a function is its
// `iommu_group` link, a driver is taken with driver_override + unbind +
// drivers_probe. Writes go through `Sysfs::write`, so that the unit tests can
// play the kernel's part on a fake tree.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vc/result.h"

namespace vc::resource::vfio {

inline constexpr const char* kVfioPci = "vfio-pci";

// Where sysfs and the mount table are, and how an attribute is written.
struct Sysfs {
  std::string root = "/sys";
  std::string mountinfo = "/proc/self/mountinfo";
  std::function<Result<>(const std::string& path, const std::string& value)> write = WriteAttribute;

  // Writes `value` to the attribute file at `path` (one write, as the kernel wants).
  static Result<> WriteAttribute(const std::string& path, const std::string& value);
};

// One PCI function of a group and the host driver it had ("" none).
struct Function {
  std::string address;  // "0000:01:00.0"
  std::string driver;
  bool operator==(const Function&) const = default;
};

void to_json(nlohmann::json& j, const Function& f);
void from_json(const nlohmann::json& j, Function& f);

// The IOMMU group ("12") that PCI function `address` belongs to.
// kFailedPrecondition saying "no IOMMU" when the host has no IOMMU groups at
// all; kNotFound for a function the host does not have.
Result<std::string> GroupOf(const std::string& address, const Sysfs& sys = {});

// The group named by a /dev/vfio/<group> path ("/dev/vfio/12" -> "12");
// kInvalidArgument for any other path.
Result<std::string> GroupOfPath(const std::string& path);

// The group's PCI functions that pass to the VM (bridges excepted), with the
// driver each has now. kFailedPrecondition "no IOMMU" as GroupOf; kNotFound
// for a group the host does not have.
Result<std::vector<Function>> GroupFunctions(const std::string& group, const Sysfs& sys = {});

// Binds every function of `group` to vfio-pci. Refused, with nothing
// changed, when vfio-pci is not loaded or a function is in use on the host
// (an interface of it is up, a disk of it is mounted). `save` gets what each
// function had before the first change (the record Release needs). On
// failure the functions already taken are given back. Returns the record.
Result<std::vector<Function>> Bind(const std::string& group, const Sysfs& sys,
                                   const std::function<Result<>(const std::vector<Function>&)>& save);

// Gives each function back the driver it had (none: left without one);
// those that had vfio-pci before keep it. A function the host no longer has
// is passed over. Goes on past a failure; returns the first.
Result<> Release(const std::vector<Function>& functions, const Sysfs& sys = {});

}  // namespace vc::resource::vfio
