// `create`: the container in a new VM (or its pod's), waiting for `start`.
#include <filesystem>

#include "lifecycle.h"
#include "console.h"
#include "net/netlink.h"
#include "net/netns.h"
#include "oci/annotations.h"
#include "oci/convert.h"
#include "oci/spec.h"
#include "os/file.h"

namespace vc::vcrt {
namespace {

vc::Result<vc::SandboxStatus> BootSandbox(Context& ctx, const std::string& id, const vc::oci::Spec& spec) {
  auto config = ctx.Config();
  if (!config) return std::unexpected(config.error());
  vc::SandboxConfig sandbox;
  sandbox.id = id;
  sandbox.hypervisor = config->hypervisor;
  sandbox.agent = config->agent;
  sandbox.network = config->network;
  // A network namespace the spec names (podman's, CRI's, or the one made for
  // the container) is the VM's to take over; the container shares the guest's.
  sandbox.network.netns_path = vc::oci::NetnsPathOf(spec);
  sandbox.hostname = spec.hostname;
  // runc's container lives in linux.cgroupsPath; here the VM does.
  sandbox.cgroup_path = spec.linux.cgroups_path;
  sandbox.sandbox_cgroup_only = config->sandbox_cgroup_only;
  sandbox.enable_template = config->enable_template;
  return ctx.Runtime().RunSandbox(sandbox);
}

// The spec's request for a new network namespace (an entry without a path).
vc::oci::Namespace* NewNetnsOf(vc::oci::Spec& spec) {
  for (auto& ns : spec.linux.namespaces)
    if (ns.type == "network" && ns.path.empty()) return &ns;
  return nullptr;
}

// Connects to the VM the interfaces that the container's hooks put into the
// namespace made for it (docker's libnetwork-setkey moves the container's
// veth end into the namespace of the pid in the state: the monitor's).
vc::Result<> ConnectHookInterfaces(Context& ctx, const Entry& e) {
  auto netns = vc::net::OpenNetns(e.netns);
  if (!netns) return std::unexpected(netns.error());
  auto links = vc::net::InNetns(netns->get(), []() -> vc::Result<std::vector<vc::net::Link>> {
    auto nl = vc::net::Netlink::Open();
    if (!nl) return std::unexpected(nl.error());
    return nl->Links();
  });
  if (!links) return std::unexpected(links.error());
  for (const auto& link : *links) {
    if (link.loopback) continue;
    if (auto added = ctx.Runtime().AddInterface(e.sandbox_id, link.name); !added)
      return std::unexpected(added.error().Wrap("connect " + link.name + " (made by a hook) to the VM"));
  }
  return {};
}

}  // namespace

vc::Result<> WritePidFile(const std::string& path, pid_t pid) {
  if (path.empty()) return {};
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  if (auto ok = vc::os::WriteFileAtomic(absolute.string(), std::to_string(pid), 0644); !ok)
    return std::unexpected(ok.error().Wrap("pid file " + path));
  return {};
}

vc::Result<Monitor> Create(Context& ctx, const CreateOptions& o) {
  if (auto ok = vc::ValidateId("container", o.id); !ok) return std::unexpected(ok.error());
  std::error_code ec;
  std::string bundle = std::filesystem::absolute(o.bundle, ec).lexically_normal().string();
  if (bundle.size() > 1 && bundle.back() == '/') bundle.pop_back();
  auto spec = vc::oci::LoadBundle(bundle);
  if (!spec) return std::unexpected(spec.error());
  if (!spec->process)
    return vc::Fail(vc::ErrorCode::kInvalidArgument, bundle + "/config.json: process is required");
  const bool terminal = spec->process->terminal;
  if (terminal && o.console_socket.empty() && !o.foreground)
    return vc::Fail(vc::ErrorCode::kInvalidArgument,
                    "process.terminal is set: a --console-socket is needed to hand over the terminal");
  if (!terminal && !o.console_socket.empty())
    return vc::Fail(vc::ErrorCode::kInvalidArgument,
                    "--console-socket given, but process.terminal is not set in config.json");
  if (!o.console_socket.empty())
    if (auto ok = CheckConsoleSocket(o.console_socket); !ok) return std::unexpected(ok.error());

  Entry e;
  e.id = o.id;
  e.sandbox_id = vc::oci::SandboxOf(o.id, spec->annotations);
  e.bundle = bundle;
  e.created = Now3339();
  e.annotations = spec->annotations;
  if (!e.OwnsVm())
    if (auto pod = ctx.Find(e.sandbox_id); !pod)
      return vc::Fail(vc::ErrorCode::kNotFound,
                      "container " + o.id + " joins sandbox " + e.sandbox_id + ", which does not exist");
  // A new network namespace in the spec: one on the host for the VM, as runc
  // makes one for its container. The monitor lives in it, so that hooks given
  // its pid configure the container's network there.
  vc::oci::Namespace* new_netns = e.OwnsVm() ? NewNetnsOf(*spec) : nullptr;
  if (new_netns) e.netns = new_netns->path = ctx.g.root + "/netns/" + e.id;
  auto state_root = ctx.StateRoot();
  if (!state_root) return std::unexpected(state_root.error());
  if (auto ok = Reserve(ctx.g.root, e); !ok) return std::unexpected(ok.error());
  auto unreserve = [&] {
    if (!e.netns.empty()) (void)vc::net::RemoveNamedNetns(e.netns);
    (void)Remove(ctx.g.root, e.id);
  };
  if (!e.netns.empty())
    if (auto ok = vc::net::CreateNamedNetns(e.netns); !ok) {
      e.netns.clear();
      unreserve();
      return std::unexpected(ok.error());
    }

  auto monitor = Monitor::Fork({*state_root, e.sandbox_id, e.id, std::nullopt, o.console_socket, e.netns});
  if (!monitor) {
    unreserve();
    return std::unexpected(monitor.error());
  }
  e.pid = monitor->pid();
  e.pid_start = StartTimeOf(e.pid);

  bool booted = false, created = false;
  auto fail = [&](const vc::Error& error) -> vc::Result<Monitor> {
    if (created && !booted) (void)ctx.Runtime().DeleteContainer(e.sandbox_id, e.id);
    if (booted) {
      (void)ctx.Runtime().StopSandbox(e.sandbox_id);
      (void)ctx.Runtime().DeleteSandbox(e.sandbox_id);
    }
    unreserve();
    return std::unexpected(error);  // ~Monitor abandons it
  };
  if (auto ok = Save(ctx.g.root, e); !ok) return fail(ok.error());

  vc::ContainerConfig config = vc::oci::ContainerConfigOf(*spec);
  config.id = e.id;
  config.bundle = bundle;
  config.host_pid = e.pid;
  config.cmd.terminal = terminal;
  if (e.OwnsVm()) {
    auto sandbox = BootSandbox(ctx, e.sandbox_id, *spec);
    if (!sandbox) return fail(sandbox.error());
    booted = true;
  }
  auto container = ctx.Runtime().CreateContainer(e.sandbox_id, config);
  if (!container) return fail(container.error());
  created = true;
  if (!e.netns.empty())
    if (auto ok = ConnectHookInterfaces(ctx, e); !ok) return fail(ok.error());
  if (auto ok = monitor->Go(); !ok) return fail(ok.error().Wrap("monitor"));
  if (auto ok = WritePidFile(o.pid_file, e.pid); !ok) return fail(ok.error());
  return std::move(*monitor);
}

void AddCreateOptions(CLI::App* cmd, CreateOptions& o) {
  cmd->add_option("id", o.id, "container id")->required();
  cmd->add_option("-b,--bundle", o.bundle, "bundle directory (config.json, rootfs)")->capture_default_str();
  cmd->add_option("--pid-file", o.pid_file, "file to write the monitor's pid to");
  cmd->add_option("--console-socket", o.console_socket, "unix socket to send the pty master to");
  cmd->add_flag("--no-pivot,--no-new-keyring")->description("accepted; the guest sets up the root itself");
  cmd->add_option("--preserve-fds")->description("accepted; file descriptors cannot cross into the VM");
}

void AddCreate(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<CreateOptions>();
  auto* cmd = app.add_subcommand("create", "create a container (in a VM) from a bundle; `start` runs it");
  AddCreateOptions(cmd, *o);
  cmd->callback([&ctx, o] {
    auto monitor = Create(ctx, *o);
    if (!monitor) {
      ctx.Fail(monitor.error());
      return;
    }
    monitor->Release();
  });
}

}  // namespace vc::vcrt
