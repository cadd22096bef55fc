// `resume`: thaws a paused container.
#include "context.h"

namespace vc::vcrt {

void AddResume(CLI::App& app, Context& ctx) {
  AddIdVerb(app, ctx, "resume", "thaw a paused container", [](Context& ctx, const Entry& e) {
    return ctx.Runtime().ResumeContainer(e.sandbox_id, e.id);
  });
}

}  // namespace vc::vcrt
