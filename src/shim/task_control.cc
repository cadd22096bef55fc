// Queries and controls of existing tasks: state, pids, pause, kill, resize,
// stdin, update, wait, stats. Each change goes through vc::Runtime on the
// worker thread.
#include "shim/tasks_internal.h"

namespace vc::shim {

ProcessState Tasks::StateOf(const Container& c, const Process& p) const {
  ProcessState s;
  s.id = p.exec_id.empty() ? c.id : p.exec_id;
  s.bundle = c.bundle;
  s.pid = vm_pid_;
  s.status = p.status == Status::kRunning && c.paused ? Status::kPaused : p.status;
  s.stdio = p.stdio;
  s.exit = p.exit;
  return s;
}

Async<ProcessState> Tasks::State(std::string id, std::string exec_id) {
  auto c = Find(id);
  if (!c) co_return std::unexpected(c.error());
  auto p = Find(id, exec_id);
  if (!p) co_return std::unexpected(p.error());
  co_return StateOf(**c, **p);
}

Async<std::vector<uint32_t>> Tasks::Pids(std::string id) {
  auto c = Find(id);
  if (!c) co_return std::unexpected(c.error());
  Job<Result<std::vector<int32_t>>> list{[this, sid = sandbox_id_, id] { return runtime_->PidsContainer(sid, id); }};
  auto pids = co_await OnWorker(&list);
  if (!pids) co_return std::unexpected(pids.error());
  co_return std::vector<uint32_t>(pids->begin(), pids->end());
}

Async<> Tasks::SetPaused(std::string id, bool pause) {
  auto c = Find(id);
  if (!c) co_return std::unexpected(c.error());
  const std::string sid = (*c)->sandbox_id;
  Job<Result<>> change{[this, sid, id, pause] {
    return pause ? runtime_->PauseContainer(sid, id) : runtime_->ResumeContainer(sid, id);
  }};
  auto r = co_await OnWorker(&change);
  if (!r) co_return r;
  (*c)->paused = pause;
  if (pause) events_.TaskPaused(id);
  else events_.TaskResumed(id);
  co_return Result<>{};
}

Async<> Tasks::Kill(std::string id, std::string exec_id, int signal, bool all) {
  auto p = Find(id, exec_id);
  if (!p) co_return std::unexpected(p.error());
  if ((*p)->status == Status::kStopped)
    co_return Fail(ErrorCode::kNotFound, "process already finished");
  if ((*p)->status == Status::kCreated)
    co_return Fail(ErrorCode::kNotFound, "process " + (exec_id.empty() ? id : exec_id) + " is not running");
  Job<Result<>> kill{[this, sid = sandbox_id_, id, exec_id, signal, all] {
    return exec_id.empty() ? runtime_->KillContainer(sid, id, signal, all)
                           : runtime_->SignalProcess(sid, id, exec_id, signal);
  }};
  co_return co_await OnWorker(&kill);
}

Async<> Tasks::ResizePty(std::string id, std::string exec_id, uint32_t width, uint32_t height) {
  auto p = Find(id, exec_id);
  if (!p) co_return std::unexpected(p.error());
  Job<Result<>> resize{[this, sid = sandbox_id_, id, exec_id, width, height] {
    return runtime_->ResizeTerminal(sid, id, exec_id, height, width);
  }};
  co_return co_await OnWorker(&resize);
}

Async<> Tasks::CloseIO(std::string id, std::string exec_id) {
  auto p = Find(id, exec_id);
  if (!p) co_return std::unexpected(p.error());
  (*p)->io->CloseStdin();
  co_return Result<>{};
}

Async<> Tasks::Update(std::string id, ContainerResources resources) {
  if (auto c = Find(id); !c) co_return std::unexpected(c.error());
  Job<Result<>> update{[this, sid = sandbox_id_, id, resources] { return runtime_->UpdateContainer(sid, id, resources); }};
  co_return co_await OnWorker(&update);
}

Async<Exit> Tasks::Wait(std::string id, std::string exec_id) {
  auto p = Find(id, exec_id);
  if (!p) co_return std::unexpected(p.error());
  auto process = *p;
  while (process->status != Status::kStopped && !process->deleted) co_await process->WaitChange();
  co_return process->exit;
}

Async<ContainerStats> Tasks::StatsOf(std::string id) {
  if (auto c = Find(id); !c) co_return std::unexpected(c.error());
  Job<Result<ContainerStats>> stats{[this, sid = sandbox_id_, id] { return runtime_->StatsContainer(sid, id); }};
  co_return co_await OnWorker(&stats);
}

}  // namespace vc::shim
