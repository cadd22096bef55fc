#include "hypervisor/qemu/snapshot.h"

#include <thread>

namespace vc::hypervisor::qemu {

namespace {

using namespace std::chrono_literals;

Result<> IgnoreSharedMemory(QmpClient& qmp) {
  nlohmann::json caps = {{"capabilities", {{{"capability", "x-ignore-shared"}, {"state", true}}}}};
  if (auto r = qmp.Execute("migrate-set-capabilities", caps); !r) return std::unexpected(r.error());
  return {};
}

constexpr const char* kStateFd = "vcstate";

Result<> PassStateFd(QmpClient& qmp, int fd) {
  if (auto r = qmp.ExecuteWithFd("getfd", {{"fdname", kStateFd}}, fd); !r)
    return std::unexpected(r.error().Wrap("pass the state file to QEMU"));
  return {};
}

}  // namespace

Result<> SaveVmState(QmpClient& qmp, int fd, std::chrono::milliseconds timeout) {
  if (auto r = qmp.Execute("stop"); !r) return std::unexpected(r.error());
  if (auto r = IgnoreSharedMemory(qmp); !r) return r;
  if (auto r = PassStateFd(qmp, fd); !r) return r;
  if (auto r = qmp.Execute("migrate", {{"uri", std::string("fd:") + kStateFd}}); !r)
    return std::unexpected(r.error().Wrap("save the VM state"));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto info = qmp.Execute("query-migrate");
    if (!info) return std::unexpected(info.error());
    const std::string status = QmpString(*info, "status");
    if (status == "completed") return {};
    if (status == "failed" || status == "cancelled")
      return Fail(ErrorCode::kInternal, "saving the VM state " + status + ": " +
                                            QmpString(*info, "error-desc", "no reason given"));
    if (std::chrono::steady_clock::now() > deadline)
      return Fail(ErrorCode::kDeadlineExceeded, "saving the VM state did not complete (status " + status + ")");
    std::this_thread::sleep_for(5ms);
  }
}

Result<> LoadVmState(QmpClient& qmp, int fd, std::chrono::milliseconds timeout) {
  if (auto r = IgnoreSharedMemory(qmp); !r) return r;
  if (auto r = PassStateFd(qmp, fd); !r) return r;
  if (auto r = qmp.Execute("migrate-incoming", {{"uri", std::string("fd:") + kStateFd}}); !r)
    return std::unexpected(r.error().Wrap("load the VM state"));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto status = qmp.Execute("query-status");
    if (!status) return std::unexpected(status.error().Wrap("load the VM state"));
    const std::string state = QmpString(*status, "status");
    if (state == "running") return {};
    // The template was saved stopped, and so it arrives.
    if (state == "paused" || state == "postmigrate") {
      if (auto r = qmp.Execute("cont"); !r) return std::unexpected(r.error());
      return {};
    }
    if (state != "inmigrate")
      return Fail(ErrorCode::kInternal, "loading the VM state left it " + state);
    if (std::chrono::steady_clock::now() > deadline)
      return Fail(ErrorCode::kDeadlineExceeded, "loading the VM state did not complete");
    std::this_thread::sleep_for(2ms);
  }
}

}  // namespace vc::hypervisor::qemu
