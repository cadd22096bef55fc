#include "supervisor/protocol/control_client.h"

#include "protocol/net_messages.h"
#include "os/io_thread.h"
#include "os/socket.h"
#include "supervisor.pb.h"
#include "ttrpc/async_client.h"

namespace vc {

namespace {

namespace pb = vc::supervisor::v1;
using namespace std::chrono_literals;

// Hot-unplug waits for the guest to let the device go (5 s and more).
constexpr auto kTimeout = 60s;

// One call on a connection of its own.
Result<std::string> Call(const std::string& socket, const std::string& method, const std::string& request) {
  auto fd = os::ConnectUnix(socket);
  if (!fd) return std::unexpected(fd.error().Wrap("supervisor control"));
  os::IoThread loop;
  auto client = ttrpc::AsyncClient::Create(loop.executor(), std::move(*fd));
  auto reply = loop.Run(client->Call(kSupervisorService, method, request, kTimeout));
  loop.Call([&client] {
    client->Close();
    client.reset();
  });
  if (reply) return reply;
  // The supervisor's answer speaks of the request already; the method's
  // name stays only on what went wrong on the way.
  Error e = std::move(reply.error());
  const std::string prefix = std::string(kSupervisorService) + "/" + method + ": ";
  if (e.message.starts_with(prefix)) e.message.erase(0, prefix.size());
  if (e.code == ErrorCode::kDeadlineExceeded || e.code == ErrorCode::kUnavailable)
    return std::unexpected(std::move(e).Wrap("supervisor " + method));
  return std::unexpected(std::move(e));
}

}  // namespace

void to_json(nlohmann::json& j, const BootDisk& d) {
  j = {{"path", d.path},
       {"read_only", d.read_only},
       {"id", d.disk.id},
       {"driver", d.disk.driver},
       {"address", d.disk.address},
       {"fstype", d.disk.fstype},
       {"user", d.user}};
}

void from_json(const nlohmann::json& j, BootDisk& d) {
  d.path = j.value("path", std::string());
  d.read_only = j.value("read_only", false);
  d.disk = {j.value("id", std::string()), j.value("driver", std::string()), j.value("address", std::string()),
            j.value("fstype", std::string())};
  d.user = j.value("user", std::string());
}

Result<agent::GuestNetwork> SupervisorAddInterface(const std::string& control_socket, const std::string& name) {
  pb::InterfaceRequest req;
  req.set_name(name);
  auto reply = Call(control_socket, "AddInterface", req.SerializeAsString());
  if (!reply) return std::unexpected(reply.error());
  pb::AddInterfaceResponse resp;
  if (!resp.ParseFromString(*reply)) return Fail(ErrorCode::kInternal, "supervisor: malformed AddInterface response");
  return agent::GuestNetwork{{agent::FromMessage(resp.interface())}, agent::FromMessage(resp.routes()),
                             agent::FromMessage(resp.neighbors())};
}

Result<> SupervisorRemoveInterface(const std::string& control_socket, const std::string& name) {
  pb::InterfaceRequest req;
  req.set_name(name);
  auto reply = Call(control_socket, "RemoveInterface", req.SerializeAsString());
  if (!reply) return std::unexpected(reply.error());
  return {};
}

Result<AttachedDisk> SupervisorAddDisk(const std::string& control_socket, const std::string& path, bool read_only,
                                       bool raw) {
  pb::AddDiskRequest req;
  req.set_path(path);
  req.set_read_only(read_only);
  req.set_raw(raw);
  auto reply = Call(control_socket, "AddDisk", req.SerializeAsString());
  if (!reply) return std::unexpected(reply.error());
  pb::AddDiskResponse resp;
  if (!resp.ParseFromString(*reply)) return Fail(ErrorCode::kInternal, "supervisor: malformed AddDisk response");
  return AttachedDisk{resp.id(), resp.driver(), resp.address(), resp.fstype()};
}

Result<> SupervisorRemoveDisk(const std::string& control_socket, const std::string& id) {
  pb::DiskRequest req;
  req.set_id(id);
  auto reply = Call(control_socket, "RemoveDisk", req.SerializeAsString());
  if (!reply) return std::unexpected(reply.error());
  return {};
}

Result<> SupervisorResizeDisk(const std::string& control_socket, const std::string& path, uint64_t bytes) {
  pb::ResizeDiskRequest req;
  req.set_path(path);
  req.set_bytes(bytes);
  auto reply = Call(control_socket, "ResizeDisk", req.SerializeAsString());
  if (!reply) return std::unexpected(reply.error());
  return {};
}

Result<std::vector<std::string>> SupervisorAddVfioGroup(const std::string& control_socket, const std::string& group) {
  pb::VfioGroupRequest req;
  req.set_group(group);
  auto reply = Call(control_socket, "AddVfioGroup", req.SerializeAsString());
  if (!reply) return std::unexpected(reply.error());
  pb::AddVfioGroupResponse resp;
  if (!resp.ParseFromString(*reply)) return Fail(ErrorCode::kInternal, "supervisor: malformed AddVfioGroup response");
  return std::vector<std::string>(resp.addresses().begin(), resp.addresses().end());
}

Result<> SupervisorRemoveVfioGroup(const std::string& control_socket, const std::string& group) {
  pb::VfioGroupRequest req;
  req.set_group(group);
  auto reply = Call(control_socket, "RemoveVfioGroup", req.SerializeAsString());
  if (!reply) return std::unexpected(reply.error());
  return {};
}

Result<hypervisor::VmSize> SupervisorGrowVm(const std::string& control_socket, const hypervisor::VmSize& want) {
  pb::VmSize req;
  req.set_vcpus(want.vcpus);
  req.set_memory_mib(want.memory_mib);
  auto reply = Call(control_socket, "GrowVm", req.SerializeAsString());
  if (!reply) return std::unexpected(reply.error());
  pb::VmSize resp;
  if (!resp.ParseFromString(*reply)) return Fail(ErrorCode::kInternal, "supervisor: malformed GrowVm response");
  return hypervisor::VmSize{resp.vcpus(), resp.memory_mib()};
}

}  // namespace vc
