#include "hypervisor/qemu/hotplug.h"

#include "hypervisor/qemu/argv.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <tuple>

namespace vc::hypervisor::qemu {

namespace {

// device_del, then the wait for the guest to let device `id` (a `what`) go.
Result<> DeleteDevice(QmpClient& qmp, const std::string& id, const std::string& what,
                      std::chrono::milliseconds timeout) {
  if (auto r = qmp.Execute("device_del", {{"id", id}}); !r) return std::unexpected(r.error());
  auto gone = qmp.WaitEvent("DEVICE_DELETED",
                            [&](const nlohmann::json& data) { return QmpString(data, "device") == id; },
                            timeout);
  if (!gone) return std::unexpected(gone.error().Wrap("the guest did not release " + what + " " + id));
  return {};
}

}  // namespace

Result<> PlugNet(QmpClient& qmp, const NetDevice& nic, const std::string& port) {
  if (nic.fds.empty()) return Fail(ErrorCode::kInvalidArgument, "network device " + nic.id + " has no tap descriptor");
  std::vector<std::string> names;
  auto close_fds = [&] {
    for (const auto& name : names) (void)qmp.Execute("closefd", {{"fdname", name}});
  };
  for (size_t i = 0; i < nic.fds.size(); ++i) {
    std::string name = nic.id + "-q" + std::to_string(i);
    if (auto r = qmp.ExecuteWithFd("getfd", {{"fdname", name}}, nic.fds[i]); !r) {
      close_fds();
      return std::unexpected(r.error());
    }
    names.push_back(std::move(name));
  }
  std::string fds;
  for (const auto& name : names) fds += (fds.empty() ? "" : ":") + name;
  nlohmann::json netdev = {{"type", "tap"}, {"id", nic.id}};
  netdev[names.size() > 1 ? "fds" : "fd"] = fds;
  if (nic.vhost) netdev["vhost"] = true;
  if (auto r = qmp.Execute("netdev_add", netdev); !r) {
    close_fds();
    return std::unexpected(r.error());
  }
  nlohmann::json device = {{"driver", "virtio-net-pci"}, {"id", nic.id}, {"netdev", nic.id},
                           {"mac", nic.mac}, {"bus", port}};
  if (nic.fds.size() > 1) {
    device["mq"] = "on";
    device["vectors"] = 2 * nic.fds.size() + 2;
  }
  if (auto r = qmp.Execute("device_add", device); !r) {
    (void)qmp.Execute("netdev_del", {{"id", nic.id}});
    return std::unexpected(r.error());
  }
  return {};
}

Result<> UnplugNet(QmpClient& qmp, const std::string& id, std::chrono::milliseconds timeout) {
  if (auto r = DeleteDevice(qmp, id, "network device", timeout); !r) return r;
  if (auto r = qmp.Execute("netdev_del", {{"id", id}}); !r) return std::unexpected(r.error());
  return {};
}

Result<int64_t> PlugBlock(QmpClient& qmp, const BlockDevice& disk, const DiskSlot& slot) {
  if (disk.fd < 0) return Fail(ErrorCode::kInvalidArgument, "disk " + disk.id + " has no open descriptor");
  auto added = qmp.ExecuteWithFd("add-fd", {{"opaque", disk.id}}, disk.fd);
  if (!added) return std::unexpected(added.error().Wrap("pass disk " + disk.id + " to QEMU"));
  const int64_t fdset = QmpInt(*added, "fdset-id", -1);
  if (fdset < 0) return Fail(ErrorCode::kInternal, "add-fd: no fd set in " + added->dump());
  auto drop_fdset = [&] { (void)qmp.Execute("remove-fd", {{"fdset-id", fdset}}); };
  const std::string node = BlockNodeName(disk.id);
  if (auto r = qmp.Execute("blockdev-add", BlockdevOptions(disk, "/dev/fdset/" + std::to_string(fdset))); !r) {
    drop_fdset();
    return std::unexpected(r.error().Wrap("open disk " + disk.path));
  }
  nlohmann::json device = {{"id", disk.id}, {"drive", node}};
  if (disk.driver == kVirtioScsi) {
    device["driver"] = "scsi-hd";
    device["bus"] = std::string(kScsiController) + ".0";
    device["channel"] = 0;
    device["scsi-id"] = slot.scsi_target;
    device["lun"] = 0;
  } else {
    device["driver"] = "virtio-blk-pci";
    device["bus"] = slot.port;
  }
  if (auto r = qmp.Execute("device_add", device); !r) {
    (void)qmp.Execute("blockdev-del", {{"node-name", node}});
    drop_fdset();
    // QEMU locks an image it writes (and one it reads against writers).
    if (r.error().message.find(" lock") != std::string::npos)
      return Fail(ErrorCode::kFailedPrecondition,
                  disk.path + " is in use by another VM or program (" + r.error().message + ")");
    return std::unexpected(r.error().Wrap("add disk " + disk.id));
  }
  return fdset;
}

Result<> UnplugBlock(QmpClient& qmp, const std::string& id, int64_t fdset, std::chrono::milliseconds timeout) {
  if (auto r = DeleteDevice(qmp, id, "disk", timeout); !r) return r;
  if (auto r = qmp.Execute("blockdev-del", {{"node-name", BlockNodeName(id)}}); !r)
    return std::unexpected(r.error());
  // The set's descriptor is QEMU's to close once unused; removing the set says so now.
  if (fdset >= 0) (void)qmp.Execute("remove-fd", {{"fdset-id", fdset}});
  return {};
}

Result<> ResizeBlock(QmpClient& qmp, const std::string& id, uint64_t bytes) {
  if (auto r = qmp.Execute("block_resize", {{"node-name", BlockNodeName(id)}, {"size", bytes}}); !r)
    return std::unexpected(r.error().Wrap("resize disk " + id));
  return {};
}

Result<> PlugVfio(QmpClient& qmp, const VfioDevice& device, const std::string& port) {
  if (auto r = qmp.Execute("device_add", {{"driver", "vfio-pci"}, {"id", device.id}, {"host", device.address},
                                          {"bus", port}});
      !r)
    return std::unexpected(r.error().Wrap("pass PCI device " + device.address + " through"));
  return {};
}

Result<> UnplugVfio(QmpClient& qmp, const std::string& id, std::chrono::milliseconds timeout) {
  return DeleteDevice(qmp, id, "VFIO device", timeout);
}

namespace {

// Searches one bus's devices (query-pci's shape), descending through bridges.
bool FindPciPath(const nlohmann::json& devices, const std::string& id, std::string prefix, std::string& path) {
  if (!devices.is_array()) return false;
  for (const auto& device : devices) {
    const int64_t slot = QmpInt(device, "slot", -1);
    if (slot < 0 || slot > 31) continue;
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(slot));
    const std::string here = prefix + (prefix.empty() ? "" : "/") + hex;
    if (QmpString(device, "qdev_id") == id) {
      path = here;
      return true;
    }
    const auto bridge = QmpObject(device, "pci_bridge");
    if (bridge.contains("devices") && FindPciPath(bridge["devices"], id, here, path)) return true;
  }
  return false;
}

}  // namespace

