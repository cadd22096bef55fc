#include "oci/spec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "oci/annotations.h"
#include "oci/convert.h"
#include "oci/validate.h"

namespace vc::oci {
namespace {

using nlohmann::json;

const char* kFull = R"({
  "ociVersion": "1.0.2",
  "process": {"terminal": true, "consoleSize": {"height": 40, "width": 120},
              "user": {"uid": 1000, "gid": 100, "additionalGids": [5, 6], "username": "kept"},
              "args": ["sh", "-c", "true"], "env": ["A=1"], "cwd": "/tmp",
              "capabilities": {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"]},
              "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512}],
              "noNewPrivileges": true, "oomScoreAdj": 100, "apparmorProfile": "kept"},
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "box",
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro"]}],
  "hooks": {"prestart": [{"path": "/bin/hook", "args": ["hook", "x"], "timeout": 5}]},
  "annotations": {"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-id": "pod1"},
  "linux": {"namespaces": [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/n1"}],
            "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
            "devices": [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438}],
            "resources": {"memory": {"limit": 67108864}, "cpu": {"quota": 50000, "period": 100000,
                          "shares": 512, "cpus": "0-1"}, "pids": {"limit": 20},
                          "devices": [{"allow": false, "access": "rwm"}],
                          "hugepageLimits": [{"pageSize": "2MB", "limit": 0}]},
            "sysctl": {"net.ipv4.ip_forward": "1"},
            "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                        "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]},
            "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
            "rootfsPropagation": "rprivate", "intelRdt": {"closID": "kept"}},
  "vm": {"kept": true}
})";

TEST(OciSpec, ParsesEveryLinuxField) {
  auto spec = Parse(kFull);
  ASSERT_TRUE(spec) << spec.error().message;
  ASSERT_TRUE(spec->process);
  const Process& p = *spec->process;
  EXPECT_TRUE(p.terminal);
  EXPECT_EQ(p.console_size->height, 40u);
  EXPECT_EQ(p.user.uid, 1000u);
  EXPECT_EQ(p.user.additional_gids, (std::vector<uint32_t>{5, 6}));
  EXPECT_EQ(p.args, (std::vector<std::string>{"sh", "-c", "true"}));
  EXPECT_EQ(p.cwd, "/tmp");
  EXPECT_EQ(p.capabilities->bounding, std::vector<std::string>{"CAP_CHOWN"});
  ASSERT_EQ(p.rlimits.size(), 1u);
  EXPECT_EQ(p.rlimits[0].soft, 512u);
  EXPECT_TRUE(p.no_new_privileges);
  EXPECT_EQ(p.oom_score_adj, 100);
  EXPECT_EQ(spec->root.path, "rootfs");
  EXPECT_TRUE(spec->root.readonly);
  EXPECT_EQ(spec->hostname, "box");
  ASSERT_EQ(spec->mounts.size(), 2u);
  EXPECT_EQ(spec->mounts[1].options, (std::vector<std::string>{"rbind", "ro"}));
  ASSERT_EQ(spec->hooks.prestart.size(), 1u);
  EXPECT_EQ(spec->hooks.prestart[0].timeout, 5);
  const Linux& l = spec->linux;
  ASSERT_EQ(l.namespaces.size(), 2u);
  EXPECT_EQ(l.namespaces[1].path, "/var/run/netns/n1");
  EXPECT_EQ(l.uid_mappings[0].host_id, 1000u);
  EXPECT_EQ(l.devices[0].file_mode, 438u);
  EXPECT_EQ(l.resources->memory_limit, 67108864);
  EXPECT_EQ(l.resources->cpu_period, 100000u);
  EXPECT_EQ(l.resources->cpu_cpus, "0-1");
  EXPECT_EQ(l.resources->pids_limit, 20);
  EXPECT_FALSE(l.resources->devices[0].allow);
  EXPECT_EQ(l.sysctl.at("net.ipv4.ip_forward"), "1");
  EXPECT_EQ(l.seccomp->syscalls[0].errno_ret, 1u);
  EXPECT_EQ(l.masked_paths, std::vector<std::string>{"/proc/kcore"});
  EXPECT_EQ(l.rootfs_propagation, "rprivate");
}

TEST(OciSpec, UnknownFieldsSurviveTheTrip) {
  auto spec = Parse(kFull);
  ASSERT_TRUE(spec);
  json out = ToJson(*spec);
  EXPECT_EQ(out, json::parse(kFull)) << out.dump(2);
  spec->root.path = "/run/vc/shared/c1/rootfs";
  spec->mounts.pop_back();
  spec->linux.sysctl.clear();
  spec->annotations.erase(kSandboxIdAnnotation);
  out = ToJson(*spec);
  EXPECT_EQ(out["root"]["path"], "/run/vc/shared/c1/rootfs");
  EXPECT_EQ(out["mounts"].size(), 1u);
  EXPECT_FALSE(out["linux"].contains("sysctl"));
  EXPECT_FALSE(out["annotations"].contains(kSandboxIdAnnotation));
  EXPECT_EQ(out["process"]["user"]["username"], "kept");
  EXPECT_EQ(out["process"]["apparmorProfile"], "kept");
  EXPECT_EQ(out["linux"]["intelRdt"]["closID"], "kept");
  EXPECT_EQ(out["linux"]["resources"]["hugepageLimits"][0]["pageSize"], "2MB");
  EXPECT_EQ(out["vm"]["kept"], true);
}

