#include "cpus.h"

#include <fcntl.h>

#include <filesystem>

#include "os/error.h"
#include "os/file.h"

namespace vc::agent {

Result<uint32_t> OnlineCpus(const std::string& sysfs_cpus) {
  std::error_code ec;
  uint32_t online = 0;
  for (const auto& entry : std::filesystem::directory_iterator(sysfs_cpus, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 4 || name.rfind("cpu", 0) != 0 ||
        name.find_first_not_of("0123456789", 3) != std::string::npos)
      continue;
    const std::string control = entry.path().string() + "/online";
    // No control file: a CPU that cannot go offline (the boot CPU).
    auto state = os::ReadFile(control);
    if (!state || state->starts_with("1")) {
      ++online;
      continue;
    }
    os::Fd fd(::open(control.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return os::FailErrno("online " + name);
    if (auto up = os::WriteAll(fd.get(), "1"); !up) return std::unexpected(up.error().Wrap("online " + name));
    ++online;
  }
  if (ec) return Fail(ErrorCode::kInternal, "list " + sysfs_cpus + ": " + ec.message());
  return online;
}

}  // namespace vc::agent
