// Runtime configuration file (TOML) for programs that start sandboxes on a
// user's behalf (the containerd shim): which QEMU, guest kernel and initramfs,
// how much memory, where state lives.
//
//   [hypervisor]  path, kernel, initrd, kernel_params, memory_mib, vcpus, accel, virtiofsd,
//                 shared_fs, machine_type, rootless, pcie_root_ports, max_vcpus, max_memory_mib, memory_slots,
//                 tcg_cache_mib
//   [agent]       transport, start_timeout_ms, debug_console
//   [runtime]     state_root, internetworking_model (tcfilter, macvtap, none),
//                 sandbox_cgroup_only
//   [factory]     enable_template (then shared_fs defaults to virtio-9p)
//
// Every key is optional; unknown keys and wrong types are errors.
#pragma once

#include <string>
#include <vector>

#include "vc/types.h"
#include "vc/vc.h"

namespace vc::config {

// One key of the file as it was resolved: "hypervisor.memory_mib", its value
// as text, and "file" when the file set it, else "default".
struct Setting {
  std::string name;
  std::string value;
  std::string source;
};

struct Config {
  HypervisorConfig hypervisor;
  AgentConfig agent;
  RuntimeOptions runtime;
  NetworkConfig network;  // the model; the namespace comes with each pod
  bool sandbox_cgroup_only = true;  // SandboxConfig::sandbox_cgroup_only
  bool enable_template = false;     // SandboxConfig::enable_template
  std::vector<Setting> settings;    // every key Parse knows, in the file's order of sections
};

// Where the configuration is read from when none is named.
inline constexpr const char* kDefaultPath = "/etc/vc/configuration.toml";

// Defaults: guest assets in `guest_dir` (vmlinux, initramfs.cpio). A
// configuration that names only hypervisor.kernel gets the initramfs beside
// that kernel.
Config Defaults(const std::string& guest_dir);

// Parses TOML text over the defaults. `origin` names the text in errors.
Result<Config> Parse(const std::string& text, const std::string& origin, Config defaults);

// Reads `path`; an empty path means kDefaultPath if that file exists, else
// the defaults.
Result<Config> Load(const std::string& path, Config defaults);

}  // namespace vc::config
