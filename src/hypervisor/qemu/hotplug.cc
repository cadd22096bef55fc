#include "hypervisor/qemu/hotplug.h"

namespace vc::hypervisor::qemu {

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
  if (auto r = qmp.Execute("device_del", {{"id", id}}); !r) return std::unexpected(r.error());
  auto gone = qmp.WaitEvent("DEVICE_DELETED",
                            [&](const nlohmann::json& data) { return data.value("device", std::string()) == id; },
                            timeout);
  if (!gone) return std::unexpected(gone.error().Wrap("the guest did not release network device " + id));
  if (auto r = qmp.Execute("netdev_del", {{"id", id}}); !r) return std::unexpected(r.error());
  return {};
}

}  // namespace vc::hypervisor::qemu
