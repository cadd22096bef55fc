// `exec`: a further process in a running container, with a monitor of its
// own (its pid goes to --pid-file). In the foreground, exits with its status.
#include <charconv>

#include "lifecycle.h"
#include "console.h"
#include "oci/convert.h"
#include "oci/spec.h"
#include "os/file.h"

namespace vc::vcrt {
namespace {

struct ExecOptions {
  std::string id, process_file, pid_file, console_socket, cwd, user;
  std::vector<std::string> env, args;
  bool detach = false, tty = false;
};

// "uid" or "uid:gid".
vc::Result<> ParseUser(const std::string& text, vc::Cmd& cmd) {
  const size_t colon = text.find(':');
  auto number = [&](std::string_view s, uint32_t& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty();
  };
  uint32_t uid = 0, gid = 0;
  if (!number(std::string_view(text).substr(0, colon), uid) ||
      (colon != std::string::npos && !number(std::string_view(text).substr(colon + 1), gid)))
    return vc::Fail(vc::ErrorCode::kInvalidArgument, "--user " + text + ": want uid[:gid] (numbers)");
  cmd.uid = uid;
  cmd.gid = colon == std::string::npos ? cmd.gid : gid;
  return {};
}

// The process to run: --process, else the container's own process with the
// command line's args, env, cwd, user and terminal over it (as runc does).
vc::Result<vc::Cmd> CmdFrom(const ExecOptions& o, const Entry& e) {
  if (!o.process_file.empty()) {
    auto text = vc::os::ReadFile(o.process_file);
    if (!text) return std::unexpected(text.error().Wrap("--process"));
    auto process = vc::oci::ParseProcess(*text);
    if (!process) return std::unexpected(process.error().Wrap("--process " + o.process_file));
    return vc::oci::CmdOf(*process);
  }
  if (o.args.empty())
    return vc::Fail(vc::ErrorCode::kInvalidArgument, "exec: a command is needed (or --process FILE)");
  auto spec = vc::oci::LoadBundle(e.bundle);
  if (!spec) return std::unexpected(spec.error());
  vc::Cmd cmd = spec->process ? vc::oci::CmdOf(*spec->process) : vc::Cmd{};
  cmd.args = o.args;
  cmd.terminal = o.tty;
  for (const std::string& kv : o.env) {
    const std::string name = kv.substr(0, kv.find('=') + 1);
    std::erase_if(cmd.env, [&](const std::string& have) { return have.starts_with(name); });
    cmd.env.push_back(kv);
  }
  if (!o.cwd.empty()) cmd.cwd = o.cwd;
  if (!o.user.empty())
    if (auto ok = ParseUser(o.user, cmd); !ok) return std::unexpected(ok.error());
  return cmd;
}

vc::Result<int> Exec(Context& ctx, const ExecOptions& o) {
  auto e = ctx.Find(o.id);
  if (!e) return std::unexpected(e.error());
  auto cmd = CmdFrom(o, *e);
  if (!cmd) return std::unexpected(cmd.error());
  if (cmd->terminal && o.console_socket.empty() && o.detach)
    return vc::Fail(vc::ErrorCode::kInvalidArgument, "a detached exec on a terminal needs --console-socket");
  if (!cmd->terminal && !o.console_socket.empty())
    return vc::Fail(vc::ErrorCode::kInvalidArgument, "--console-socket given, but the process has no terminal");
  if (!o.console_socket.empty())
    if (auto ok = CheckConsoleSocket(o.console_socket); !ok) return std::unexpected(ok.error());
  auto state_root = ctx.StateRoot();
  if (!state_root) return std::unexpected(state_root.error());
  auto monitor = Monitor::Fork({*state_root, e->sandbox_id, e->id, *cmd, o.console_socket, e->netns});
  if (!monitor) return std::unexpected(monitor.error());
  if (auto ok = monitor->Go(); !ok) return std::unexpected(ok.error());
  if (auto ok = WritePidFile(o.pid_file, monitor->pid()); !ok) return std::unexpected(ok.error());
  if (o.detach) {
    monitor->Release();
    return 0;
  }
  monitor->ForwardSignals();
  return monitor->Wait();
}

}  // namespace

void AddExec(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ExecOptions>();
  auto* cmd = app.add_subcommand("exec", "run a further process in a running container");
  cmd->add_option("id", o->id, "container id")->required();
  cmd->add_option("-p,--process", o->process_file, "OCI process JSON file");
  cmd->add_flag("-d,--detach", o->detach, "return once it runs");
  cmd->add_option("--pid-file", o->pid_file, "file to write its monitor's pid to");
  cmd->add_flag("-t,--tty", o->tty, "on a terminal");
  cmd->add_option("--console-socket", o->console_socket, "unix socket to send the pty master to");
  cmd->add_option("-e,--env", o->env, "NAME=value to set (repeatable)")->allow_extra_args(false);
  cmd->add_option("--cwd", o->cwd, "working directory");
  cmd->add_option("-u,--user", o->user, "uid[:gid]");
  cmd->add_option("--preserve-fds")->description("accepted; file descriptors cannot cross into the VM");
  cmd->prefix_command();
  cmd->callback([&ctx, o, cmd] {
    o->args = cmd->remaining();
    auto status = Exec(ctx, *o);
    if (!status) {
      ctx.Fail(status.error());
      return;
    }
    ctx.exit_code = *status;
  });
}

}  // namespace vc::vcrt
