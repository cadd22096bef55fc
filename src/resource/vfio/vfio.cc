#include "resource/vfio/vfio.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"
#include "os/log.h"

namespace vc::resource::vfio {

namespace fs = std::filesystem;

void to_json(nlohmann::json& j, const Function& f) { j = {{"address", f.address}, {"driver", f.driver}}; }

void from_json(const nlohmann::json& j, Function& f) {
  f.address = j.value("address", std::string());
  f.driver = j.value("driver", std::string());
}

Result<> Sysfs::WriteAttribute(const std::string& path, const std::string& value) {
  os::Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return os::FailErrno("open " + path);
  if (::write(fd.get(), value.data(), value.size()) < 0) return os::FailErrno("write '" + value + "' to " + path);
  return {};
}

namespace {

std::string DeviceDir(const Sysfs& sys, const std::string& address) {
  return sys.root + "/bus/pci/devices/" + address;
}

// The last part of what the link at `path` points to; "" if it is no link.
std::string LinkName(const std::string& path) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(path, ec);
  return ec ? std::string() : target.filename().string();
}

std::string DriverOf(const Sysfs& sys, const std::string& address) {
  return LinkName(DeviceDir(sys, address) + "/driver");
}

std::string Trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

Error NoIommu(const Sysfs& sys) {
  return {ErrorCode::kFailedPrecondition,
          "the host has no IOMMU (" + sys.root + "/kernel/iommu_groups is empty): PCI passthrough needs VT-d or "
          "AMD-Vi enabled in the firmware and on the kernel command line (intel_iommu=on or amd_iommu=on)"};
}

bool HasIommu(const Sysfs& sys) { return !Entries(sys.root + "/kernel/iommu_groups").empty(); }

// "0000:01:00.0"; the domain may be left out ("01:00.0").
Result<std::string> CanonicalAddress(const std::string& address) {
  std::string full = address.size() == 7 ? "0000:" + address : address;
  auto hex = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i)
      if (!std::isxdigit(static_cast<unsigned char>(full[i]))) return false;
    return true;
  };
  if (full.size() != 12 || full[4] != ':' || full[7] != ':' || full[10] != '.' || !hex(0, 4) || !hex(5, 2) ||
      !hex(8, 2) || full[11] < '0' || full[11] > '7')
    return Fail(ErrorCode::kInvalidArgument,
                "PCI address '" + address + "': want domain:bus:slot.function, e.g. 0000:01:00.0");
  std::transform(full.begin(), full.end(), full.begin(), [](unsigned char c) { return std::tolower(c); });
  return full;
}

bool IsBridge(const Sysfs& sys, const std::string& address) {
  auto cls = os::ReadFile(DeviceDir(sys, address) + "/class");
  return cls && cls->starts_with("0x0604");
}

// Block devices mounted on the host, by "major:minor", with a mount point each.
std::map<std::string, std::string> MountedDevices(const Sysfs& sys) {
  std::map<std::string, std::string> mounted;
  auto table = os::ReadFile(sys.mountinfo);
  if (!table) return mounted;
  std::istringstream lines(*table);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, parent, numbers, root, point;
    if (fields >> id >> parent >> numbers >> root >> point) mounted.emplace(numbers, point);
  }
  return mounted;
}

// Why the host still needs function `address`: an interface of it that is up,
// a disk (or partition) of it that is mounted. "" when nothing is seen.
std::string InUse(const Sysfs& sys, const std::string& address) {
  const std::string dir = DeviceDir(sys, address);
  for (const auto& name : Entries(dir + "/net")) {
    auto flags = os::ReadFile(dir + "/net/" + name + "/flags");
    if (flags && (std::strtoul(Trimmed(*flags).c_str(), nullptr, 16) & 1u)) return "its interface " + name + " is up";
  }
  const auto mounted = MountedDevices(sys);
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it.depth() > 6) it.disable_recursion_pending();
    if (it->path().filename() != "dev" || it->is_symlink()) continue;
    auto numbers = os::ReadFile(it->path().string());
    if (!numbers) continue;
    if (auto m = mounted.find(Trimmed(*numbers)); m != mounted.end())
      return "its disk " + it->path().parent_path().filename().string() + " is mounted at " + m->second;
  }
  return "";
}

Result<> Write(const Sysfs& sys, const std::string& path, const std::string& value) {
  return sys.write(sys.root + path, value);
}

// Takes one function from its driver and gives it to vfio-pci.
Result<> TakeOne(const Sysfs& sys, const Function& f) {
  const std::string dev = "/bus/pci/devices/" + f.address;
  if (auto r = Write(sys, dev + "/driver_override", kVfioPci); !r) return r;
  if (!f.driver.empty())
    if (auto r = Write(sys, dev + "/driver/unbind", f.address); !r) return r;
  if (auto r = Write(sys, "/bus/pci/drivers_probe", f.address); !r) return r;
  if (const std::string now = DriverOf(sys, f.address); now != kVfioPci)
    return Fail(ErrorCode::kFailedPrecondition,
                "vfio-pci did not take PCI device " + f.address + " (its driver is now " +
                    (now.empty() ? "none" : now) + "): see the kernel log");
  return {};
}

