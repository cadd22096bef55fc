// `start`: runs the created container's process.
#include "context.h"

namespace vc::vcrt {

void AddStart(CLI::App& app, Context& ctx) {
  AddIdVerb(app, ctx, "start", "run a created container's process", [](Context& ctx, const Entry& e) -> vc::Result<> {
    if (auto ok = ctx.Runtime().StartContainer(e.sandbox_id, e.id); !ok) return std::unexpected(ok.error());
    return {};
  });
}

}  // namespace vc::vcrt
