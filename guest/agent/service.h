// vc.agent.v1.AgentService: the agent API, as ttRPC methods over the
// container table. Runs on the agent's event loop.
#pragma once

#include "os/asio.h"

#include "protocol/agent.h"
#include "containers.h"
#include "forward.h"
#include "ttrpc/server.h"

namespace vc::agent {


class AgentService {
 public:
  explicit AgentService(asio::io_context& io)
      : io_(io), containers_(io.get_executor()), forwards_(io.get_executor()) {}

  // Registers every method of the service in `table`.
  void Register(ttrpc::MethodTable& table);
  Containers& containers() { return containers_; }

 private:
  asio::io_context& io_;
  Containers containers_;
  Forwards forwards_;
  std::vector<std::string> mounts_;  // guest mount points of sandbox storages
};

}  // namespace vc::agent
