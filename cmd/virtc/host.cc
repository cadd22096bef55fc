// The host verbs: `check` (can sandboxes run here, and why not) and `env`
// (the settings in force and where each came from, for an issue report).
#include <sys/stat.h>

#include <fstream>
#include <iomanip>
#include <sstream>

#include "common.h"
#include "config/config.h"
#include "print.h"

namespace vc::virtc {
namespace {

nlohmann::json CheckJson(const vc::HostCheck& c) {
  return {{"name", c.name}, {"level", vc::ToString(c.level)}, {"found", c.found}, {"detail", c.detail}};
}

// One line per check: level, name, what was found, then why.
std::string CheckLine(const vc::HostCheck& c) {
  std::ostringstream line;
  line << std::left << std::setw(8) << vc::ToString(c.level) << std::setw(14) << c.name << c.found;
  if (!c.detail.empty()) line << (c.found.empty() ? "" : ": ") << c.detail;
  return line.str() + "\n";
}

Report CheckReport(const std::vector<vc::HostCheck>& checks) {
  nlohmann::json list = nlohmann::json::array();
  std::string table, failed;
  size_t warnings = 0;
  for (const auto& c : checks) {
    list.push_back(CheckJson(c));
    table += CheckLine(c);
    if (c.level == vc::CheckLevel::kError) failed += (failed.empty() ? "" : ", ") + c.name;
    warnings += c.level == vc::CheckLevel::kWarning;
  }
  table += failed.empty() ? "sandboxes can run here (" + std::to_string(warnings) + " warnings)\n"
                          : "sandboxes cannot run here: " + failed + "\n";
  return {{{"can_run", failed.empty()}, {"checks", list}}, table};
}

struct Setting {
  std::string name;
  std::string value;
  const char* option;  // the flag that sets it
};

std::vector<Setting> SettingsOf(const Globals& g) {
  const vc::HypervisorConfig h = HypervisorFrom(g);
  return {{"root", g.root, "--root"},
          {"kernel", h.kernel_path, "--kernel"},
          {"initrd", g.initrd.empty() ? "(initramfs.cpio beside the kernel)" : g.initrd, "--initrd"},
          {"qemu", g.qemu.empty() ? "(qemu-system-x86_64 from PATH)" : g.qemu, "--qemu"},
          {"accel", g.accel, "--accel"},
          {"machine", g.machine, "--machine"},
          {"rootless", g.rootless ? "true" : "false", "--rootless"},
          {"block-driver", g.block_driver, "--block-driver"},
          {"memory", std::to_string(g.memory_mib) + " MiB", "--memory"},
          {"vcpus", std::to_string(g.vcpus), "--vcpus"},
          {"shared-fs", h.shared_fs, "--shared-fs"},
          {"template", g.use_template ? "true" : "false", "--template"},
          {"agent-transport", g.agent_transport, "--agent-transport"},
          {"debug-console", g.debug_console ? "true" : "false", "--debug-console"}};
}

// The configuration file the shim and vc-runtime read (`path`, or theirs by
// default): each key with its value and source, or why it cannot be read.
nlohmann::json FileSettings(const std::string& path, std::ostringstream& table) {
  const std::string file = path.empty() ? vc::config::kDefaultPath : path;
  struct stat st {};
  const bool exists = ::stat(file.c_str(), &st) == 0;
  nlohmann::json out = {{"path", file}, {"exists", exists}};
  table << "\nconfiguration of containerd-shim-vc-v2 and vc-runtime: " << file
        << (exists ? "" : " (absent: they use their defaults)") << "\n";
  const vc::config::Config defaults = vc::config::Defaults(DefaultGuestDir());
  auto config = exists ? vc::config::Load(file, defaults) : vc::config::Parse("", file, defaults);
  if (!config) {
    out["error"] = config.error().message;
    table << "  cannot be read: " << config.error().message << "\n";
    return out;
  }
  nlohmann::json settings = nlohmann::json::array();
  for (const auto& s : config->settings) {
    settings.push_back({{"name", s.name}, {"value", s.value}, {"source", s.source}});
    table << "  " << std::left << std::setw(32) << s.name << std::setw(8) << s.source
          << (s.value.empty() ? "(unset)" : s.value) << "\n";
  }
  out["settings"] = settings;
  return out;
}

Report EnvReport(CLI::App& app, const Globals& g, const std::vector<vc::HostCheck>& checks,
                 const std::string& config_path) {
  const vc::BuildInfo build = vc::Build();
  std::ostringstream table;
  nlohmann::json settings = nlohmann::json::array();
  table << "virtc " << build.version << " (commit " << build.commit << ")\n\nsettings (virtc's options):\n";
  for (const auto& s : SettingsOf(g)) {
    const char* source = app.get_option(s.option)->count() > 0 ? "flag" : "default";
    settings.push_back({{"name", s.name}, {"value", s.value}, {"source", source}});
    table << "  " << std::left << std::setw(16) << s.name << std::setw(8) << source << s.value << "\n";
  }
  nlohmann::json host = nlohmann::json::array();
  table << "\nwhat they resolve to on this host:\n";
  for (const auto& c : checks) {
    host.push_back(CheckJson(c));
    table << "  " << std::left << std::setw(16) << c.name << c.found
          << (c.found.empty() || c.detail.empty() ? "" : "  ") << c.detail << "\n";
  }
  nlohmann::json file = FileSettings(config_path, table);
  return {{{"virtc", {{"version", build.version}, {"commit", build.commit}}},
           {"settings", settings},
           {"host", host},
           {"configuration_file", file}},
          table.str()};
}

}  // namespace

std::string VersionText() {
  const vc::BuildInfo build = vc::Build();
  // The guest build writes the kernel's release beside it.
  std::ifstream file(DefaultGuestDir() + "/kernel-release");
  std::string release;
  if (!std::getline(file, release)) release = "not built";
  return "virtc version " + build.version + "\ncommit: " + build.commit + "\nguest kernel: " + release + " (" +
         DefaultGuestDir() + "/vmlinux)";
}

void AddHostVerbs(CLI::App& app, Context& ctx) {
  auto* check = app.add_subcommand("check", "whether sandboxes can run on this host with the global options, and why not");
  check->add_flag("--json", ctx.g.json, "print JSON");
  check->callback([&ctx] {
    auto checks = ctx.NewRuntime()->CheckHost(HypervisorFrom(ctx.g));
    Print(CheckReport(checks), ctx.g.json);
    for (const auto& c : checks)
      if (c.level == vc::CheckLevel::kError) ctx.exit_code = 1;
  });
  auto* env = app.add_subcommand("env", "the settings in force, where each came from, and what they resolve to");
  env->add_flag("--json", ctx.g.json, "print JSON");
  auto config = std::make_shared<std::string>();
  env->add_option("--config", *config,
                  "the shim's and vc-runtime's configuration file to show (default: /etc/vc/configuration.toml)");
  env->callback([&app, &ctx, config] {
    Print(EnvReport(app, ctx.g, ctx.NewRuntime()->CheckHost(HypervisorFrom(ctx.g)), *config), ctx.g.json);
  });
}

}  // namespace vc::virtc
