#include "shim/events.h"

#include "events.pb.h"
#include "os/socket.h"
#include "os/log.h"

namespace vc::shim {

namespace ev = containerd::events;
using namespace std::chrono_literals;

namespace {

void SetTime(vc::pbtypes::Timestamp* ts, Clock::time_point at) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
  ts->set_seconds(ns / 1000000000);
  ts->set_nanos(static_cast<int32_t>(ns % 1000000000));
}

constexpr const char* kEventsService = "containerd.services.events.ttrpc.v1.Events";

}  // namespace

Publisher::Publisher(asio::any_io_executor ex, std::string ttrpc_address, std::string ns)
    : ex_(ex), address_(std::move(ttrpc_address)), ns_(std::move(ns)), idle_(ex) {}

void Publisher::Publish(const char* topic, const std::string& type, std::string payload) {
  log::Debug(std::string("event ") + topic);
  if (address_.empty()) return;
  queue_.push_back({topic, type, std::move(payload), Clock::now()});
  if (draining_) return;
  draining_ = true;
  asio::co_spawn(ex_, Drain(), asio::detached);
}

asio::awaitable<void> Publisher::Drain() {
  while (!queue_.empty()) {
    Event event = std::move(queue_.front());
    queue_.pop_front();
    for (int attempt = 1;; ++attempt) {
      auto sent = co_await Send(event);
      if (sent) break;
      if (attempt == 5) {
        log::Error("event " + event.topic + " not delivered: " + sent.error().message);
        break;
      }
      asio::steady_timer pause(ex_, attempt * 100ms);
      co_await pause.async_wait(vc::kTuple);
    }
  }
  draining_ = false;
  idle_.cancel();
}

asio::awaitable<Result<>> Publisher::Send(const Event& event) {
  if (!client_ || client_->dead()) {
    auto fd = os::ConnectUnix(address_);
    if (!fd) co_return std::unexpected(fd.error());
    client_ = ttrpc::AsyncClient::Create(ex_, std::move(*fd));
  }
  ev::ForwardRequest req;
  auto* envelope = req.mutable_envelope();
  SetTime(envelope->mutable_timestamp(), event.at);
  envelope->set_namespace_(ns_);
  envelope->set_topic(event.topic);
  envelope->mutable_event()->set_type_url(event.type);
  envelope->mutable_event()->set_value(event.payload);
  auto r = co_await client_->Call(kEventsService, "Forward", req.SerializeAsString(), 10s);
  if (!r) co_return std::unexpected(r.error());
  co_return Result<>{};
}

asio::awaitable<void> Publisher::Flush() {
  while (draining_) {
    idle_.expires_at(asio::steady_timer::time_point::max());
    co_await idle_.async_wait(vc::kTuple);
  }
}

void Publisher::TaskCreate(const std::string& id, const std::string& bundle,
                           const StdioPaths& stdio, uint32_t pid) {
  ev::TaskCreate e;
  e.set_container_id(id);
  e.set_bundle(bundle);
  e.mutable_io()->set_stdin(stdio.stdin);
  e.mutable_io()->set_stdout(stdio.stdout);
  e.mutable_io()->set_stderr(stdio.stderr);
  e.mutable_io()->set_terminal(stdio.terminal);
  e.set_pid(pid);
  Publish("/tasks/create", e.GetTypeName(), e.SerializeAsString());
}

void Publisher::TaskStart(const std::string& id, uint32_t pid) {
  ev::TaskStart e;
  e.set_container_id(id);
  e.set_pid(pid);
  Publish("/tasks/start", e.GetTypeName(), e.SerializeAsString());
}

void Publisher::TaskExit(const std::string& id, const std::string& exec_id, uint32_t pid,
                         const Exit& exit) {
  ev::TaskExit e;
  e.set_container_id(id);
  e.set_id(exec_id.empty() ? id : exec_id);
  e.set_pid(pid);
  e.set_exit_status(exit.status);
  SetTime(e.mutable_exited_at(), exit.at);
  Publish("/tasks/exit", e.GetTypeName(), e.SerializeAsString());
}

void Publisher::TaskDelete(const std::string& id, uint32_t pid, const Exit& exit) {
  ev::TaskDelete e;
  e.set_container_id(id);
  e.set_pid(pid);
  e.set_exit_status(exit.status);
  SetTime(e.mutable_exited_at(), exit.at);
  Publish("/tasks/delete", e.GetTypeName(), e.SerializeAsString());
}

void Publisher::ExecAdded(const std::string& id, const std::string& exec_id) {
  ev::TaskExecAdded e;
  e.set_container_id(id);
  e.set_exec_id(exec_id);
  Publish("/tasks/exec-added", e.GetTypeName(), e.SerializeAsString());
}

void Publisher::ExecStarted(const std::string& id, const std::string& exec_id, uint32_t pid) {
  ev::TaskExecStarted e;
  e.set_container_id(id);
  e.set_exec_id(exec_id);
  e.set_pid(pid);
  Publish("/tasks/exec-started", e.GetTypeName(), e.SerializeAsString());
}

void Publisher::TaskOOM(const std::string& id) {
  ev::TaskOOM e;
  e.set_container_id(id);
  Publish("/tasks/oom", e.GetTypeName(), e.SerializeAsString());
}

void Publisher::TaskPaused(const std::string& id) {
  ev::TaskPaused e;
  e.set_container_id(id);
  Publish("/tasks/paused", e.GetTypeName(), e.SerializeAsString());
}

void Publisher::TaskResumed(const std::string& id) {
  ev::TaskResumed e;
  e.set_container_id(id);
  Publish("/tasks/resumed", e.GetTypeName(), e.SerializeAsString());
}

}  // namespace vc::shim
