// What the host (or anything that reaches the agent's channel) may send the
// guest agent: the input's first byte picks one of the agent's methods
// (guest/agent/service.cc), the rest is that method's request message. Each
// is decoded as its handler decodes it, up to the point where the handler
// would act: the protobuf message, the OCI JSON it carries (spec, process,
// resources), the checks the agent makes before it forks (setup::Check-
// Container, setup::Prepare: capabilities, rlimits, the seccomp filter
// built with libseccomp, mount options) and the network entries' text
// (net::Check*). Decoding refuses or accepts; it never crashes.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent.pb.h"
#include "protocol/net_messages.h"
#include "net/netlink.h"
#include "oci/spec.h"
#include "os/mount.h"
#include "setup/setup.h"

namespace {

namespace pb = vc::agent::v1;
namespace oci = vc::oci;

template <typename Message>
bool Decode(std::string_view payload, Message& m) {
  return m.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
}

template <typename Message>
void DecodeOnly(std::string_view payload) {
  Message m;
  (void)Decode(payload, m);
}

void CreateContainer(std::string_view payload) {
  pb::CreateContainerRequest req;
  if (!Decode(payload, req)) return;
  auto spec = oci::Parse(req.oci_spec_json());
  if (!spec) return;
  if (!vc::agent::setup::CheckContainer(*spec)) return;
  for (const auto& m : spec->mounts) (void)vc::os::ParseMountOptions(m.options);
  if (spec->process) (void)vc::agent::setup::Prepare(*spec->process, spec->linux.seccomp);
}

void ExecProcess(std::string_view payload) {
  pb::ExecProcessRequest req;
  if (!Decode(payload, req)) return;
  auto process = oci::ParseProcess(req.process_json());
  if (process) (void)vc::agent::setup::Prepare(*process, std::nullopt);
}

void UpdateContainer(std::string_view payload) {
  pb::UpdateContainerRequest req;
  if (Decode(payload, req)) (void)oci::ParseResources(req.resources_json());
}

void UpdateInterface(std::string_view payload) {
  pb::Interface req;
  if (Decode(payload, req)) (void)vc::net::CheckInterface(vc::agent::FromMessage(req));
}

void UpdateRoutes(std::string_view payload) {
  pb::Routes req;
  if (!Decode(payload, req)) return;
  for (const auto& r : vc::agent::FromMessage(req)) (void)vc::net::CheckRoute(r);
}

void AddArpNeighbors(std::string_view payload) {
  pb::Neighbors req;
  if (!Decode(payload, req)) return;
  for (const auto& n : vc::agent::FromMessage(req)) (void)vc::net::CheckNeighbor(n);
}

// The methods in the order of service.cc; the ones whose request carries only
// ids and numbers stop at the message.
const std::vector<std::pair<const char*, std::function<void(std::string_view)>>> kMethods = {
    {"Check", DecodeOnly<pb::Empty>},
    {"CreateSandbox", DecodeOnly<pb::CreateSandboxRequest>},
    {"DestroySandbox", DecodeOnly<pb::Empty>},
    {"CreateContainer", CreateContainer},
    {"StartContainer", DecodeOnly<pb::ContainerRequest>},
    {"RemoveContainer", DecodeOnly<pb::ContainerRequest>},
    {"PauseContainer", DecodeOnly<pb::ContainerRequest>},
    {"ResumeContainer", DecodeOnly<pb::ContainerRequest>},
    {"StatsContainer", DecodeOnly<pb::ContainerRequest>},
    {"UpdateContainer", UpdateContainer},
    {"OnlineCpus", DecodeOnly<pb::OnlineCpusRequest>},
    {"ListPids", DecodeOnly<pb::ContainerRequest>},
    {"TtyWinResize", DecodeOnly<pb::TtyWinResizeRequest>},
    {"GetOOMEvent", DecodeOnly<pb::Empty>},
    {"ExecProcess", ExecProcess},
    {"SignalProcess", DecodeOnly<pb::SignalProcessRequest>},
    {"WaitProcess", DecodeOnly<pb::ProcessRequest>},
    {"ProcessState", DecodeOnly<pb::ProcessRequest>},
    {"WriteStdin", DecodeOnly<pb::WriteStreamRequest>},
    {"CloseStdin", DecodeOnly<pb::ProcessRequest>},
    {"ReadStdout", DecodeOnly<pb::ReadStreamRequest>},
    {"ReadStderr", DecodeOnly<pb::ReadStreamRequest>},
    {"UpdateInterface", UpdateInterface},
    {"UpdateRoutes", UpdateRoutes},
    {"AddARPNeighbors", AddArpNeighbors},
    {"ListInterfaces", DecodeOnly<pb::Empty>},
    {"ListRoutes", DecodeOnly<pb::Empty>},
    {"GetVolumeStats", DecodeOnly<pb::VolumeStatsRequest>},
    {"ResizeVolume", DecodeOnly<pb::ResizeVolumeRequest>},
    {"LoadModule", DecodeOnly<pb::LoadModuleRequest>},
    {"ForwardOpen", DecodeOnly<pb::ForwardOpenRequest>},
    {"ForwardWrite", DecodeOnly<pb::ForwardWriteRequest>},
    {"ForwardRead", DecodeOnly<pb::ForwardRequest>},
    {"ForwardClose", DecodeOnly<pb::ForwardRequest>},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& method = kMethods[data[0] % kMethods.size()];
  method.second(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