TEST(OciSpec, ErrorsNameTheField) {
  auto err = [](const char* text) {
    auto spec = Parse(text);
    EXPECT_FALSE(spec) << text;
    return spec ? std::string() : spec.error().message;
  };
  EXPECT_NE(err("not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(err(R"({"process": {"args": ["x"]}})").find("root.path is required"), std::string::npos);
  EXPECT_NE(err(R"({"root": {"path": "/r"}, "process": {"args": []}})").find("process.args is empty"),
            std::string::npos);
  EXPECT_NE(err(R"({"root": {"path": "/r"}, "process": {"args": "sh"}})").find("process.args"),
            std::string::npos);
  EXPECT_NE(err(R"({"root": {"path": "/r"}, "process": {"args": ["x"], "cwd": "tmp"}})").find("absolute"),
            std::string::npos);
  EXPECT_NE(err(R"({"root": {"path": "/r"}, "process": {"args": ["x"], "user": {"uid": "root"}}})").find("process: "),
            std::string::npos);
  EXPECT_FALSE(Parse(R"({"root": {"path": "/r"}, "linux": {"namespaces": [{"path": "/x"}]}})"));
}

TEST(OciSpec, ProcessAndResourcesAlone) {
  auto p = ParseProcess(R"({"args": ["sh"], "terminal": true, "consoleSize": {"height": 40, "width": 120}})");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->terminal);
  EXPECT_EQ(p->console_size->width, 120u);
  EXPECT_FALSE(ParseProcess(R"({"args": ["sh"]})")->terminal);
  auto none = ParseResources(R"({"memory": {}})");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->memory_limit);
  EXPECT_FALSE(ParseResources("[1]"));
  EXPECT_FALSE(ParseResources(R"({"memory": {"limit": "lots"}})"));
  EXPECT_FALSE(ParseResources(R"({"memory": 5})"));
}

TEST(OciConvert, GuestSpecKeepsTheSpecAndTakesCmdRootAndHostname) {
  auto spec = Parse(kFull);
  ASSERT_TRUE(spec);
  ContainerConfig config = ContainerConfigOf(*spec);
  EXPECT_EQ(config.cmd.args, spec->process->args);
  EXPECT_EQ(config.cmd.uid, 1000u);
  EXPECT_EQ(config.annotations.at(kSandboxIdAnnotation), "pod1");
  config.cmd.args = {"echo", "other"};
  config.cmd.terminal = false;
  auto guest = GuestSpec(config, "/run/vc/shared/c1/rootfs", "sandbox-host");
  ASSERT_TRUE(guest) << guest.error().message;
  EXPECT_EQ(guest->root.path, "/run/vc/shared/c1/rootfs");
  EXPECT_EQ(guest->hostname, "box") << "the spec's own hostname wins";
  EXPECT_EQ(guest->process->args, (std::vector<std::string>{"echo", "other"}));
  EXPECT_FALSE(guest->process->terminal);
  EXPECT_EQ(guest->process->rlimits.size(), 1u) << "what Cmd does not say stays";
  EXPECT_EQ(guest->linux.masked_paths, spec->linux.masked_paths);

  ContainerConfig bare;
  bare.cmd.args = {"true"};
  auto minimal = GuestSpec(bare, "/r", "h");
  ASSERT_TRUE(minimal);
  json out = ToJson(*minimal);
  EXPECT_EQ(out["process"]["args"], json({"true"}));
  EXPECT_EQ(out["process"]["cwd"], "/");
  EXPECT_EQ(out["root"]["path"], "/r");
  EXPECT_EQ(out["hostname"], "h") << "a new UTS namespace takes the sandbox's hostname";
  EXPECT_EQ(out["process"]["capabilities"]["bounding"].size(), 14u) << "containerd's defaults";
  EXPECT_TRUE(out["process"]["noNewPrivileges"]);
  EXPECT_TRUE(Validate(*minimal)) << "the default spec passes its own checks";
}

Spec WithHostname(const char* namespaces) {
  auto spec = Parse(std::string(R"({"process": {"args": ["true"]}, "root": {"path": "r"},
                                     "linux": {"namespaces": )") + namespaces + "}}");
  EXPECT_TRUE(spec) << spec.error().message;
  return *GuestSpec(ContainerConfigOf(*spec), "/r", "pod-host");
}

