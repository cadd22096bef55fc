// What every vc-runtime verb shares: the global options (runc's), the
// library, the container entries under --root, and the runc way of failing.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "config/config.h"
#include "entry.h"
#include "vc/vc.h"

namespace vc::vcrt {

inline constexpr const char* kDefaultRoot = "/run/vc-runtime";
inline constexpr const char* kOciVersion = "1.1.0";

struct Globals {
  std::string root = kDefaultRoot;
  std::string log;                  // empty: stderr
  std::string log_format = "text";  // text or json
  std::string config;               // vc's TOML configuration; empty: /etc/vc/configuration.toml if any
  bool debug = false;
  bool systemd_cgroup = false;      // accepted; the cgroups are the guest's
};

struct Context {
  Globals g;
  int exit_code = 0;

  // vc's configuration (--config), loaded once.
  vc::Result<vc::config::Config> Config();
  // Where the library keeps the VMs: the configuration's runtime.state_root
  // (default /run/vc), not --root. Callers nest --root deeply (docker's shim:
  // <exec-root>/runtime-runc/moby) and a VM's sockets under a 64-character
  // id there would not fit a socket address.
  vc::Result<std::string> StateRoot();
  // The library over StateRoot(). Made on first use: `create` forks its
  // monitor before any thread exists. A configuration that does not load is
  // reported and ends the process.
  vc::Runtime& Runtime();
  // The container `id` as recorded under --root; kNotFound says so the runc way.
  vc::Result<Entry> Find(const std::string& id) const;

  // Reports `e` on stderr and in --log, sets the exit code 1; returns 1.
  int Fail(const vc::Error& e);

 private:
  std::optional<vc::Result<vc::config::Config>> config_;
  std::unique_ptr<vc::Runtime> runtime_;
};

// The OCI state's status of a container in `state`.
const char* OciStatus(vc::ContainerState state);

// What `state` and `list` report of a container: its status and the pid of
// its monitor (0 once it stopped). A VM that is gone counts as stopped.
struct Observed {
  std::string status;
  int32_t pid = 0;
};
Observed Observe(Context& ctx, const Entry& e);
// The OCI state document of a container (`state`; `list --format json`).
nlohmann::ordered_json StateJson(Context& ctx, const Entry& e);

// Adds a verb that takes a container id and does `op` to that container.
using EntryOp = vc::Result<> (*)(Context& ctx, const Entry& e);
void AddIdVerb(CLI::App& app, Context& ctx, const char* name, const char* help, EntryOp op);

// Each verb adds its subcommand to the app (one file each).
using Verb = void (*)(CLI::App& app, Context& ctx);
void AddCreate(CLI::App& app, Context& ctx);
void AddStart(CLI::App& app, Context& ctx);
void AddRun(CLI::App& app, Context& ctx);
void AddState(CLI::App& app, Context& ctx);
void AddKill(CLI::App& app, Context& ctx);
void AddDelete(CLI::App& app, Context& ctx);
void AddExec(CLI::App& app, Context& ctx);
void AddPs(CLI::App& app, Context& ctx);
void AddPause(CLI::App& app, Context& ctx);
void AddResume(CLI::App& app, Context& ctx);
void AddUpdate(CLI::App& app, Context& ctx);
void AddList(CLI::App& app, Context& ctx);
void AddFeatures(CLI::App& app, Context& ctx);
void AddSpec(CLI::App& app, Context& ctx);

}  // namespace vc::vcrt