Result<> GiveBack(const Sysfs& sys, const Function& f) {
  if (f.driver == kVfioPci) return {};
  if (!os::Exists(DeviceDir(sys, f.address))) {
    log::Warn("PCI device " + f.address + " is gone from the host; its driver " + f.driver + " is not restored");
    return {};
  }
  const std::string dev = "/bus/pci/devices/" + f.address;
  // An empty override (a newline) lets any driver match the device again.
  if (auto r = Write(sys, dev + "/driver_override", "\n"); !r) return r;
  if (DriverOf(sys, f.address) == kVfioPci)
    if (auto r = Write(sys, "/bus/pci/drivers/vfio-pci/unbind", f.address); !r) return r;
  if (f.driver.empty()) return {};
  if (auto r = Write(sys, "/bus/pci/drivers/" + f.driver + "/bind", f.address); !r) return r;
  if (const std::string now = DriverOf(sys, f.address); now != f.driver)
    return Fail(ErrorCode::kInternal, "PCI device " + f.address + " did not go back to its driver " + f.driver +
                                          " (its driver is now " + (now.empty() ? "none" : now) + ")");
  return {};
}

}  // namespace

Result<std::string> GroupOf(const std::string& address, const Sysfs& sys) {
  auto full = CanonicalAddress(address);
  if (!full) return full;
  const std::string dir = DeviceDir(sys, *full);
  if (!os::Exists(dir)) return Fail(ErrorCode::kNotFound, "the host has no PCI device " + *full);
  const std::string group = LinkName(dir + "/iommu_group");
  if (!group.empty()) return group;
  if (!HasIommu(sys)) return std::unexpected(NoIommu(sys));
  return Fail(ErrorCode::kFailedPrecondition, "PCI device " + *full + " is in no IOMMU group");
}

Result<std::string> GroupOfPath(const std::string& path) {
  constexpr std::string_view kPrefix = "/dev/vfio/";
  const std::string group = path.starts_with(kPrefix) ? path.substr(kPrefix.size()) : "";
  if (group.empty() || group.size() > 9 ||
      !std::all_of(group.begin(), group.end(), [](unsigned char c) { return std::isdigit(c); }))
    return Fail(ErrorCode::kInvalidArgument, "'" + path + "' names no VFIO group: want /dev/vfio/<number>");
  return group;
}

Result<std::vector<Function>> GroupFunctions(const std::string& group, const Sysfs& sys) {
  if (!HasIommu(sys)) return std::unexpected(NoIommu(sys));
  const std::string dir = sys.root + "/kernel/iommu_groups/" + group + "/devices";
  if (!os::Exists(dir)) return Fail(ErrorCode::kNotFound, "the host has no IOMMU group " + group);
  std::vector<Function> functions;
  for (const auto& address : Entries(dir))
    if (!IsBridge(sys, address)) functions.push_back({address, DriverOf(sys, address)});
  if (functions.empty()) return Fail(ErrorCode::kNotFound, "IOMMU group " + group + " has no device to pass");
  return functions;
}

Result<std::vector<Function>> Bind(const std::string& group, const Sysfs& sys,
                                   const std::function<Result<>(const std::vector<Function>&)>& save) {
  auto functions = GroupFunctions(group, sys);
  if (!functions) return functions;
  const bool all_bound =
      std::all_of(functions->begin(), functions->end(), [](const Function& f) { return f.driver == kVfioPci; });
  if (!all_bound && !os::Exists(sys.root + "/bus/pci/drivers/vfio-pci"))
    return Fail(ErrorCode::kFailedPrecondition,
                "the vfio-pci driver is not loaded on the host (modprobe vfio-pci), IOMMU group " + group +
                    " cannot be passed to a VM");
  for (const auto& f : *functions) {
    if (f.driver == kVfioPci) continue;
    if (const std::string why = InUse(sys, f.address); !why.empty())
      return Fail(ErrorCode::kFailedPrecondition, "PCI device " + f.address + " of IOMMU group " + group +
                                                      " is in use on the host (driver " + f.driver + "): " + why);
  }
  if (auto saved = save(*functions); !saved) return std::unexpected(saved.error());
  for (size_t i = 0; i < functions->size(); ++i) {
    const Function& f = (*functions)[i];
    if (f.driver == kVfioPci) continue;
    if (auto taken = TakeOne(sys, f); !taken) {
      const std::vector<Function> changed(functions->begin(), functions->begin() + static_cast<ptrdiff_t>(i) + 1);
      if (auto back = Release(changed, sys); !back) log::Warn(back.error().message);
      return std::unexpected(taken.error().Wrap("bind IOMMU group " + group + " to vfio-pci"));
    }
  }
  return functions;
}

Result<> Release(const std::vector<Function>& functions, const Sysfs& sys) {
  Result<> first;
  for (const auto& f : functions)
    if (auto r = GiveBack(sys, f); !r && first) first = r;
  return first;
}

}  // namespace vc::resource::vfio
