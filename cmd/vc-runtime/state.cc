// `state`: the OCI state of a container, as JSON.
#include <iostream>

#include "context.h"
#include "oci/spec.h"

namespace vc::vcrt {

nlohmann::ordered_json StateJson(Context& ctx, const Entry& e) {
  const Observed seen = Observe(ctx, e);
  nlohmann::ordered_json j = {{"ociVersion", kOciVersion}, {"id", e.id},          {"pid", seen.pid},
                              {"status", seen.status},     {"bundle", e.bundle}};
  if (auto spec = vc::oci::LoadBundle(e.bundle)) j["rootfs"] = spec->root.path;
  j["created"] = e.created;
  j["owner"] = "";
  if (!e.annotations.empty()) j["annotations"] = e.annotations;
  return j;
}

void AddState(CLI::App& app, Context& ctx) {
  AddIdVerb(app, ctx, "state", "print a container's state (OCI JSON)", [](Context& ctx, const Entry& e) -> vc::Result<> {
    std::cout << StateJson(ctx, e).dump(2) << std::endl;
    return {};
  });
}

}  // namespace vc::vcrt
