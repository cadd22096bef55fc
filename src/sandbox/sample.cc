// Monitoring samples of every sandbox (Runtime::SampleSandboxes): records
// read without the sandbox lock, host processes from /proc, the guest
// through its agent.
#include "os/proc_stats.h"
#include "sandbox/manager.h"
#include "sandbox/state.h"

namespace vc {
namespace {

ProcessSample SampleOf(const std::string& role, pid_t pid, const os::ProcStats& s) {
  return {role, pid, s.cpu_seconds, s.rss_bytes, s.pss_bytes, s.threads, s.fds};
}

// The supervisor and the processes it started (QEMU, virtiofsd), each named
// by its program.
std::vector<ProcessSample> HostProcesses(pid_t supervisor) {
  std::vector<ProcessSample> out;
  auto s = os::SampleProcess(supervisor);
  if (!s) return out;
  out.push_back(SampleOf("supervisor", supervisor, *s));
  for (pid_t child : os::ChildrenOf(supervisor))
    if (auto c = os::SampleProcess(child)) out.push_back(SampleOf(c->comm, child, *c));
  return out;
}

}  // namespace

std::vector<SandboxSample> Manager::SampleSandboxes(std::chrono::milliseconds guest_timeout) {
  std::vector<SandboxSample> out;
  auto ids = store_->List();
  if (!ids) return out;
  for (const auto& id : *ids) {
    SandboxSample sample;
    sample.id = id;
    auto doc = store_->Load(id);
    if (!doc) continue;  // removed since the listing
    auto record = SandboxRecordFromJson(*doc);
    if (!record) {
      sample.problem = "state unreadable: " + record.error().message;
      out.push_back(std::move(sample));
      continue;
    }
    sample.state = record->state;
    sample.timeline = record->timeline.phases;
    if (record->supervisor_pid > 0) sample.processes = HostProcesses(record->supervisor_pid);
    for (const auto& [cid, c] : record->containers) sample.containers.push_back({cid, c.state, false, {}});
    if (record->state == SandboxState::kRunning) {
      auto agent = backend_->Connect(id);
      auto guest = agent ? (*agent)->Check(guest_timeout) : Result<agent::GuestInfo>(std::unexpected(agent.error()));
      if (guest) {
        sample.guest_reachable = true;
        sample.agent_rss_bytes = guest->agent_rss_bytes;
        if (auto stats = (*agent)->SampleGuest()) {
          sample.has_guest_stats = true;
          sample.guest = std::move(*stats);
        }
        for (auto& c : sample.containers) {
          if (c.state != ContainerState::kRunning) continue;
          if (auto stats = (*agent)->StatsContainer(c.id)) {
            c.has_stats = true;
            c.stats = *stats;
          }
        }
      } else {
        sample.problem = "guest unreachable: " + guest.error().message;
      }
    }
    out.push_back(std::move(sample));
  }
  return out;
}

}  // namespace vc
