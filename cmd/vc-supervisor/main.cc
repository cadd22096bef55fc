// vc-supervisor: keeps one sandbox's VM, virtiofsd and agent channel alive
// between library calls. Started by the library (StartSandbox), not by people.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <string>

#include "supervisor/supervisor.h"
#include "vc/vc.h"

int main(int argc, char** argv) {
  CLI::App app{"per-sandbox supervisor of virtcontainers (started by the library)"};
  const vc::BuildInfo build = vc::Build();
  app.set_version_flag("--version", "vc-supervisor version " + build.version + "\ncommit: " + build.commit);
  vc::supervisor::Options options;
  app.add_option("--root", options.state_root, "state root directory")->required();
  app.add_option("--sandbox", options.sandbox_id, "sandbox id")->required();
  app.add_option("--status-fd", options.status_fd, "fd for the one-line JSON start report");
  app.add_option("--guest-log-fd", options.guest_log_fd, "fd that also gets the guest's log lines");
  CLI11_PARSE(app, argc, argv);
  // Leave the process that started us right away, so we are never its child
  // (it reaps our first process); the first status line names our pid.
  // A peer that hung up (the launcher, QEMU's QMP) is an error to report, not our end.
  ::signal(SIGPIPE, SIG_IGN);
  pid_t child = ::fork();
  if (child < 0) return 1;
  if (child > 0) return 0;
  if (options.status_fd >= 0) {
    // Inherited without CLOEXEC; virtiofsd and QEMU must not keep it open,
    // or the library would never see the report end.
    ::fcntl(options.status_fd, F_SETFD, FD_CLOEXEC);
    std::string hello = "{\"pid\":" + std::to_string(::getpid()) + "}\n";
    if (::write(options.status_fd, hello.data(), hello.size()) < 0) return 1;
  }
  if (options.guest_log_fd >= 0) ::fcntl(options.guest_log_fd, F_SETFD, FD_CLOEXEC);
  return vc::supervisor::Run(options);
}
