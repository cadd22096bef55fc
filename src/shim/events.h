// Task events to containerd: each is sent as containerd.services.events.
// ttrpc.v1.Events/Forward over containerd's ttRPC socket ($TTRPC_ADDRESS), in
// the order they were published, one at a time; a failed send is retried.
// Runs on the shim's event loop; not thread-safe.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "os/asio.h"
#include "shim/types.h"
#include "ttrpc/async_client.h"

namespace vc::shim {

class Publisher {
 public:
  // An empty `ttrpc_address` sends nothing (the shim runs without containerd).
  Publisher(asio::any_io_executor ex, std::string ttrpc_address, std::string ns);

  void TaskCreate(const std::string& id, const std::string& bundle, const StdioPaths& stdio,
                  uint32_t pid);
  void TaskStart(const std::string& id, uint32_t pid);
  // `exec_id` "" for the init process (the event's id is then the container id).
  void TaskExit(const std::string& id, const std::string& exec_id, uint32_t pid, const Exit& exit);
  void TaskDelete(const std::string& id, uint32_t pid, const Exit& exit);
  void ExecAdded(const std::string& id, const std::string& exec_id);
  void ExecStarted(const std::string& id, const std::string& exec_id, uint32_t pid);
  void TaskOOM(const std::string& id);
  void TaskPaused(const std::string& id);
  void TaskResumed(const std::string& id);

  // Completes once everything published so far was sent (or given up on).
  asio::awaitable<void> Flush();

 private:
  struct Event {
    std::string topic;
    std::string type;     // full protobuf name, the Any's type_url
    std::string payload;  // the serialized event
    Clock::time_point at;
  };

  void Publish(const char* topic, const std::string& type, std::string payload);
  asio::awaitable<void> Drain();
  asio::awaitable<Result<>> Send(const Event& event);

  asio::any_io_executor ex_;
  std::string address_;
  std::string ns_;
  std::shared_ptr<ttrpc::AsyncClient> client_;
  std::deque<Event> queue_;
  bool draining_ = false;
  asio::steady_timer idle_;  // cancelled whenever the queue empties
};

}  // namespace vc::shim
