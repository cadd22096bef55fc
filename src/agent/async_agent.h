// The host side of the guest agent for event-loop programs (the containerd
// shim): every agent call as a coroutine, any number in flight on one
// connection, so long polls (WaitProcess, ReadOutput) cost no thread.
//
// The blocking Agent (agent.h) runs this on a loop of its own. Only
// src/agent/ttrpc_agent.cc knows the protobuf messages.
// Not thread-safe: use it from the thread that runs its executor. Arguments
// are taken by value: a coroutine may outlive its caller's temporaries.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "os/asio.h"
#include "ttrpc/async_client.h"

namespace vc::agent {

template <typename T = void>
using Async = asio::awaitable<Result<T>>;

class AsyncAgent {
 public:
  explicit AsyncAgent(std::shared_ptr<ttrpc::AsyncClient> client) : client_(std::move(client)) {}

  Async<GuestInfo> Check(std::chrono::milliseconds timeout);
  Async<> CreateSandbox(std::string sandbox_id, std::string hostname,
                        std::vector<SharedMount> mounts);
  Async<> DestroySandbox();

  Async<> CreateContainer(std::string id, std::string oci_spec_json, std::vector<GuestDisk> disks,
                          std::vector<GuestPciDevice> devices);
  Async<> StartContainer(std::string id);
  Async<> RemoveContainer(std::string id);
  Async<> PauseContainer(std::string id);
  Async<> ResumeContainer(std::string id);
  Async<Stats> StatsContainer(std::string id);
  Async<GuestStats> SampleGuest();
  // `oci_resources_json`: an OCI LinuxResources object (memory, cpu, pids limits).
  Async<> UpdateContainer(std::string id, std::string oci_resources_json);
  // Guest pids of every process in the container.
  Async<std::vector<int32_t>> ListPids(std::string id);
  Async<uint32_t> OnlineCpus(uint32_t count);
  Async<> LoadModule(std::string name, std::string image, std::string parameters);

  // Port forwarding: a connection to 127.0.0.1:port in the guest (its id);
  // bytes to it (close_write: then its sending half is shut); what it sent
  // (a long poll; eof once it closed); its end.
  Async<uint32_t> ForwardOpen(uint32_t port);
  Async<> ForwardWrite(uint32_t id, std::string data, bool close_write);
  Async<OutputChunk> ForwardRead(uint32_t id);
  Async<> ForwardClose(uint32_t id);

  // exec_id "" names the container's init process everywhere below.
  Async<> ExecProcess(std::string id, std::string exec_id, Cmd cmd);
  Async<> SignalProcess(std::string id, std::string exec_id, int signal, bool all);
  Async<int32_t> WaitProcess(std::string id, std::string exec_id);
  Async<ProcessState> GetProcessState(std::string id, std::string exec_id);
  Async<size_t> WriteStdin(std::string id, std::string exec_id,
                           std::string data);
  Async<> CloseStdin(std::string id, std::string exec_id);
  Async<OutputChunk> ReadOutput(std::string id, std::string exec_id,
                                bool stderr_stream);
  // Window size of a process started with a terminal.
  Async<> ResizeTty(std::string id, std::string exec_id, uint32_t rows,
                    uint32_t columns);

  Async<NetInterface> UpdateInterface(NetInterface iface);
  Async<> UpdateRoutes(std::vector<NetRoute> routes);
  Async<> AddNeighbors(std::vector<NetNeighbor> neighbors);
  Async<std::vector<NetInterface>> ListInterfaces();
  Async<std::vector<NetRoute>> ListRoutes();
  Async<VolumeStats> GetVolumeStats(std::string guest_path);
  Async<> ResizeVolume(std::string guest_path, uint64_t bytes);

  // Waits for the next container to have a process OOM-killed; its id.
  Async<std::string> GetOOMEvent();

  bool dead() const { return client_->dead(); }
  void Close() { client_->Close(); }

 private:
  std::shared_ptr<ttrpc::AsyncClient> client_;
};

// An agent reached through a unix socket (the sandbox's supervisor).
Result<std::unique_ptr<AsyncAgent>> ConnectAsyncAgent(asio::any_io_executor ex,
                                                      const std::string& socket_path);

}  // namespace vc::agent
