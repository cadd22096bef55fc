// `delete`: the container, its VM (if it has its own) and everything of it on the host.
#include <signal.h>

#include <chrono>

#include "lifecycle.h"
#include "net/netns.h"
#include "os/log.h"
#include "os/process.h"

namespace vc::vcrt {

vc::Result<> Destroy(Context& ctx, const Entry& e, bool force) {
  auto& rt = ctx.Runtime();
  auto st = rt.StatusContainer(e.sandbox_id, e.id);
  const bool live = st && (st->state == vc::ContainerState::kRunning || st->state == vc::ContainerState::kPaused);
  if (live && !force)
    return vc::Fail(vc::ErrorCode::kFailedPrecondition,
                    "cannot delete container " + e.id + " that is not stopped: " + OciStatus(st->state) +
                        " (stop it, or delete --force)");
  if (e.OwnsVm()) {
    // Stopping the VM ends every process in it.
    auto sandbox = rt.StatusSandbox(e.sandbox_id);
    if (sandbox && (sandbox->state == vc::SandboxState::kRunning || sandbox->state == vc::SandboxState::kPaused))
      if (auto ok = rt.StopSandbox(e.sandbox_id); !ok) return ok;
    if (sandbox)
      if (auto ok = rt.DeleteSandbox(e.sandbox_id); !ok) return ok;
  } else if (st) {
    if (live)
      if (auto ok = rt.StopContainer(e.sandbox_id, e.id); !ok) return std::unexpected(ok.error());
    if (auto ok = rt.DeleteContainer(e.sandbox_id, e.id); !ok) return ok;
  }
  // The monitor ends with its process; one still there stands for nothing now.
  if (e.MonitorAlive()) {
    auto gone = vc::os::WaitGone(e.pid, std::chrono::seconds(2));
    if (!gone || !*gone) {
      vc::log::Warn("monitor " + std::to_string(e.pid) + " of container " + e.id + " did not end: killed");
      ::kill(e.pid, SIGKILL);
    }
  }
  if (!e.netns.empty())
    if (auto ok = vc::net::RemoveNamedNetns(e.netns); !ok) return ok;
  return Remove(ctx.g.root, e.id);
}

void AddDelete(CLI::App& app, Context& ctx) {
  struct Options {
    std::string id;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("delete", "remove a container and its VM");
  cmd->add_option("id", o->id, "container id")->required();
  cmd->add_flag("-f,--force", o->force, "kill it first if it is running");
  cmd->callback([&ctx, o] {
    auto e = ctx.Find(o->id);
    if (!e) {
      // runc: deleting what is not there with --force is not an error.
      if (!o->force) ctx.Fail(e.error());
      return;
    }
    if (auto ok = Destroy(ctx, *e, o->force); !ok) ctx.Fail(ok.error());
  });
}

}  // namespace vc::vcrt
