#include "oci/validate.h"

#include <sys/capability.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <set>
#include <utility>

namespace vc::oci {

namespace {

std::unexpected<Error> Invalid(const std::string& message) { return Fail(ErrorCode::kInvalidArgument, message); }

bool Under(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

// Binds over files in /proc that tools like lxcfs provide; anything else in
// /proc would let a mount hide what the kernel reports.
bool AllowedProcBind(const std::string& destination) {
  static const std::set<std::string> files = {
      "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",  "/proc/stat",     "/proc/swaps",
      "/proc/uptime",  "/proc/loadavg",   "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid"};
  return files.contains(destination);
}

Result<> ValidateMount(const Mount& m, size_t index) {
  const std::string what = "mounts[" + std::to_string(index) + "] (" + m.destination + ")";
  if (m.destination.empty() || m.destination[0] != '/')
    return Invalid(what + ": the destination must be an absolute path");
  if (Under(m.destination, "/proc")) {
    if (m.destination == "/proc" && m.type != "proc")
      return Invalid(what + ": only a proc file system may be mounted on /proc, not " +
                     (IsBind(m) ? std::string("a bind mount") : "type '" + m.type + "'"));
    if (m.destination != "/proc" && !(IsBind(m) && AllowedProcBind(m.destination)))
      return Invalid(what + ": mounts inside /proc are limited to binds over the files lxcfs provides");
  }
  if (IsBind(m) && (m.source.empty() || m.source[0] != '/'))
    return Invalid(what + ": the source of a bind mount must be an absolute host path, not '" + m.source + "'");
  if (!IsBind(m) && m.type.empty()) return Invalid(what + ": a type is required unless it is a bind mount");
  return {};
}

Result<> ValidateDevice(const Device& d) {
  const std::string what = "linux.devices " + d.path;
  if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p")
    return Invalid(what + ": type '" + d.type + "' is not one of c, b, u, p");
  if (!Under(d.path, "/dev") || d.path == "/dev" || d.path.find("/../") != std::string::npos)
    return Invalid(what + ": the path must be under /dev");
  if (d.type != "p" && (d.major < 0 || d.minor < 0))
    return Invalid(what + ": a " + d.type + " device needs its major and minor numbers");
  return {};
}

}  // namespace

bool AllowsAllDevices(const Linux& linux) {
  if (!linux.resources) return false;
  bool all = false;
  for (const auto& rule : linux.resources->devices) {
    if (!rule.allow) {
      all = false;
      continue;
    }
    const bool wildcard = (rule.type.empty() || rule.type == "a") && !rule.major && !rule.minor;
    const bool rwm = rule.access.find('r') != std::string::npos && rule.access.find('w') != std::string::npos &&
                     rule.access.find('m') != std::string::npos;
    if (wildcard && rwm) all = true;
  }
  return all;
}

const Namespace* FindNamespace(const Linux& linux, const std::string& type) {
  auto it = std::find_if(linux.namespaces.begin(), linux.namespaces.end(),
                         [&](const Namespace& n) { return n.type == type; });
  return it == linux.namespaces.end() ? nullptr : &*it;
}

Result<int> RlimitResource(const std::string& name) {
  static const std::array<std::pair<const char*, int>, 16> table{{
      {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
      {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
      {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK}}};
  for (const auto& [n, resource] : table)
    if (name == n) return resource;
  return Fail(ErrorCode::kInvalidArgument, "unknown rlimit type '" + name + "'");
}

Result<int> CapabilityNumber(const std::string& name) {
  cap_value_t value;
  // libcap also takes bare numbers and lower case; the spec names them CAP_*.
  if (name.rfind("CAP_", 0) != 0 || cap_from_name(name.c_str(), &value) != 0)
    return Fail(ErrorCode::kInvalidArgument, "unknown capability '" + name + "'");
  return static_cast<int>(value);
}

Result<std::string> SysctlNamespace(const std::string& key) {
  std::string k = key;
  std::replace(k.begin(), k.end(), '/', '.');
  static const std::set<std::string> ipc = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                            "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                                            "kernel.shmmni", "kernel.shm_rmid_forced"};
  if (ipc.contains(k) || k.rfind("fs.mqueue.", 0) == 0) return std::string("ipc");
  if (k == "kernel.hostname" || k == "kernel.domainname") return std::string("uts");
  if (k.rfind("net.", 0) == 0) return std::string("net");
  return Fail(ErrorCode::kInvalidArgument,
              "sysctl '" + key + "' is not namespaced: it would change the whole guest, not the container");
}

Result<> ValidateProcess(const Process& p) {
  if (p.capabilities) {
    const Capabilities& c = *p.capabilities;
    for (const auto* set : {&c.bounding, &c.effective, &c.inheritable, &c.permitted, &c.ambient})
      for (const auto& name : *set)
        if (auto n = CapabilityNumber(name); !n) return std::unexpected(n.error().Wrap("process.capabilities"));
  }
  for (const auto& r : p.rlimits) {
    if (auto n = RlimitResource(r.type); !n) return std::unexpected(n.error().Wrap("process.rlimits"));
    if (r.soft > r.hard)
      return Invalid("process.rlimits: " + r.type + ": the soft limit is above the hard one");
  }
  if (p.oom_score_adj && (*p.oom_score_adj < -1000 || *p.oom_score_adj > 1000))
    return Invalid("process.oomScoreAdj must be within -1000..1000");
  if (p.user.umask && *p.user.umask > 0777) return Invalid("process.user.umask must be within 0..0777");
  return {};
}

Result<> Validate(const Spec& spec) {
  if (spec.process)
    if (auto ok = ValidateProcess(*spec.process); !ok) return ok;
  for (size_t i = 0; i < spec.mounts.size(); ++i)
    if (auto ok = ValidateMount(spec.mounts[i], i); !ok) return ok;
  const Linux& linux = spec.linux;
  static const std::set<std::string> kinds = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"};
  std::set<std::string> seen;
  for (const auto& n : linux.namespaces) {
    if (!kinds.contains(n.type)) return Invalid("linux.namespaces: unknown type '" + n.type + "'");
    if (!seen.insert(n.type).second) return Invalid("linux.namespaces: '" + n.type + "' is listed twice");
  }
  const Namespace* userns = FindNamespace(linux, "user");
  if (!userns && (!linux.uid_mappings.empty() || !linux.gid_mappings.empty()))
    return Invalid("linux.uidMappings/gidMappings need a user namespace in linux.namespaces");
  if (userns && userns->path.empty() && (linux.uid_mappings.empty() || linux.gid_mappings.empty()))
    return Invalid("a new user namespace needs linux.uidMappings and linux.gidMappings");
  for (const auto& d : linux.devices)
    if (auto ok = ValidateDevice(d); !ok) return ok;
  if (!linux.personality.empty() && linux.personality != "LINUX" && linux.personality != "LINUX32")
    return Invalid("linux.personality: unknown domain '" + linux.personality + "' (LINUX or LINUX32)");
  for (const auto& [clock, offset] : linux.time_offsets)
    if (clock != "monotonic" && clock != "boottime")
      return Invalid("linux.timeOffsets: unknown clock '" + clock + "' (monotonic or boottime)");
  if (!linux.time_offsets.empty() && !FindNamespace(linux, "time"))
    return Invalid("linux.timeOffsets need a time namespace in linux.namespaces");
  for (const auto& [key, value] : linux.sysctl) {
    auto ns = SysctlNamespace(key);
    if (!ns) return std::unexpected(ns.error().Wrap("linux.sysctl"));
    // The guest's network belongs to the pod; IPC and UTS need the container's own.
    const std::string type = *ns == "net" ? "" : *ns;
    if (!type.empty()) {
      const Namespace* own = FindNamespace(linux, type);
      if (!own || !own->path.empty())
        return Invalid("linux.sysctl: '" + key + "' needs a new " + type + " namespace in linux.namespaces");
    }
  }
  static const std::set<std::string> propagations = {"",      "private", "rprivate", "shared",
                                                     "rshared", "slave",  "rslave",   "unbindable",
                                                     "runbindable"};
  if (!propagations.contains(linux.rootfs_propagation))
    return Invalid("linux.rootfsPropagation: unknown value '" + linux.rootfs_propagation + "'");
  for (const auto* hooks : {&spec.hooks.prestart, &spec.hooks.create_runtime, &spec.hooks.create_container,
                            &spec.hooks.start_container, &spec.hooks.poststart, &spec.hooks.poststop})
    for (const auto& h : *hooks) {
      if (h.path.empty() || h.path[0] != '/') return Invalid("hooks: the path '" + h.path + "' must be absolute");
      if (h.timeout && *h.timeout <= 0) return Invalid("hooks: " + h.path + ": the timeout must be positive");
    }
  return {};
}

}  // namespace vc::oci
