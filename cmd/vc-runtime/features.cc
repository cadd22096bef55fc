// `features`: what this runtime supports, as the OCI runtime spec's
// features document says it.
#include <sys/capability.h>

#include <cctype>
#include <iostream>

#include "context.h"
#include "os/mount.h"

namespace vc::vcrt {
namespace {

std::vector<std::string> CapabilityNames() {
  std::vector<std::string> names;
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    char* name = cap_to_name(cap);
    if (!name) continue;
    std::string upper;
    for (char* c = name; *c; ++c) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(*c)));
    cap_free(name);
    names.push_back(upper);
  }
  return names;
}

}  // namespace

void AddFeatures(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("features", "print what this runtime supports (JSON)");
  cmd->callback([&ctx] {
    (void)ctx;
    nlohmann::ordered_json linux = {
        {"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
        {"capabilities", CapabilityNames()},
        // The container's cgroup is in the guest, which has cgroup v2 only.
        {"cgroup", {{"v1", false}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}}},
        {"seccomp",
         {{"enabled", true},
          {"actions", {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                       "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"}},
          {"operators", {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                         "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}},
          {"archs", {"SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"}},
          {"knownFlags", {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"}},
          {"supportedFlags", {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"}}}},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}},
        {"intelRdt", {{"enabled", false}}}};
    nlohmann::ordered_json j = {
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", kOciVersion},
        {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
        {"mountOptions", vc::os::KnownMountOptions()},
        {"linux", linux},
        {"annotations", {{"io.kubernetes.cri.container-type", "container: joins the VM of the sandbox named by io.kubernetes.cri.sandbox-id"}}}};
    std::cout << j.dump(4) << std::endl;
  });
}

}  // namespace vc::vcrt
