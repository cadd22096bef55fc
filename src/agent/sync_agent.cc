// The blocking Agent (ConnectAgent): each call runs the AsyncAgent's
// coroutine on a loop of its own.
#include "agent/agent.h"
#include "agent/async_agent.h"
#include "os/io_thread.h"
#include "os/socket.h"

namespace vc::agent {

namespace {

class TtrpcAgent : public Agent {
 public:
  explicit TtrpcAgent(os::Fd fd)
      : agent_(std::make_unique<AsyncAgent>(
            ttrpc::AsyncClient::Create(loop_.executor(), std::move(fd)))) {}
  ~TtrpcAgent() override {
    loop_.Call([this] { agent_.reset(); });
  }

  Result<GuestInfo> Check(std::chrono::milliseconds timeout) override {
    return loop_.Run(agent_->Check(timeout));
  }
  Result<> CreateSandbox(const std::string& sandbox_id, const std::string& hostname,
                         const std::vector<SharedMount>& mounts) override {
    return loop_.Run(agent_->CreateSandbox(sandbox_id, hostname, mounts));
  }
  Result<> DestroySandbox() override { return loop_.Run(agent_->DestroySandbox()); }
  Result<> CreateContainer(const std::string& id, const std::string& spec, const std::vector<GuestDisk>& disks,
                           const std::vector<GuestPciDevice>& devices) override {
    return loop_.Run(agent_->CreateContainer(id, spec, disks, devices));
  }
  Result<> StartContainer(const std::string& id) override {
    return loop_.Run(agent_->StartContainer(id));
  }
  Result<> RemoveContainer(const std::string& id) override {
    return loop_.Run(agent_->RemoveContainer(id));
  }
  Result<> PauseContainer(const std::string& id) override {
    return loop_.Run(agent_->PauseContainer(id));
  }
  Result<> ResumeContainer(const std::string& id) override {
    return loop_.Run(agent_->ResumeContainer(id));
  }
  Result<Stats> StatsContainer(const std::string& id) override {
    return loop_.Run(agent_->StatsContainer(id));
  }
  Result<GuestStats> SampleGuest() override { return loop_.Run(agent_->SampleGuest()); }
  Result<> UpdateContainer(const std::string& id, const std::string& resources) override {
    return loop_.Run(agent_->UpdateContainer(id, resources));
  }
  Result<uint32_t> OnlineCpus(uint32_t count) override { return loop_.Run(agent_->OnlineCpus(count)); }
  Result<> LoadModule(const std::string& name, const std::string& image, const std::string& parameters) override {
    return loop_.Run(agent_->LoadModule(name, image, parameters));
  }
  Result<std::vector<int32_t>> ListPids(const std::string& id) override {
    return loop_.Run(agent_->ListPids(id));
  }
  Result<> ExecProcess(const std::string& id, const std::string& exec_id, const Cmd& cmd) override {
    return loop_.Run(agent_->ExecProcess(id, exec_id, cmd));
  }
  Result<> SignalProcess(const std::string& id, const std::string& exec_id, int signal,
                         bool all) override {
    return loop_.Run(agent_->SignalProcess(id, exec_id, signal, all));
  }
  Result<int32_t> WaitProcess(const std::string& id, const std::string& exec_id) override {
    return loop_.Run(agent_->WaitProcess(id, exec_id));
  }
  Result<ProcessState> GetProcessState(const std::string& id, const std::string& exec_id) override {
    return loop_.Run(agent_->GetProcessState(id, exec_id));
  }
  Result<size_t> WriteStdin(const std::string& id, const std::string& exec_id,
                            const std::string& data) override {
    return loop_.Run(agent_->WriteStdin(id, exec_id, data));
  }
  Result<> CloseStdin(const std::string& id, const std::string& exec_id) override {
    return loop_.Run(agent_->CloseStdin(id, exec_id));
  }
  Result<OutputChunk> ReadOutput(const std::string& id, const std::string& exec_id,
                                 bool stderr_stream) override {
    return loop_.Run(agent_->ReadOutput(id, exec_id, stderr_stream));
  }
  Result<> ResizeTty(const std::string& id, const std::string& exec_id, uint32_t rows,
                     uint32_t columns) override {
    return loop_.Run(agent_->ResizeTty(id, exec_id, rows, columns));
  }
  Result<NetInterface> UpdateInterface(const NetInterface& iface) override {
    return loop_.Run(agent_->UpdateInterface(iface));
  }
  Result<> UpdateRoutes(const std::vector<NetRoute>& routes) override {
    return loop_.Run(agent_->UpdateRoutes(routes));
  }
  Result<> AddNeighbors(const std::vector<NetNeighbor>& neighbors) override {
    return loop_.Run(agent_->AddNeighbors(neighbors));
  }
  Result<std::vector<NetInterface>> ListInterfaces() override { return loop_.Run(agent_->ListInterfaces()); }
  Result<std::vector<NetRoute>> ListRoutes() override { return loop_.Run(agent_->ListRoutes()); }
  Result<> ResizeVolume(const std::string& guest_path, uint64_t bytes) override {
    return loop_.Run(agent_->ResizeVolume(guest_path, bytes));
  }
  Result<VolumeStats> GetVolumeStats(const std::string& guest_path) override {
    return loop_.Run(agent_->GetVolumeStats(guest_path));
  }

 private:
  os::IoThread loop_;
  std::unique_ptr<AsyncAgent> agent_;  // used and released on loop_'s thread only
};

}  // namespace

Result<std::unique_ptr<Agent>> ConnectAgent(const std::string& socket_path) {
  auto fd = os::ConnectUnix(socket_path);
  if (!fd) return std::unexpected(fd.error());
  return std::make_unique<TtrpcAgent>(std::move(*fd));
}

}  // namespace vc::agent
