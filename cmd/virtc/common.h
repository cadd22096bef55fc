// Shared pieces of the virtc verbs: global options, helpers and stdio relay.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/cli.h"
#include "vc/vc.h"

namespace vc::virtc {

using vc::cli::DefaultGuestDir;
using vc::cli::Relay;
using vc::cli::SignalNumber;

// Exit code of `virtc run` when the runtime, not the workload, failed.
constexpr int kRuntimeError = 125;

// For ids that are generated when the option is left out: given, it may not be
// empty (`--id ''` is refused, not taken as "generate one").
extern const CLI::Validator kNotEmpty;

struct Globals {
  std::string root = "/run/vc";
  std::string kernel;
  std::string initrd;
  std::string qemu;
  std::string accel = "auto";
  std::string machine = "q35";
  bool rootless = false;
  std::string block_driver = "virtio-blk";
  uint32_t memory_mib = 256;
  std::string shared_fs;  // empty: virtio-fs, or virtio-9p with --template
  bool use_template = false;
  uint32_t vcpus = 1;
  std::string agent_transport = "auto";
  bool debug_console = false;
  bool json = false;
};

// What every verb sees: the global options, the command line after the first
// "--" (CLI11 would hand it to the top-level app, not the subcommand) and the
// exit code virtc ends with.
struct Context {
  Globals g;
  std::vector<std::string> trailing;
  int exit_code = 0;

  // The command of a subcommand: after "--", or its first positional and the
  // rest. Without "--", a first word that starts with '-' is an unknown option
  // (a typo such as --memroy), refused with the usage error.
  std::vector<std::string> CommandOf(CLI::App* cmd) const;
  std::unique_ptr<vc::Runtime> NewRuntime() const;
};

// A group of verbs: adds its subcommands to the app.
using VerbGroup = void (*)(CLI::App& app, Context& ctx);
void AddRunVerbs(CLI::App& app, Context& ctx);
void AddSandboxVerbs(CLI::App& app, Context& ctx);
void AddContainerVerbs(CLI::App& app, Context& ctx);
void AddNetworkVerbs(CLI::App& app, Context& ctx);
void AddFactoryVerbs(CLI::App& app, Context& ctx);
void AddVolumeVerbs(CLI::App& app, Context& ctx);
void AddHostVerbs(CLI::App& app, Context& ctx);

// `virtc sandbox console`: the guest's debug console on our terminal until
// its shell exits (its exit code) or the user leaves with Ctrl-].
int RunDebugConsole(Context& ctx, const std::string& sandbox_id);

// What `virtc --version` prints: version, commit, the default guest kernel.
std::string VersionText();

// --netns and --net-model of the verbs that make a sandbox.
void AddNetworkOptions(CLI::App* cmd, vc::NetworkConfig& network);

vc::HypervisorConfig HypervisorFrom(const Globals& g);
int Failed(const vc::Error& e, int code = 1);

// The environment of a command given on the command line.
std::vector<std::string> DefaultEnv();

// The error of `r`, without its value.
template <typename T>
vc::Result<> ErrorOf(const vc::Result<T>& r) {
  if (!r) return std::unexpected(r.error());
  return {};
}

// Where a container's root comes from: --rootfs DIR, --rootfs-image FILE (a
// disk: an image file or block device with an ext4 or xfs file system), or
// an OCI --bundle (whose root --rootfs-image may replace).
struct RootOptions {
  std::string rootfs, image, bundle;
  bool empty() const { return rootfs.empty() && image.empty() && bundle.empty(); }
};
// Adds --rootfs, --rootfs-image and --bundle to `cmd`; `what` names the
// container in their help ("container", "initial container").
void AddRootOptions(CLI::App* cmd, RootOptions& o, const std::string& what);

// Builds a container from its root and command (or the bundle's process).
vc::Result<vc::ContainerConfig> ContainerFrom(const std::string& id, const RootOptions& root,
                                              const std::vector<std::string>& args);

// Blocks the signals virtc passes on to the workload (INT, TERM, HUP) in this
// thread and every thread created after it (the library's I/O threads among
// them), so that none of them dies of a Ctrl-C: call first, before any thread
// exists.
void BlockForwardedSignals();

// Passes those signals on to `process` while it runs. A container's PID 1
// ignores signals it has no handler for, so the same signal a second time
// becomes SIGKILL (a second Ctrl-C always ends it).
// REQUIRES: BlockForwardedSignals() was called.
void ForwardSignals(std::shared_ptr<vc::Process> process);

}  // namespace vc::virtc
