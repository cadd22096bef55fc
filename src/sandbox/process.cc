#include "sandbox/process.h"

namespace vc {

namespace {

class AgentProcess : public Process {
 public:
  AgentProcess(std::unique_ptr<agent::Agent> agent, std::string cid, std::string exec_id)
      : agent_(std::move(agent)), cid_(std::move(cid)), exec_id_(std::move(exec_id)) {}

  const std::string& exec_id() const override { return exec_id_; }
  Result<size_t> WriteStdin(std::string_view data) override {
    return agent_->WriteStdin(cid_, exec_id_, std::string(data));
  }
  Result<> CloseStdin() override { return agent_->CloseStdin(cid_, exec_id_); }
  Result<OutputChunk> ReadStdout() override { return Read(false); }
  Result<OutputChunk> ReadStderr() override { return Read(true); }
  Result<int> Wait() override { return agent_->WaitProcess(cid_, exec_id_); }
  Result<> Signal(int signal) override { return agent_->SignalProcess(cid_, exec_id_, signal, false); }

 private:
  Result<OutputChunk> Read(bool stderr_stream) {
    auto chunk = agent_->ReadOutput(cid_, exec_id_, stderr_stream);
    if (!chunk) return std::unexpected(chunk.error());
    return OutputChunk{std::move(chunk->data), chunk->eof};
  }

  std::unique_ptr<agent::Agent> agent_;
  std::string cid_;
  std::string exec_id_;
};

}  // namespace

std::unique_ptr<Process> NewAgentProcess(std::unique_ptr<agent::Agent> agent, std::string container_id,
                                         std::string exec_id) {
  return std::make_unique<AgentProcess>(std::move(agent), std::move(container_id), std::move(exec_id));
}

}  // namespace vc
