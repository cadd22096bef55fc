// VM templates (Kata's VM factory): a VM booted once to where its agent
// answers, paused, its device state saved to a file and its memory kept in
// another. A sandbox started from the template maps that memory copy-on-write
// and continues from the saved state instead of booting: the guest kernel's
// boot and the agent's start are paid once, and the template's pages are
// shared by every sandbox made from it.
//
// One template per state root, in <state_root>/factory/template:
//   memory         the guest's memory (memory-backend-file)
//   state          QEMU's device state (its migration stream, without RAM)
//   template.json  what it was made for (Key), and the state's size and hash
// It fits a sandbox only if its Key equals the sandbox's: same kernel,
// initramfs and QEMU files (path, size, mtime) and the same VM shape. Such
// sandboxes share their files over virtio-9p: virtiofsd cannot map a VM's
// copy-on-write memory.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "os/fd.h"
#include "vc/result.h"
#include "vc/types.h"

namespace vc::factory {

// The initramfs `config` boots: its own, else initramfs.cpio beside the kernel.
std::string InitrdOf(const HypervisorConfig& config);

// What a template made for `config` must match.
nlohmann::json Key(const HypervisorConfig& config);

std::string TemplateDir(const std::string& state_root);

// Held shared by a restore from its check of the template until QEMU has
// mapped the memory and loaded the state, and exclusive while Init replaces
// the template or Destroy removes it: a restore never pairs one template's
// memory with another's state. A flock on the state root directory itself,
// so it leaves no file behind; released when the object goes.
class TemplateLock {
 public:
  explicit TemplateLock(os::Fd fd) : fd_(std::move(fd)) {}

 private:
  os::Fd fd_;
};
enum class LockMode { kShared, kExclusive };
Result<TemplateLock> LockTemplate(const std::string& state_root, LockMode mode);

// The template's directory if it fits `config`; else why not (kNotFound: none
// made; kFailedPrecondition: made for something else, or damaged).
Result<std::string> Find(const std::string& state_root, const HypervisorConfig& config);

// Boots a VM for `config`, waits for its agent, and saves it as the template,
// replacing any earlier one once the new one is complete.
Result<FactoryStatus> Init(const std::string& state_root, const HypervisorConfig& config,
                           std::chrono::milliseconds agent_timeout);

// The template, and whether it fits `config`.
FactoryStatus Status(const std::string& state_root, const HypervisorConfig& config);

// Removes the template. Sandboxes started from it keep running (their
// mappings hold the memory until they end).
Result<> Destroy(const std::string& state_root);

}  // namespace vc::factory