Result<std::string> PciPath(QmpClient& qmp, const std::string& id) {
  auto buses = qmp.Execute("query-pci");
  if (!buses) return std::unexpected(buses.error());
  if (!buses->is_array()) return Fail(ErrorCode::kInternal, "query-pci: not a list: " + buses->dump());
  for (const auto& bus : *buses) {
    if (QmpInt(bus, "bus", -1) != 0) continue;
    std::string path;
    if (bus.is_object() && bus.contains("devices") && FindPciPath(bus["devices"], id, "", path)) return path;
  }
  return Fail(ErrorCode::kNotFound, "device " + id + " is not on the VM's PCI buses");
}

Result<uint32_t> PlugCpus(QmpClient& qmp, uint32_t count) {
  auto slots = qmp.Execute("query-hotpluggable-cpus");
  if (!slots) return std::unexpected(slots.error());
  if (!slots->is_array()) return Fail(ErrorCode::kInternal, "query-hotpluggable-cpus: not a list: " + slots->dump());
  uint32_t plugged = 0;
  std::vector<nlohmann::json> free;
  for (const auto& slot : *slots) {
    if (!slot.is_object()) return Fail(ErrorCode::kInternal, "query-hotpluggable-cpus: a slot is " + slot.dump());
    if (slot.contains("qom-path")) ++plugged;
    else free.push_back(slot);
  }
  // Lowest topology ids first (QEMU lists the slots last first).
  auto key = [](const nlohmann::json& slot) {
    const auto props = QmpObject(slot, "props");
    return std::tuple(QmpInt(props, "socket-id", 0), QmpInt(props, "die-id", 0), QmpInt(props, "core-id", 0),
                      QmpInt(props, "thread-id", 0));
  };
  std::sort(free.begin(), free.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  for (const auto& slot : free) {
    if (plugged >= count) break;
    nlohmann::json device = QmpObject(slot, "props");
    device["driver"] = QmpString(slot, "type");
    device["id"] = "cpu" + std::to_string(plugged);
    if (auto r = qmp.Execute("device_add", device); !r) return std::unexpected(r.error().Wrap("add a vCPU"));
    ++plugged;
  }
  return plugged;
}

Result<std::vector<pid_t>> VcpuThreadIds(QmpClient& qmp) {
  auto cpus = qmp.Execute("query-cpus-fast");
  if (!cpus) return std::unexpected(cpus.error());
  if (!cpus->is_array()) return Fail(ErrorCode::kInternal, "query-cpus-fast: not a list: " + cpus->dump());
  std::vector<pid_t> threads;
  for (const auto& cpu : *cpus) {
    const int64_t tid = QmpInt(cpu, "thread-id", 0);
    if (tid <= 0 || tid > std::numeric_limits<pid_t>::max())
      return Fail(ErrorCode::kInternal, "query-cpus-fast: a vCPU without a thread id: " + cpu.dump());
    threads.push_back(static_cast<pid_t>(tid));
  }
  return threads;
}

Result<> PlugMemory(QmpClient& qmp, const std::string& id, uint32_t mib, bool shared) {
  const std::string backend = id + "-mem";
  nlohmann::json object = {{"qom-type", shared ? "memory-backend-memfd" : "memory-backend-ram"},
                           {"id", backend},
                           {"size", uint64_t{mib} << 20}};
  if (shared) object["share"] = true;
  if (auto r = qmp.Execute("object-add", object); !r) return std::unexpected(r.error().Wrap("add guest memory"));
  if (auto r = qmp.Execute("device_add", {{"driver", "pc-dimm"}, {"id", id}, {"memdev", backend}}); !r) {
    (void)qmp.Execute("object-del", {{"id", backend}});
    return std::unexpected(r.error().Wrap("add guest memory"));
  }
  return {};
}

}  // namespace vc::hypervisor::qemu
