#include "hypervisor/qemu/accel.h"

#include <fcntl.h>
#include <unistd.h>

#include <x86intrin.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "os/file.h"

namespace vc::hypervisor::qemu {

Result<AccelChoice> ExplainAccel(const std::string& requested, const std::string& kvm_device,
                                 const std::string& modules_dir) {
  const std::string tcg_note = ": QEMU emulates the guest's CPU (TCG), slower than KVM";
  if (requested == "tcg") return AccelChoice{"tcg", "accel tcg configured" + tcg_note};
  if (requested != "auto" && requested != "kvm")
    return Fail(ErrorCode::kInvalidArgument,
                "unknown accelerator '" + requested + "' (use auto, kvm or tcg)");
  if (os::Exists(modules_dir + "/kvm_pvm")) {
    if (requested == "auto")
      return AccelChoice{"tcg", kvm_device + " is PVM (module kvm_pvm), which runs only PVM guest kernels" +
                                    tcg_note};
    return Fail(ErrorCode::kUnavailable,
                "KVM requested but this host's KVM is PVM (module kvm_pvm), which runs only PVM guest "
                "kernels: use accel tcg");
  }
  int fd = ::open(kvm_device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return AccelChoice{"kvm", kvm_device + " is usable"};
  }
  const int err = errno;
  if (requested == "auto")
    return AccelChoice{"tcg", kvm_device + ": " + std::strerror(err) +
                                  (err == ENOENT ? " (no KVM: no hardware virtualization, or the kvm module "
                                                   "is not loaded)"
                                                 : "") +
                                  tcg_note};
  return Fail(ErrorCode::kUnavailable, "KVM requested but " + kvm_device +
                                           " is not usable: " + std::strerror(err));
}

Result<std::string> ChooseAccel(const std::string& requested, const std::string& kvm_device,
                                const std::string& modules_dir) {
  auto choice = ExplainAccel(requested, kvm_device, modules_dir);
  if (!choice) return std::unexpected(choice.error());
  return choice->accel;
}

uint32_t HostTscKhz() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  bool constant = false;
  while (!constant && std::getline(cpuinfo, line))
    constant = line.starts_with("flags") && line.find(" constant_tsc") != std::string::npos;
  if (!constant) return 0;
  using Clock = std::chrono::steady_clock;
  // The shortest of three 4 ms windows: a preemption between the two reads of
  // a window only lengthens it.
  double best_khz = 0;
  std::chrono::nanoseconds best_span = std::chrono::nanoseconds::max();
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    const uint64_t c0 = __rdtsc();
    std::this_thread::sleep_for(std::chrono::milliseconds(4));
    const uint64_t c1 = __rdtsc();
    const auto t1 = Clock::now();
    const auto span = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0);
    if (span.count() <= 0 || span >= best_span) continue;
    best_span = span;
    best_khz = static_cast<double>(c1 - c0) * 1e6 / static_cast<double>(span.count());
  }
  return static_cast<uint32_t>(best_khz + 0.5);
}

}  // namespace vc::hypervisor::qemu
