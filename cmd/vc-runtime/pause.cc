// `pause`: freezes every process of the container (its cgroup in the guest).
#include "context.h"

namespace vc::vcrt {

void AddPause(CLI::App& app, Context& ctx) {
  AddIdVerb(app, ctx, "pause", "freeze a container's processes", [](Context& ctx, const Entry& e) {
    return ctx.Runtime().PauseContainer(e.sandbox_id, e.id);
  });
}

}  // namespace vc::vcrt
