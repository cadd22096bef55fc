#include "factory/template.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "agent/agent.h"
#include "protocol/agent.h"
#include "hypervisor/hypervisor.h"
#include "os/error.h"
#include "os/file.h"
#include "os/log.h"
#include "os/process.h"

namespace vc::factory {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kMeta = "template.json";

// A file as the template knows it: a change of any of these invalidates it.
nlohmann::json FileIdentity(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return {{"path", path}, {"missing", true}};
  return {{"path", path}, {"size", st.st_size}, {"mtime", st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec}};
}

// FNV-1a over the file: finds a truncated or altered state file (not an attack).
Result<std::string> Digest(const std::string& path) {
  auto data = os::ReadFile(path);
  if (!data) return std::unexpected(data.error());
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : *data) h = (h ^ c) * 0x100000001b3ULL;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return std::string(out);
}

// Which part of two keys differs, in words.
std::string Difference(const nlohmann::json& made, const nlohmann::json& wanted) {
  for (const char* file : {"kernel", "initrd", "qemu"})
    if (made.value(file, nlohmann::json()) != wanted.value(file, nlohmann::json()))
      return std::string("the ") + (std::string(file) == "qemu" ? "QEMU binary" : std::string("guest ") + file) +
             " changed since it was made (" + made.value(file, nlohmann::json()).value("path", std::string()) + ")";
  for (const auto& [name, value] : wanted.items())
    if (made.value(name, nlohmann::json()) != value)
      return "it was made for " + name + " = " + made.value(name, nlohmann::json()).dump() + ", not " + value.dump();
  return "";
}

Result<nlohmann::json> ReadMeta(const std::string& dir) {
  auto text = os::ReadFile(dir + "/" + kMeta);
  if (!text) return std::unexpected(text.error());
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return Fail(ErrorCode::kFailedPrecondition, dir + "/" + kMeta + " is damaged: " + e.what());
  }
}

// Everything but the key: the files are whole.
Result<> CheckFiles(const std::string& dir, const nlohmann::json& meta) {
  struct stat st {};
  const std::string memory = dir + "/memory";
  const uint64_t want = static_cast<uint64_t>(meta.value("memory_mib", 0u)) << 20;
  if (::stat(memory.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) != want)
    return Fail(ErrorCode::kFailedPrecondition, "its memory file " + memory + " is missing or not " +
                                                    std::to_string(want >> 20) + " MiB");
  auto digest = Digest(dir + "/state");
  if (!digest || *digest != meta.value("state_digest", std::string()))
    return Fail(ErrorCode::kFailedPrecondition, "its state file " + dir + "/state is missing or damaged");
  return {};
}

Result<std::string> FindIn(const std::string& dir, const HypervisorConfig& config) {
  if (!os::Exists(dir + "/" + kMeta))
    return Fail(ErrorCode::kNotFound, "no VM template in " + dir + " (virtc factory init makes one)");
  auto meta = ReadMeta(dir);
  if (!meta) return std::unexpected(meta.error().Wrap("VM template"));
  if (std::string why = Difference(meta->value("key", nlohmann::json::object()), Key(config)); !why.empty())
    return Fail(ErrorCode::kFailedPrecondition, "the VM template in " + dir + " is stale: " + why);
  if (auto ok = CheckFiles(dir, *meta); !ok) return std::unexpected(ok.error().Wrap("the VM template in " + dir));
  return dir;
}

}  // namespace

std::string InitrdOf(const HypervisorConfig& c) {
  if (!c.initrd_path.empty()) return c.initrd_path;
  return (fs::path(c.kernel_path).parent_path() / "initramfs.cpio").string();
}

nlohmann::json Key(const HypervisorConfig& c) {
  const std::string qemu = os::FindProgram(c.binary_path.empty() ? "qemu-system-x86_64" : c.binary_path);
  return {{"kernel", FileIdentity(c.kernel_path)}, {"initrd", FileIdentity(InitrdOf(c))},
          {"qemu", FileIdentity(qemu)},           {"kernel_params", c.kernel_params},
          {"vcpus", c.vcpus},                     {"memory_mib", c.memory_mib},
          {"max_vcpus", c.max_vcpus},             {"max_memory_mib", c.max_memory_mib},
          {"memory_slots", c.memory_slots},       {"pcie_root_ports", c.pcie_root_ports},
          {"tcg_cache_mib", c.tcg_cache_mib},     {"accel", c.accel},
          {"shared_fs", c.shared_fs},             {"machine_type", c.machine_type}};
}

std::string TemplateDir(const std::string& state_root) { return state_root + "/factory/template"; }

