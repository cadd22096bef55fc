#include "supervisor/control.h"

#include "protocol/net_messages.h"
#include "supervisor/protocol/control_client.h"
#include "supervisor.pb.h"

namespace vc::supervisor {

namespace pb = vc::supervisor::v1;

void RegisterControl(ttrpc::MethodTable& table, os::Worker& worker, ControlOps ops) {
  auto shared = std::make_shared<ControlOps>(std::move(ops));
  table.Add(kSupervisorService, "AddInterface",
            ttrpc::Typed<pb::InterfaceRequest>(
                [&worker, shared](pb::InterfaceRequest req) -> asio::awaitable<Result<pb::AddInterfaceResponse>> {
                  os::Job<Result<agent::GuestNetwork>> job{[shared, name = req.name()] {
                    return shared->add_interface(name);
                  }};
                  auto added = co_await worker.Run(&job);
                  if (!added) co_return std::unexpected(added.error());
                  pb::AddInterfaceResponse resp;
                  if (!added->interfaces.empty()) *resp.mutable_interface() = agent::ToMessage(added->interfaces[0]);
                  *resp.mutable_routes() = agent::ToMessage(added->routes);
                  *resp.mutable_neighbors() = agent::ToMessage(added->neighbors);
                  co_return resp;
                }));
  table.Add(kSupervisorService, "RemoveInterface",
            ttrpc::Typed<pb::InterfaceRequest>(
                [&worker, shared](pb::InterfaceRequest req) -> asio::awaitable<Result<agent::v1::Empty>> {
                  os::Job<Result<>> job{[shared, name = req.name()] { return shared->remove_interface(name); }};
                  auto removed = co_await worker.Run(&job);
                  if (!removed) co_return std::unexpected(removed.error());
                  co_return agent::v1::Empty{};
                }));
  table.Add(kSupervisorService, "GrowVm",
            ttrpc::Typed<pb::VmSize>([&worker, shared](pb::VmSize req) -> asio::awaitable<Result<pb::VmSize>> {
              os::Job<Result<hypervisor::VmSize>> job{[shared, want = hypervisor::VmSize{req.vcpus(), req.memory_mib()}] {
                return shared->grow_vm(want);
              }};
              auto size = co_await worker.Run(&job);
              if (!size) co_return std::unexpected(size.error());
              pb::VmSize resp;
              resp.set_vcpus(size->vcpus);
              resp.set_memory_mib(size->memory_mib);
              co_return resp;
            }));
  table.Add(kSupervisorService, "AddDisk",
            ttrpc::Typed<pb::AddDiskRequest>(
                [&worker, shared](pb::AddDiskRequest req) -> asio::awaitable<Result<pb::AddDiskResponse>> {
                  os::Job<Result<AttachedDisk>> job{[shared, path = req.path(), ro = req.read_only(), raw = req.raw()] {
                    return shared->add_disk(path, ro, raw);
                  }};
                  auto disk = co_await worker.Run(&job);
                  if (!disk) co_return std::unexpected(disk.error());
                  pb::AddDiskResponse resp;
                  resp.set_id(disk->id);
                  resp.set_driver(disk->driver);
                  resp.set_address(disk->address);
                  resp.set_fstype(disk->fstype);
                  co_return resp;
                }));
  table.Add(kSupervisorService, "RemoveDisk",
            ttrpc::Typed<pb::DiskRequest>(
                [&worker, shared](pb::DiskRequest req) -> asio::awaitable<Result<agent::v1::Empty>> {
                  os::Job<Result<>> job{[shared, id = req.id()] { return shared->remove_disk(id); }};
                  auto removed = co_await worker.Run(&job);
                  if (!removed) co_return std::unexpected(removed.error());
                  co_return agent::v1::Empty{};
                }));
  table.Add(kSupervisorService, "ResizeDisk",
            ttrpc::Typed<pb::ResizeDiskRequest>(
                [&worker, shared](pb::ResizeDiskRequest req) -> asio::awaitable<Result<agent::v1::Empty>> {
                  os::Job<Result<>> job{
                      [shared, path = req.path(), bytes = req.bytes()] { return shared->resize_disk(path, bytes); }};
                  auto resized = co_await worker.Run(&job);
                  if (!resized) co_return std::unexpected(resized.error());
                  co_return agent::v1::Empty{};
                }));
  table.Add(kSupervisorService, "AddVfioGroup",
            ttrpc::Typed<pb::VfioGroupRequest>(
                [&worker, shared](pb::VfioGroupRequest req) -> asio::awaitable<Result<pb::AddVfioGroupResponse>> {
                  os::Job<Result<std::vector<std::string>>> job{
                      [shared, group = req.group()] { return shared->add_vfio_group(group); }};
                  auto addresses = co_await worker.Run(&job);
                  if (!addresses) co_return std::unexpected(addresses.error());
                  pb::AddVfioGroupResponse resp;
                  for (const auto& address : *addresses) resp.add_addresses(address);
                  co_return resp;
                }));
  table.Add(kSupervisorService, "RemoveVfioGroup",
            ttrpc::Typed<pb::VfioGroupRequest>(
                [&worker, shared](pb::VfioGroupRequest req) -> asio::awaitable<Result<agent::v1::Empty>> {
                  os::Job<Result<>> job{[shared, group = req.group()] { return shared->remove_vfio_group(group); }};
                  auto removed = co_await worker.Run(&job);
                  if (!removed) co_return std::unexpected(removed.error());
                  co_return agent::v1::Empty{};
                }));
}

}  // namespace vc::supervisor
