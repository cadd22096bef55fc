#include "supervisor/debug_console.h"

#include <filesystem>

#include "protocol/console_frames.h"
#include "os/file.h"

namespace vc::supervisor {

Result<hypervisor::SerialPortDevice> PrepareDebugConsole(const SandboxLayout& layout, HypervisorConfig& hv) {
  const std::string archive =
      (std::filesystem::path(hv.initrd_path).parent_path() / agent::console::kArchiveName).string();
  auto base = os::ReadFile(hv.initrd_path);
  if (!base) return std::unexpected(base.error().Wrap("debug console"));
  auto shell = os::ReadFile(archive);
  if (!shell) return std::unexpected(shell.error().Wrap("debug console (build the guest assets)"));
  // The kernel unpacks concatenated archives in turn; each must begin 4-byte
  // aligned, and zeros between them are skipped.
  std::string joined = std::move(*base);
  joined.resize((joined.size() + 3) / 4 * 4, '\0');
  joined += *shell;
  if (auto r = os::WriteFileAtomic(layout.DebugConsoleInitrd(), joined, 0600); !r) return std::unexpected(r.error());
  hv.initrd_path = layout.DebugConsoleInitrd();
  hv.kernel_params.push_back(agent::console::kKernelParam);
  return hypervisor::SerialPortDevice{"dbgcon", layout.DebugConsoleSocket(), agent::console::kPortName};
}

}  // namespace vc::supervisor
