#include "shim/service.h"

#include <unistd.h>

#include "cgroups_metrics.pb.h"
#include "runtimeoptions.pb.h"
#include "oci/convert.h"
#include "task.pb.h"

namespace vc::shim {

namespace {

namespace pb = containerd::task::v2;

constexpr const char* kProcessSpecType = "types.containerd.io/opencontainers/runtime-spec/1/Process";

void SetTime(vc::pbtypes::Timestamp* ts, Clock::time_point at) {
  if (at == Clock::time_point{}) return;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
  ts->set_seconds(ns / 1000000000);
  ts->set_nanos(static_cast<int32_t>(ns % 1000000000));
}

pb::Status ToPb(Status s) {
  switch (s) {
    case Status::kCreated: return pb::CREATED;
    case Status::kRunning: return pb::RUNNING;
    case Status::kPaused: return pb::PAUSED;
    case Status::kStopped: return pb::STOPPED;
  }
  return pb::UNKNOWN;
}

template <typename Req>
StdioPaths StdioOf(const Req& req) {
  return StdioPaths{req.stdin(), req.stdout(), req.stderr(), req.terminal()};
}

// An Any's type name, with or without a "host/" prefix.
bool IsType(const vc::pbtypes::Any& any, const std::string& name) {
  const std::string& url = any.type_url();
  return url == name || url.ends_with("/" + name);
}

// The OCI process of an exec request (JSON in an Any).
Result<Cmd> CmdFromSpec(const vc::pbtypes::Any& spec) {
  if (!IsType(spec, kProcessSpecType) && !spec.type_url().empty())
    return Fail(ErrorCode::kInvalidArgument, "exec spec of unknown type " + spec.type_url());
  auto process = oci::ParseProcess(spec.value());
  if (!process) return std::unexpected(process.error().Wrap("exec spec"));
  return oci::CmdOf(*process);
}

using ttrpc::Typed;

template <typename Resp>
Result<Resp> Empty(const Result<>& r) {
  if (!r) return std::unexpected(r.error());
  return Resp{};
}

}  // namespace

std::string EncodeDeleteResponse(uint32_t pid, const Exit& exit) {
  pb::DeleteResponse r;
  r.set_pid(pid);
  r.set_exit_status(exit.status);
  SetTime(r.mutable_exited_at(), exit.at);
  return r.SerializeAsString();
}

void RegisterTaskService(ttrpc::MethodTable& table, Tasks& tasks, std::function<void()> on_shutdown) {
  using E = vc::pbtypes::Empty;
  auto add = [&](const char* method, ttrpc::Handler h) { table.Add(kTaskService, method, std::move(h)); };
  Tasks* t = &tasks;

  add("Create", Typed<pb::CreateTaskRequest>([t](pb::CreateTaskRequest req) -> Async<pb::CreateTaskResponse> {
        if (!req.checkpoint().empty())
          co_return Fail(ErrorCode::kInvalidArgument, "restoring from a checkpoint is not supported");
        CreateRequest r;
        r.id = req.id();
        r.bundle = req.bundle();
        for (const auto& m : req.rootfs())
          r.rootfs.push_back({m.type(), m.source(), {m.options().begin(), m.options().end()}});
        r.stdio = StdioOf(req);
        if (req.has_options() && IsType(req.options(), "runtimeoptions.v1.Options")) {
          runtimeoptions::v1::Options options;
          if (!options.ParseFromString(req.options().value()))
            co_return Fail(ErrorCode::kInvalidArgument, "malformed runtime options");
          r.config_path = options.config_path();
        }
        auto pid = co_await t->Create(std::move(r));
        if (!pid) co_return std::unexpected(pid.error());
        pb::CreateTaskResponse resp;
        resp.set_pid(*pid);
        co_return resp;
      }));

  add("Start", Typed<pb::StartRequest>([t](pb::StartRequest req) -> Async<pb::StartResponse> {
        auto pid = co_await t->Start(req.id(), req.exec_id());
        if (!pid) co_return std::unexpected(pid.error());
        pb::StartResponse resp;
        resp.set_pid(*pid);
        co_return resp;
      }));

  add("Delete", Typed<pb::DeleteRequest>([t](pb::DeleteRequest req) -> Async<pb::DeleteResponse> {
        auto state = co_await t->Delete(req.id(), req.exec_id());
        if (!state) co_return std::unexpected(state.error());
        pb::DeleteResponse resp;
        resp.set_pid(state->pid);
        resp.set_exit_status(state->exit.status);
        SetTime(resp.mutable_exited_at(), state->exit.at);
        co_return resp;
      }));

  add("Exec", Typed<pb::ExecProcessRequest>([t](pb::ExecProcessRequest req) -> Async<E> {
        auto cmd = CmdFromSpec(req.spec());
        if (!cmd) co_return std::unexpected(cmd.error());
        ExecRequest r{req.id(), req.exec_id(),
                      StdioOf(req), std::move(*cmd)};
        co_return Empty<E>(co_await t->Exec(std::move(r)));
      }));

  add("State", Typed<pb::StateRequest>([t](pb::StateRequest req) -> Async<pb::StateResponse> {
        auto s = co_await t->State(req.id(), req.exec_id());
        if (!s) co_return std::unexpected(s.error());
        pb::StateResponse resp;
        resp.set_id(s->id);
        resp.set_bundle(s->bundle);
        resp.set_pid(s->pid);
        resp.set_status(ToPb(s->status));
        resp.set_stdin(s->stdio.stdin);
        resp.set_stdout(s->stdio.stdout);
        resp.set_stderr(s->stdio.stderr);
        resp.set_terminal(s->stdio.terminal);
        resp.set_exit_status(s->exit.status);
        SetTime(resp.mutable_exited_at(), s->exit.at);
        resp.set_exec_id(req.exec_id());
        co_return resp;
      }));

  add("Pids", Typed<pb::PidsRequest>([t](pb::PidsRequest req) -> Async<pb::PidsResponse> {
        auto pids = co_await t->Pids(req.id());
        if (!pids) co_return std::unexpected(pids.error());
        pb::PidsResponse resp;
        for (uint32_t pid : *pids) resp.add_processes()->set_pid(pid);
        co_return resp;
      }));

  add("Pause", Typed<pb::PauseRequest>([t](pb::PauseRequest req) -> Async<E> {
        co_return Empty<E>(co_await t->SetPaused(req.id(), true));
      }));
  add("Resume", Typed<pb::ResumeRequest>([t](pb::ResumeRequest req) -> Async<E> {
        co_return Empty<E>(co_await t->SetPaused(req.id(), false));
      }));
  add("Checkpoint", Typed<pb::CheckpointTaskRequest>([](pb::CheckpointTaskRequest) -> Async<E> {
        co_return Fail(ErrorCode::kUnimplemented,
                       "checkpoint is not supported by the vc runtime (a VM's containers cannot be "
                       "checkpointed one by one)");
      }));
  add("Kill", Typed<pb::KillRequest>([t](pb::KillRequest req) -> Async<E> {
        co_return Empty<E>(co_await t->Kill(req.id(), req.exec_id(), static_cast<int>(req.signal()), req.all()));
      }));
  add("ResizePty", Typed<pb::ResizePtyRequest>([t](pb::ResizePtyRequest req) -> Async<E> {
        co_return Empty<E>(co_await t->ResizePty(req.id(), req.exec_id(), req.width(), req.height()));
      }));
  add("CloseIO", Typed<pb::CloseIORequest>([t](pb::CloseIORequest req) -> Async<E> {
        if (!req.stdin()) co_return E{};
        co_return Empty<E>(co_await t->CloseIO(req.id(), req.exec_id()));
      }));
  add("Update", Typed<pb::UpdateTaskRequest>([t](pb::UpdateTaskRequest req) -> Async<E> {
        if (!req.has_resources()) co_return E{};
        auto resources = oci::ParseResources(req.resources().value());
        if (!resources) co_return std::unexpected(resources.error());
        co_return Empty<E>(co_await t->Update(req.id(), oci::ContainerResourcesOf(*resources)));
      }));
  add("Wait", Typed<pb::WaitRequest>([t](pb::WaitRequest req) -> Async<pb::WaitResponse> {
        auto exit = co_await t->Wait(req.id(), req.exec_id());
        if (!exit) co_return std::unexpected(exit.error());
        pb::WaitResponse resp;
        resp.set_exit_status(exit->status);
        SetTime(resp.mutable_exited_at(), exit->at);
        co_return resp;
      }));
  add("Stats", Typed<pb::StatsRequest>([t](pb::StatsRequest req) -> Async<pb::StatsResponse> {
        auto s = co_await t->StatsOf(req.id());
        if (!s) co_return std::unexpected(s.error());
        io::containerd::cgroups::v2::Metrics metrics;
        metrics.mutable_pids()->set_current(s->pids);
        metrics.mutable_pids()->set_limit(s->pids_limit);
        metrics.mutable_cpu()->set_usage_usec(s->cpu_usage_usec);
        metrics.mutable_memory()->set_usage(s->memory_bytes);
        // cgroup v2 "max" reads as the largest value, as containerd's runc shim reports it.
        metrics.mutable_memory()->set_usage_limit(s->memory_limit_bytes ? s->memory_limit_bytes
                                                                         : UINT64_MAX);
        pb::StatsResponse resp;
        resp.mutable_stats()->set_type_url(metrics.GetTypeName());
        resp.mutable_stats()->set_value(metrics.SerializeAsString());
        co_return resp;
      }));
  add("Connect", Typed<pb::ConnectRequest>([t](pb::ConnectRequest) -> Async<pb::ConnectResponse> {
        pb::ConnectResponse resp;
        resp.set_shim_pid(static_cast<uint32_t>(::getpid()));
        resp.set_task_pid(t->task_pid());
        resp.set_version(VC_VERSION);
        co_return resp;
      }));
  add("Shutdown", Typed<pb::ShutdownRequest>([t, on_shutdown](pb::ShutdownRequest) -> Async<E> {
        if (t->empty()) on_shutdown();
        co_return E{};
      }));
}

}  // namespace vc::shim