TEST(OciConvert, AnUpdateCarriesSwapAndAStaleSwapFollowsARaisedLimit) {
  Resources r;
  r.memory_limit = 100 << 20;
  r.memory_swap = 100 << 20;  // containerd's "no swap" at create
  ContainerResources raise;
  raise.memory_limit_bytes = 200 << 20;
  Apply(r, raise);
  EXPECT_EQ(r.memory_limit, 200 << 20);
  EXPECT_EQ(r.memory_swap, 200 << 20) << "memory+swap below the new limit would refuse it";
  ContainerResources lower;
  lower.memory_limit_bytes = 50 << 20;
  Apply(r, lower);
  EXPECT_EQ(r.memory_swap, 200 << 20) << "a swap above the new limit stays";
  ContainerResources both;
  both.memory_limit_bytes = 60 << 20;
  both.memory_swap_bytes = 120 << 20;
  Apply(r, both);
  EXPECT_EQ(r.memory_swap, 120 << 20) << "an update's own swap is taken";
  EXPECT_EQ(ContainerResourcesOf(r).memory_swap_bytes, 120 << 20) << "and passed on";
}

TEST(OciConvert, SandboxHostnameOnlyForAContainerWithItsOwnUtsNamespace) {
  EXPECT_EQ(WithHostname(R"([{"type": "uts"}])").hostname, "pod-host");
  EXPECT_EQ(WithHostname(R"([{"type": "pid"}])").hostname, "") << "the guest's UTS namespace";
  EXPECT_EQ(WithHostname(R"([{"type": "uts", "path": "/proc/1/ns/uts"}])").hostname, "");
}

TEST(OciBundle, RootIsResolvedAgainstTheBundle) {
  auto dir = std::filesystem::temp_directory_path() / ("vc-oci-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"process": {"args": ["true"]}, "root": {"path": "rootfs"}})";
  auto spec = LoadBundle(dir.string());
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->root.path, (dir / "rootfs").string());
  std::ofstream(dir / "config.json") << "{";
  auto bad = LoadBundle(dir.string());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("config.json is not valid JSON"), std::string::npos);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(LoadBundle(dir.string()).error().code, ErrorCode::kNotFound);
}

TEST(OciAnnotations, PodMembersJoinTheirSandbox) {
  EXPECT_EQ(SandboxOf("c1", {}), "c1");
  EXPECT_EQ(SandboxOf("sb", {{kContainerTypeAnnotation, "sandbox"}, {kSandboxIdAnnotation, "sb"}}), "sb");
  EXPECT_EQ(SandboxOf("c2", {{kContainerTypeAnnotation, "container"}, {kSandboxIdAnnotation, "sb"}}), "sb");
  EXPECT_EQ(SandboxOf("c3", {{kContainerTypeAnnotation, "container"}}), "c3");
}

}  // namespace
}  // namespace vc::oci

namespace vc::oci {
namespace {

TEST(OciAnnotations, APodSandboxAskingForTheNodesNamespacesIsRefusedByField) {
  auto pod = [](std::vector<std::string> namespaces) {
    Spec spec;
    spec.annotations[kContainerTypeAnnotation] = "sandbox";
    for (auto& ns : namespaces) spec.linux.namespaces.push_back(Namespace{ns, ""});
    return spec;
  };
  EXPECT_TRUE(CheckPodSandbox(pod({"pid", "ipc", "uts", "mount", "network"})));
  auto host_network = CheckPodSandbox(pod({"pid", "ipc", "uts", "mount"}));
  ASSERT_FALSE(host_network);
  EXPECT_EQ(host_network.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(host_network.error().message.find("hostNetwork"), std::string::npos) << host_network.error().message;
  EXPECT_NE(host_network.error().message.find("runc RuntimeClass"), std::string::npos);
  EXPECT_NE(CheckPodSandbox(pod({"ipc", "uts", "mount", "network"})).error().message.find("hostPID"), std::string::npos);
  EXPECT_NE(CheckPodSandbox(pod({"pid", "uts", "mount", "network"})).error().message.find("hostIPC"), std::string::npos);
  Spec container = pod({"mount"});
  container.annotations[kContainerTypeAnnotation] = "container";
  EXPECT_TRUE(CheckPodSandbox(container)) << "a pod's other containers join the sandbox's namespaces";
  EXPECT_TRUE(CheckPodSandbox(Spec{})) << "not a CRI pod";
}

TEST(OciConvert, NetnsPathIsTheNetworkNamespaceToJoin) {
  auto spec = Parse(R"({"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "linux": {"namespaces": [
      {"type": "pid"}, {"type": "network", "path": "/var/run/netns/cni-1234"}]}})");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(NetnsPathOf(*spec), "/var/run/netns/cni-1234");
  auto fresh = Parse(R"({"ociVersion": "1.1.0", "root": {"path": "rootfs"},
                        "linux": {"namespaces": [{"type": "network"}]}})");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(NetnsPathOf(*fresh), "") << "a new namespace is no pod network to take over";
}

}  // namespace
}  // namespace vc::oci
