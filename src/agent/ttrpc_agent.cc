// The one place that translates between the library's agent types and the
// vc.agent.v1 protobuf messages: AsyncAgent (the blocking Agent that runs it
// on a loop of its own is sync_agent.cc).
#include <sys/random.h>
#include <time.h>

#include <nlohmann/json.hpp>

#include "agent.pb.h"
#include "agent/agent.h"
#include "agent/async_agent.h"
#include "protocol/net_messages.h"
#include "protocol/agent.h"
#include "oci/convert.h"
#include "os/error.h"
#include "os/io_thread.h"
#include "os/socket.h"

namespace vc::agent {

namespace {

namespace pb = vc::agent::v1;
using namespace std::chrono_literals;

// Calls that may block for as long as a workload runs.
constexpr auto kForever = std::chrono::milliseconds(std::chrono::hours(24 * 365));
constexpr auto kDefault = 60s;

template <typename Resp, typename Req>
Async<Resp> Call(ttrpc::AsyncClient& client, std::string method, Req req,
                 std::chrono::milliseconds timeout = kDefault) {
  auto bytes = co_await client.Call(kServiceName, method, req.SerializeAsString(), timeout);
  if (!bytes) co_return std::unexpected(bytes.error().Wrap("agent"));
  Resp resp;
  if (!resp.ParseFromString(*bytes))
    co_return Fail(ErrorCode::kInternal, "agent: malformed " + method + " response");
  co_return resp;
}

template <typename Req>
Async<> CallVoid(ttrpc::AsyncClient& client, std::string method, Req req,
                 std::chrono::milliseconds timeout = kDefault) {
  auto r = co_await Call<pb::Empty>(client, std::move(method), std::move(req), timeout);
  if (!r) co_return std::unexpected(r.error());
  co_return Result<>{};
}

pb::ProcessRequest ProcessReq(const std::string& id, const std::string& exec_id) {
  pb::ProcessRequest req;
  req.set_container_id(id);
  req.set_exec_id(exec_id);
  return req;
}

pb::ContainerRequest ContainerReq(const std::string& id) {
  pb::ContainerRequest req;
  req.set_container_id(id);
  return req;
}

}  // namespace

Async<GuestInfo> AsyncAgent::Check(std::chrono::milliseconds timeout) {
  auto r = co_await Call<pb::CheckResponse>(*client_, "Check", pb::Empty{}, timeout);
  if (!r) co_return std::unexpected(r.error());
  co_return GuestInfo{r->agent_version(), r->agent_commit(), r->kernel_release(), r->agent_rss_bytes()};
}

Async<> AsyncAgent::CreateSandbox(std::string sandbox_id, std::string hostname,
                                  std::vector<SharedMount> mounts) {
  pb::CreateSandboxRequest req;
  req.set_sandbox_id(sandbox_id);
  req.set_hostname(hostname);
  std::string entropy(64, '\0');
  if (::getrandom(entropy.data(), entropy.size(), 0) == static_cast<ssize_t>(entropy.size()))
    req.set_entropy(entropy);
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  req.set_realtime_ns(static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec);
  for (const auto& m : mounts) {
    auto* s = req.add_storages();
    s->set_driver(m.fstype);
    s->set_source(m.tag);
    s->set_fstype(m.fstype);
    for (const auto& o : m.options) s->add_options(o);
    s->set_mount_point(m.guest_path);
  }
  return CallVoid(*client_, "CreateSandbox", req);
}

Async<> AsyncAgent::DestroySandbox() { return CallVoid(*client_, "DestroySandbox", pb::Empty{}); }

Async<> AsyncAgent::CreateContainer(std::string id, std::string spec, std::vector<GuestDisk> disks,
                                    std::vector<GuestPciDevice> devices) {
  pb::CreateContainerRequest req;
  req.set_container_id(id);
  req.set_oci_spec_json(spec);
  for (const auto& d : disks) {
    auto* s = req.add_storages();
    s->set_driver(d.driver);
    s->set_source(d.address);
    s->set_fstype(d.fstype);
    for (const auto& o : d.options) s->add_options(o);
    s->set_mount_point(d.mount_point);
    s->set_device_path(d.device_path);
  }
  for (const auto& d : devices) {
    auto* device = req.add_devices();
    device->set_type("vfio-pci");
    device->set_address(d.address);
    device->set_container_path(d.container_path);
  }
  return CallVoid(*client_, "CreateContainer", req);
}
Async<> AsyncAgent::StartContainer(std::string id) {
  return CallVoid(*client_, "StartContainer", ContainerReq(id));
}
Async<> AsyncAgent::RemoveContainer(std::string id) {
  return CallVoid(*client_, "RemoveContainer", ContainerReq(id));
}
Async<> AsyncAgent::PauseContainer(std::string id) {
  return CallVoid(*client_, "PauseContainer", ContainerReq(id));
}
Async<> AsyncAgent::ResumeContainer(std::string id) {
  return CallVoid(*client_, "ResumeContainer", ContainerReq(id));
}

Async<Stats> AsyncAgent::StatsContainer(std::string id) {
  auto r = co_await Call<pb::StatsContainerResponse>(*client_, "StatsContainer", ContainerReq(id));
  if (!r) co_return std::unexpected(r.error());
  co_return Stats{r->cpu_usage_usec(), r->memory_usage_bytes(), r->pids_current(),
                  r->memory_limit_bytes(), r->pids_limit()};
}

Async<GuestStats> AsyncAgent::SampleGuest() {
  auto r = co_await Call<pb::GuestStatsResponse>(*client_, "GuestStats", pb::Empty{});
  if (!r) co_return std::unexpected(r.error());
  GuestStats s{r->memory_total_bytes(), r->memory_available_bytes(), r->cpu_user_usec(), r->cpu_system_usec(),
               r->cpu_idle_usec(),      r->cpu_iowait_usec(),        r->load1(),         r->load5(),
               r->load15(),             {},                          {}};
  for (const auto& i : r->interfaces())
    s.interfaces.push_back({i.name(), i.rx_bytes(), i.rx_packets(), i.rx_errors(), i.rx_dropped(), i.tx_bytes(),
                            i.tx_packets(), i.tx_errors(), i.tx_dropped()});
  for (const auto& d : r->disks()) s.disks.push_back({d.name(), d.reads(), d.read_bytes(), d.writes(), d.written_bytes()});
  co_return s;
}

Async<> AsyncAgent::UpdateContainer(std::string id, std::string resources_json) {
  pb::UpdateContainerRequest req;
  req.set_container_id(id);
  req.set_resources_json(resources_json);
  return CallVoid(*client_, "UpdateContainer", req);
}

Async<std::vector<int32_t>> AsyncAgent::ListPids(std::string id) {
  auto r = co_await Call<pb::ListPidsResponse>(*client_, "ListPids", ContainerReq(id));
  if (!r) co_return std::unexpected(r.error());
  co_return std::vector<int32_t>(r->pids().begin(), r->pids().end());
}

Async<uint32_t> AsyncAgent::OnlineCpus(uint32_t count) {
  pb::OnlineCpusRequest req;
  req.set_count(count);
  auto r = co_await Call<pb::OnlineCpusResponse>(*client_, "OnlineCpus", req);
  if (!r) co_return std::unexpected(r.error());
  co_return r->online();
}

Async<> AsyncAgent::LoadModule(std::string name, std::string image, std::string parameters) {
  pb::LoadModuleRequest req;
  req.set_name(std::move(name));
  req.set_image(std::move(image));
  req.set_parameters(std::move(parameters));
  return CallVoid(*client_, "LoadModule", req);
}

Async<uint32_t> AsyncAgent::ForwardOpen(uint32_t port) {
  pb::ForwardOpenRequest req;
  req.set_port(port);
  auto r = co_await Call<pb::ForwardOpenResponse>(*client_, "ForwardOpen", req);
  if (!r) co_return std::unexpected(r.error());
  co_return r->id();
}

Async<> AsyncAgent::ForwardWrite(uint32_t id, std::string data, bool close_write) {
  pb::ForwardWriteRequest req;
  req.set_id(id);
  req.set_data(std::move(data));
  req.set_close_write(close_write);
  return CallVoid(*client_, "ForwardWrite", req);
}

Async<OutputChunk> AsyncAgent::ForwardRead(uint32_t id) {
  pb::ForwardRequest req;
  req.set_id(id);
  auto r = co_await Call<pb::ForwardReadResponse>(*client_, "ForwardRead", req, kForever);
  if (!r) co_return std::unexpected(r.error());
  co_return OutputChunk{std::move(*r->mutable_data()), r->eof()};
}

Async<> AsyncAgent::ForwardClose(uint32_t id) {
  pb::ForwardRequest req;
  req.set_id(id);
  return CallVoid(*client_, "ForwardClose", req);
}

Async<> AsyncAgent::ExecProcess(std::string id, std::string exec_id, Cmd cmd) {
  pb::ExecProcessRequest req;
  req.set_container_id(id);
  req.set_exec_id(exec_id);
  req.set_process_json(oci::ToJson(oci::ProcessOf(cmd)).dump());
  return CallVoid(*client_, "ExecProcess", req);
}

Async<> AsyncAgent::SignalProcess(std::string id, std::string exec_id, int signal, bool all) {
  pb::SignalProcessRequest req;
  req.set_container_id(id);
  req.set_exec_id(exec_id);
  req.set_signal(static_cast<uint32_t>(signal));
  req.set_all(all);
  return CallVoid(*client_, "SignalProcess", req);
}

Async<int32_t> AsyncAgent::WaitProcess(std::string id, std::string exec_id) {
  auto r = co_await Call<pb::WaitProcessResponse>(*client_, "WaitProcess",
                                                  ProcessReq(id, exec_id), kForever);
  if (!r) co_return std::unexpected(r.error());
  co_return r->status();
}

Async<ProcessState> AsyncAgent::GetProcessState(std::string id, std::string exec_id) {
  auto r = co_await Call<pb::ProcessStateResponse>(*client_, "ProcessState", ProcessReq(id, exec_id));
  if (!r) co_return std::unexpected(r.error());
  co_return ProcessState{r->running(), r->pid(), r->exit_status(), r->exited()};
}

Async<size_t> AsyncAgent::WriteStdin(std::string id, std::string exec_id, std::string data) {
  pb::WriteStreamRequest req;
  req.set_container_id(id);
  req.set_exec_id(exec_id);
  req.set_data(std::move(data));
  auto r = co_await Call<pb::WriteStreamResponse>(*client_, "WriteStdin", req, kForever);
  if (!r) co_return std::unexpected(r.error());
  co_return r->len();
}

Async<> AsyncAgent::CloseStdin(std::string id, std::string exec_id) {
  return CallVoid(*client_, "CloseStdin", ProcessReq(id, exec_id));
}

Async<OutputChunk> AsyncAgent::ReadOutput(std::string id, std::string exec_id, bool stderr_stream) {
  pb::ReadStreamRequest req;
  req.set_container_id(id);
  req.set_exec_id(exec_id);
  req.set_len(256 * 1024);
  auto r = co_await Call<pb::ReadStreamResponse>(
      *client_, stderr_stream ? "ReadStderr" : "ReadStdout", req, kForever);
  if (!r) co_return std::unexpected(r.error());
  co_return OutputChunk{std::move(*r->mutable_data()), r->eof()};
}

Async<> AsyncAgent::ResizeTty(std::string id, std::string exec_id, uint32_t rows,
                              uint32_t columns) {
  pb::TtyWinResizeRequest req;
  req.set_container_id(id);
  req.set_exec_id(exec_id);
  req.set_rows(rows);
  req.set_columns(columns);
  return CallVoid(*client_, "TtyWinResize", req);
}

// Waiting for a hot-plugged NIC to appear takes the agent a few seconds at most.
Async<NetInterface> AsyncAgent::UpdateInterface(NetInterface iface) {
  auto r = co_await Call<pb::Interface>(*client_, "UpdateInterface", ToMessage(iface));
  if (!r) co_return std::unexpected(r.error());
  co_return FromMessage(*r);
}

Async<> AsyncAgent::UpdateRoutes(std::vector<NetRoute> routes) {
  return CallVoid(*client_, "UpdateRoutes", ToMessage(routes));
}

Async<> AsyncAgent::AddNeighbors(std::vector<NetNeighbor> neighbors) {
  return CallVoid(*client_, "AddARPNeighbors", ToMessage(neighbors));
}

Async<std::vector<NetInterface>> AsyncAgent::ListInterfaces() {
  auto r = co_await Call<pb::Interfaces>(*client_, "ListInterfaces", pb::Empty{});
  if (!r) co_return std::unexpected(r.error());
  co_return FromMessage(*r);
}

Async<std::vector<NetRoute>> AsyncAgent::ListRoutes() {
  auto r = co_await Call<pb::Routes>(*client_, "ListRoutes", pb::Empty{});
  if (!r) co_return std::unexpected(r.error());
  co_return FromMessage(*r);
}

Async<VolumeStats> AsyncAgent::GetVolumeStats(std::string guest_path) {
  pb::VolumeStatsRequest req;
  req.set_guest_path(guest_path);
  auto r = co_await Call<pb::VolumeStatsResponse>(*client_, "GetVolumeStats", req);
  if (!r) co_return std::unexpected(r.error());
  VolumeStats stats;
  stats.guest_path = guest_path;
  stats.capacity_bytes = r->capacity_bytes();
  stats.used_bytes = r->used_bytes();
  stats.available_bytes = r->available_bytes();
  stats.inodes = r->inodes();
  stats.inodes_used = r->inodes_used();
  co_return stats;
}

Async<> AsyncAgent::ResizeVolume(std::string guest_path, uint64_t bytes) {
  pb::ResizeVolumeRequest req;
  req.set_guest_path(guest_path);
  req.set_bytes(bytes);
  return CallVoid(*client_, "ResizeVolume", req);
}

Async<std::string> AsyncAgent::GetOOMEvent() {
  auto r = co_await Call<pb::OOMEvent>(*client_, "GetOOMEvent", pb::Empty{}, kForever);
  if (!r) co_return std::unexpected(r.error());
  co_return r->container_id();
}

Result<std::unique_ptr<AsyncAgent>> ConnectAsyncAgent(asio::any_io_executor ex,
                                                      const std::string& socket_path) {
  auto fd = os::ConnectUnix(socket_path);
  if (!fd) return std::unexpected(fd.error());
  return std::make_unique<AsyncAgent>(ttrpc::AsyncClient::Create(std::move(ex), std::move(*fd)));
}

}  // namespace vc::agent