Result<TemplateLock> LockTemplate(const std::string& state_root, LockMode mode) {
  os::Fd fd(::open(state_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return os::FailErrno("open " + state_root);
  while (::flock(fd.get(), mode == LockMode::kShared ? LOCK_SH : LOCK_EX) != 0)
    if (errno != EINTR) return os::FailErrno("lock the VM template in " + state_root);
  return TemplateLock(std::move(fd));
}

Result<std::string> Find(const std::string& state_root, const HypervisorConfig& config) {
  // A template.json of the wrong shape is damage, not a reason to throw.
  try {
    return FindIn(TemplateDir(state_root), config);
  } catch (const nlohmann::json::exception& e) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the VM template in " + TemplateDir(state_root) + " is damaged: " + e.what());
  }
}

Result<FactoryStatus> Init(const std::string& state_root, const HypervisorConfig& asked,
                           std::chrono::milliseconds agent_timeout) {
  HypervisorConfig config = asked;
  config.initrd_path = InitrdOf(asked);
  if (config.shared_fs != "virtio-9p")
    return Fail(ErrorCode::kInvalidArgument,
                "a VM template needs shared_fs = \"virtio-9p\" (virtiofsd cannot map a restored VM's "
                "copy-on-write memory), not " + config.shared_fs);
  if (config.machine_type != "q35")
    return Fail(ErrorCode::kInvalidArgument,
                "a VM template needs machine_type = \"q35\" (a restored VM gets its NICs "
                "by hot-plug, which " + config.machine_type + " lacks)");
  const std::string dir = TemplateDir(state_root);
  const std::string work = dir + ".new";
  std::error_code ec;
  fs::remove_all(work, ec);
  auto hv = hypervisor::New("qemu");
  if (!hv) return std::unexpected(hv.error());
  auto& vm = **hv;
  auto fail = [&](const Error& e) -> Result<FactoryStatus> {
    (void)vm.Stop(0ms);
    fs::remove_all(work, ec);
    return std::unexpected(e);
  };
  if (auto r = os::MakeDirs(work + "/share", 0700); !r) return fail(r.error());
  // The devices every sandbox from it has from the start; the rest (NICs) is hot-plugged.
  for (const hypervisor::Device& d :
       {hypervisor::Device(hypervisor::ConsoleDevice{"console", work + "/console.log"}),
        hypervisor::Device(hypervisor::Share9pDevice{"p9", work + "/share", agent::kShareTag}),
        hypervisor::Device(hypervisor::SerialPortDevice{"agent", work + "/agent.sock", agent::kSerialPortName})})
    if (auto r = vm.AddDevice(d); !r) return fail(r.error());
  hypervisor::VmSpec spec{"factory", config, work + "/qmp.sock", work + "/qemu.log",
                          hypervisor::MemoryFile{work + "/memory", false}, ""};
  if (auto r = vm.Start(spec); !r) return fail(r.error().Wrap("boot the template VM"));
  std::string kernel;
  {
    auto agent = agent::ConnectAgent(work + "/agent.sock");
    if (!agent) return fail(agent.error().Wrap("reach the template VM's agent"));
    // Sent at once; answered once the agent opens its port.
    auto info = (*agent)->Check(agent_timeout);
    if (!info) return fail(info.error().Wrap("the template VM's agent"));
    kernel = info->kernel_release;
  }
  // The agent reopens its port after the host side closed it; the template
  // is saved with it waiting there for the next connection.
  std::this_thread::sleep_for(200ms);
  if (auto r = vm.SaveState(work + "/state"); !r) return fail(r.error().Wrap("save the template VM"));
  (void)vm.Stop(2s);
  auto digest = Digest(work + "/state");
  if (!digest) return fail(digest.error());
  nlohmann::json meta = {{"key", Key(config)},         {"memory_mib", config.memory_mib},
                         {"vcpus", config.vcpus},      {"guest_kernel", kernel},
                         {"state_digest", *digest}};
  if (auto r = os::WriteFileAtomic(work + "/" + kMeta, meta.dump(2) + "\n", 0600); !r) return fail(r.error());
  for (const char* gone : {"agent.sock", "qmp.sock"}) ::unlink((work + "/" + gone).c_str());
  // The earlier template goes aside first, so a failed rename keeps it.
  auto lock = LockTemplate(state_root, LockMode::kExclusive);
  if (!lock) return fail(lock.error());
  const std::string old = dir + ".old";
  fs::remove_all(old, ec);
  if (os::Exists(dir) && ::rename(dir.c_str(), old.c_str()) != 0)
    return fail(Error{ErrorCode::kInternal, "move the earlier template " + dir + " aside"});
  if (::rename(work.c_str(), dir.c_str()) != 0) {
    (void)::rename(old.c_str(), dir.c_str());
    return fail(Error{ErrorCode::kInternal, "rename " + work + " to " + dir});
  }
  fs::remove_all(old, ec);
  return Status(state_root, config);
}

FactoryStatus Status(const std::string& state_root, const HypervisorConfig& config) {
  FactoryStatus s;
  s.path = TemplateDir(state_root);
  auto meta = ReadMeta(s.path);
  s.exists = os::Exists(s.path + "/" + kMeta);
  if (meta && meta->is_object()) try {
    s.guest_kernel = meta->value("guest_kernel", std::string());
    s.kernel_path = meta->value("key", nlohmann::json::object()).value("kernel", nlohmann::json::object())
                        .value("path", std::string());
    s.vcpus = meta->value("vcpus", 0u);
    s.memory_mib = meta->value("memory_mib", 0u);
    struct stat st {};
    if (::stat((s.path + "/memory").c_str(), &st) == 0) s.memory_bytes = static_cast<uint64_t>(st.st_blocks) * 512;
  } catch (const nlohmann::json::exception&) {
    // Reported by Find below.
  }
  auto found = Find(state_root, config);
  s.fits = found.has_value();
  if (!found) s.reason = found.error().message;
  return s;
}

Result<> Destroy(const std::string& state_root) {
  std::error_code ec;
  if (!os::Exists(state_root)) return {};
  auto lock = LockTemplate(state_root, LockMode::kExclusive);
  if (!lock) return std::unexpected(lock.error());
  const std::string dir = TemplateDir(state_root);
  for (const auto& path : {dir, dir + ".new", dir + ".old"}) {
    fs::remove_all(path, ec);
    if (ec) return Fail(ErrorCode::kInternal, "remove " + path + ": " + ec.message());
  }
  ::rmdir((state_root + "/factory").c_str());
  return {};
}

}  // namespace vc::factory
