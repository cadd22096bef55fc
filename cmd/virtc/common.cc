// Shared pieces of the virtc verbs: global options, helpers and stdio relay.
#include "common.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>
#include <utility>

namespace vc::virtc {
namespace {

// The signals virtc passes on to the workload of run, enter and attach.
sigset_t ForwardedSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
  return set;
}

}  // namespace

const CLI::Validator kNotEmpty(
    [](const std::string& value) { return value.empty() ? std::string("must not be empty") : std::string(); },
    "NOT EMPTY", "not empty");

std::vector<std::string> Context::CommandOf(CLI::App* cmd) const {
  if (!trailing.empty()) return trailing;
  auto words = cmd->remaining();
  if (!words.empty() && words.front().size() > 1 && words.front()[0] == '-')
    throw CLI::ExtrasError(cmd->get_name() + ": unknown option " + words.front() +
                               " (a command that starts with '-' goes after --)",
                           CLI::ExitCodes::ExtrasError);
  return words;
}

std::unique_ptr<vc::Runtime> Context::NewRuntime() const {
  return std::make_unique<vc::Runtime>(vc::RuntimeOptions{g.root, ""});
}

vc::HypervisorConfig HypervisorFrom(const Globals& g) {
  vc::HypervisorConfig h;
  h.kernel_path = g.kernel.empty() ? DefaultGuestDir() + "/vmlinux" : g.kernel;
  h.initrd_path = g.initrd;  // empty: the one beside the kernel
  h.binary_path = g.qemu;
  h.accel = g.accel;
  h.machine_type = g.machine;
  h.rootless = g.rootless;
  h.block_device_driver = g.block_driver;
  h.memory_mib = g.memory_mib;
  h.shared_fs = !g.shared_fs.empty() ? g.shared_fs : g.use_template ? "virtio-9p" : "virtio-fs";
  h.vcpus = g.vcpus;
  return h;
}

int Failed(const vc::Error& e, int code) {
  std::cerr << "virtc: " << e.message << std::endl;
  return code;
}

std::vector<std::string> DefaultEnv() {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
          "TERM=xterm"};
}

void AddRootOptions(CLI::App* cmd, RootOptions& o, const std::string& what) {
  auto* dir = cmd->add_option("--rootfs", o.rootfs, "root directory of the " + what);
  cmd->add_option("--rootfs-image", o.image,
                  "root of the " + what + " on a disk: an image file or block device holding ext4 or xfs, "
                  "attached to the VM (hypervisor.block_device_driver)")
      ->excludes(dir);
  cmd->add_option("--bundle", o.bundle, "OCI bundle of the " + what + " (with --rootfs-image: its root replaced)")
      ->excludes(dir);
}

namespace {

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::string out = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

vc::Result<vc::ContainerConfig> ContainerFrom(const std::string& id, const RootOptions& root,
                                              const std::vector<std::string>& args) {
  vc::ContainerConfig c;
  if (!root.bundle.empty()) {
    auto from_bundle = vc::ContainerConfigFromBundle(root.bundle);
    if (!from_bundle) return from_bundle;
    c = std::move(*from_bundle);
    if (!args.empty()) c.cmd.args = args;
  } else {
    if (!root.rootfs.empty()) c.rootfs = Absolute(root.rootfs);
    c.cmd.args = args;
    c.cmd.env = DefaultEnv();
  }
  if (!root.image.empty()) c.rootfs_disk = Absolute(root.image);
  c.id = id;
  return c;
}

void BlockForwardedSignals() {
  sigset_t set = ForwardedSignals();
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::signal(s, SIG_DFL);  // background jobs start with SIGINT ignored
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void ForwardSignals(std::shared_ptr<vc::Process> process) {
  std::thread([process] {
    sigset_t set = ForwardedSignals();
    std::set<int> seen;
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      (void)process->Signal(seen.insert(sig).second ? sig : SIGKILL);
    }
  }).detach();
}

}  // namespace vc::virtc
