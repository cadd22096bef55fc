// An in-memory guest behind the Agent interface, for unit tests of the code
// above the agent. Tests script it: make processes exit, make the next call of
// a method fail, and read back which calls arrived. Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/agent.h"

namespace vc::agent::mock {

// State of one fake guest, shared by every MockAgent connected to it.
class Guest {
 public:
  // Ends a running process with `status` (exit code, or 128 + signal).
  void Exit(const std::string& container_id, const std::string& exec_id, int32_t status);
  // The next call of `method` (e.g. "CreateContainer") fails with `error`.
  void FailNext(const std::string& method, Error error);
  std::vector<std::string> Calls();
  bool HasContainer(const std::string& id);
  std::string hostname();
  // The OCI spec a container was created with, and the resources of its
  // last UpdateContainer ("" if none).
  std::string spec(const std::string& container_id);
  std::string resources(const std::string& container_id);
  // The disks it was created with.
  std::vector<GuestDisk> disks(const std::string& container_id);
  // The passed-through devices it was created with.
  std::vector<GuestPciDevice> devices(const std::string& container_id);
  std::vector<NetInterface> interfaces();
  std::vector<NetRoute> routes();
  uint32_t online_cpus();
  // The kernel modules loaded, in order ("name" or "name parameters").
  std::vector<std::string> modules();

 private:
  friend class MockAgent;
  struct Proc {
    bool started = false;
    bool running = false;
    int32_t pid = 0;
    int32_t exit_status = 0;
    bool exited = false;
  };
  struct Container {
    std::string spec;
    std::string resources;  // the last UpdateContainer's
    std::vector<GuestDisk> disks;
    std::vector<GuestPciDevice> devices;
    bool paused = false;
    Proc init;
    std::map<std::string, Proc> execs;
  };
  Result<> Enter(const std::string& method);  // REQUIRES: mu_ held
  Result<Container*> FindContainer(const std::string& id);  // REQUIRES: mu_ held
  Result<Proc*> FindProc(const std::string& id, const std::string& exec_id);  // REQUIRES: mu_ held

  std::mutex mu_;
  std::condition_variable exited_;
  std::string hostname_;                      // guarded by mu_
  std::map<std::string, Container> containers_;  // guarded by mu_
  std::vector<std::string> calls_;            // guarded by mu_
  std::map<std::string, Error> fail_next_;    // guarded by mu_
  std::vector<NetInterface> interfaces_;      // guarded by mu_
  uint32_t online_cpus_ = 1;                  // guarded by mu_
  std::vector<std::string> modules_;          // guarded by mu_
  std::vector<NetRoute> routes_;              // guarded by mu_
  bool destroyed_ = false;                    // guarded by mu_
  int32_t next_pid_ = 2;                      // guarded by mu_
};

class MockAgent : public Agent {
 public:
  explicit MockAgent(std::shared_ptr<Guest> guest) : g_(std::move(guest)) {}

  Result<GuestInfo> Check(std::chrono::milliseconds timeout) override;
  Result<> CreateSandbox(const std::string& sandbox_id, const std::string& hostname,
                         const std::vector<SharedMount>& mounts) override;
  Result<> DestroySandbox() override;
  Result<> CreateContainer(const std::string& id, const std::string& oci_spec_json,
                           const std::vector<GuestDisk>& disks, const std::vector<GuestPciDevice>& devices) override;
  Result<> StartContainer(const std::string& id) override;
  Result<> RemoveContainer(const std::string& id) override;
  Result<> PauseContainer(const std::string& id) override;
  Result<> ResumeContainer(const std::string& id) override;
  Result<Stats> StatsContainer(const std::string& id) override;
  Result<GuestStats> SampleGuest() override;
  Result<> UpdateContainer(const std::string& id, const std::string& oci_resources_json) override;
  Result<std::vector<int32_t>> ListPids(const std::string& id) override;
  Result<uint32_t> OnlineCpus(uint32_t count) override;
  Result<> ExecProcess(const std::string& id, const std::string& exec_id, const Cmd& cmd) override;
  Result<> SignalProcess(const std::string& id, const std::string& exec_id, int signal, bool all) override;
  Result<int32_t> WaitProcess(const std::string& id, const std::string& exec_id) override;
  Result<ProcessState> GetProcessState(const std::string& id, const std::string& exec_id) override;
  Result<size_t> WriteStdin(const std::string& id, const std::string& exec_id,
                            const std::string& data) override;
  Result<> CloseStdin(const std::string& id, const std::string& exec_id) override;
  Result<OutputChunk> ReadOutput(const std::string& id, const std::string& exec_id,
                                 bool stderr_stream) override;
  Result<> ResizeTty(const std::string& id, const std::string& exec_id, uint32_t rows,
                     uint32_t columns) override;
  Result<NetInterface> UpdateInterface(const NetInterface& iface) override;
  Result<> UpdateRoutes(const std::vector<NetRoute>& routes) override;
  Result<> AddNeighbors(const std::vector<NetNeighbor>& neighbors) override;
  Result<std::vector<NetInterface>> ListInterfaces() override;
  Result<std::vector<NetRoute>> ListRoutes() override;
  Result<VolumeStats> GetVolumeStats(const std::string& guest_path) override;
  Result<> ResizeVolume(const std::string& guest_path, uint64_t bytes) override;
  Result<> LoadModule(const std::string& name, const std::string& image, const std::string& parameters) override;

 private:
  std::shared_ptr<Guest> g_;
};

}  // namespace vc::agent::mock
