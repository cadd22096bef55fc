#include "oci/validate.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "oci/defaults.h"

namespace vc::oci {
namespace {

Device CharDevice(const char* type, const char* path) {
  Device d;
  d.type = type;
  d.path = path;
  d.major = d.minor = 1;
  return d;
}

// The message of the error Validate gives `spec` after `change`, or "" if it passes.
template <typename F>
std::string ErrorAfter(F change) {
  Spec spec = DefaultSpec();
  spec.root.path = "/r";
  change(spec);
  auto ok = Validate(spec);
  return ok ? "" : ok.error().message;
}

TEST(OciValidate, RefusesWhatRuncRefuses) {
  EXPECT_EQ(ErrorAfter([](Spec&) {}), "");
  auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.process->capabilities->bounding.push_back("CAP_FLY"); }),
                  "unknown capability 'CAP_FLY'"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.process->rlimits.push_back({"RLIMIT_BANANAS", 1, 1}); }),
                  "unknown rlimit type 'RLIMIT_BANANAS'"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.process->rlimits.push_back({"RLIMIT_CORE", 1, 2}); }),
                  "soft limit is above the hard one"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.mounts.push_back({"data", "tmpfs", "tmpfs", {}}); }),
                  "destination must be an absolute path"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.mounts.push_back({"/proc", "bind", "/proc", {"rbind"}}); }),
                  "only a proc file system may be mounted on /proc"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.mounts.push_back({"/proc/sys", "bind", "/x", {"bind"}}); }),
                  "mounts inside /proc"));
  EXPECT_EQ(ErrorAfter([](Spec& s) { s.mounts.push_back({"/proc/meminfo", "bind", "/x", {"bind"}}); }), "")
      << "lxcfs's binds are allowed";
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.mounts.push_back({"/data", "bind", "data", {"bind"}}); }),
                  "absolute host path"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.linux.devices.push_back(CharDevice("x", "/dev/x")); }),
                  "type 'x' is not one of c, b, u, p"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.linux.devices.push_back(CharDevice("c", "/etc/x")); }),
                  "must be under /dev"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.linux.sysctl["kernel.panic"] = "1"; }), "is not namespaced"));
  EXPECT_EQ(ErrorAfter([](Spec& s) { s.linux.sysctl["kernel.shmmax"] = "1"; }), "");
  EXPECT_EQ(ErrorAfter([](Spec& s) { s.linux.sysctl["net.ipv4.ip_forward"] = "1"; }), "");
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) {
                    s.linux.namespaces.clear();
                    s.linux.sysctl["kernel.msgmax"] = "1";
                  }),
                  "needs a new ipc namespace"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.linux.namespaces.push_back({"pid", ""}); }), "listed twice"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.linux.uid_mappings.push_back({0, 1000, 1}); }),
                  "need a user namespace"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.hooks.prestart.emplace_back().path = "hook"; }), "must be absolute"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.linux.rootfs_propagation = "sideways"; }), "unknown value"));
  EXPECT_TRUE(has(ErrorAfter([](Spec& s) { s.linux.time_offsets["monotonic"].secs = 5; }), "need a time namespace"));
  EXPECT_EQ(ErrorAfter([](Spec& s) {
              s.linux.namespaces.push_back({"time", ""});
              s.linux.time_offsets["boottime"].secs = 5;
            }),
            "");
}

TEST(OciValidate, NamesResolve) {
  EXPECT_EQ(*CapabilityNumber("CAP_SYS_ADMIN"), 21);
  EXPECT_FALSE(CapabilityNumber("sys_admin")) << "the spec's names are CAP_*";
  EXPECT_EQ(*RlimitResource("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  EXPECT_EQ(*SysctlNamespace("fs.mqueue.queues_max"), "ipc");
  EXPECT_EQ(*SysctlNamespace("net/ipv4/ip_forward"), "net");
  EXPECT_EQ(*SysctlNamespace("kernel.domainname"), "uts");
}

}  // namespace
}  // namespace vc::oci
