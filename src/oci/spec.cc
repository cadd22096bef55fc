// Each type of the OCI model has one reader and one writer here; a writer
// emits null for what is unset, so that the merge in ToJson(Spec)
// (document.cc) removes it from the document.
#include "oci/spec.h"

#include <algorithm>

namespace vc::oci {

namespace {

using nlohmann::json;

// --- helpers ----------------------------------------------------------------

template <typename T>
void Read(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}
template <typename T>
void Read(const json& j, const char* key, std::optional<T>& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}
const json& Object(const json& j, const char* key) {
  static const json empty = json::object();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return empty;
  if (!it->is_object()) throw FieldError(std::string(key) + " must be an object");
  return *it;
}

template <typename T>
json OrNull(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
json OrNull(const std::string& v) { return v.empty() ? json(nullptr) : json(v); }
template <typename T>
json OrNull(const std::vector<T>& v) {
  return v.empty() ? json(nullptr) : json(v);
}

}  // namespace

// --- per type: from_json / to_json (found by nlohmann through ADL) ----------

void from_json(const json& j, User& u) {
  Read(j, "uid", u.uid);
  Read(j, "gid", u.gid);
  Read(j, "umask", u.umask);
  Read(j, "additionalGids", u.additional_gids);
}
void to_json(json& j, const User& u) {
  j = {{"uid", u.uid}, {"gid", u.gid}, {"umask", OrNull(u.umask)},
       {"additionalGids", OrNull(u.additional_gids)}};
}

void from_json(const json& j, Capabilities& c) {
  Read(j, "bounding", c.bounding);
  Read(j, "effective", c.effective);
  Read(j, "inheritable", c.inheritable);
  Read(j, "permitted", c.permitted);
  Read(j, "ambient", c.ambient);
}
void to_json(json& j, const Capabilities& c) {
  // An empty set and an absent one both mean none.
  j = {{"bounding", OrNull(c.bounding)}, {"effective", OrNull(c.effective)},
       {"inheritable", OrNull(c.inheritable)}, {"permitted", OrNull(c.permitted)},
       {"ambient", OrNull(c.ambient)}};
}

void from_json(const json& j, Rlimit& r) {
  r.type = j.at("type").get<std::string>();
  r.hard = j.at("hard").get<uint64_t>();
  r.soft = j.at("soft").get<uint64_t>();
}
void to_json(json& j, const Rlimit& r) { j = {{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}}; }

void from_json(const json& j, ConsoleSize& c) {
  Read(j, "height", c.height);
  Read(j, "width", c.width);
}
void to_json(json& j, const ConsoleSize& c) { j = {{"height", c.height}, {"width", c.width}}; }

void from_json(const json& j, Process& p) {
  if (!j.is_object()) throw FieldError("process must be an object");
  auto args = j.find("args");
  if (args == j.end() || !args->is_array()) throw FieldError("process.args must be an array of strings");
  if (args->empty()) throw FieldError("process.args is empty");
  p.args = args->get<std::vector<std::string>>();
  Read(j, "terminal", p.terminal);
  Read(j, "consoleSize", p.console_size);
  Read(j, "user", p.user);
  Read(j, "env", p.env);
  Read(j, "cwd", p.cwd);
  Read(j, "capabilities", p.capabilities);
  Read(j, "rlimits", p.rlimits);
  Read(j, "noNewPrivileges", p.no_new_privileges);
  Read(j, "oomScoreAdj", p.oom_score_adj);
  if (p.cwd.empty() || p.cwd[0] != '/') throw FieldError("process.cwd must be an absolute path");
}
void to_json(json& j, const Process& p) {
  j = {{"terminal", p.terminal ? json(true) : json(nullptr)},
       {"consoleSize", OrNull(p.console_size)},
       {"user", p.user},
       {"args", p.args},
       {"env", OrNull(p.env)},
       {"cwd", p.cwd},
       {"capabilities", OrNull(p.capabilities)},
       {"rlimits", OrNull(p.rlimits)},
       {"noNewPrivileges", p.no_new_privileges ? json(true) : json(nullptr)},
       {"oomScoreAdj", OrNull(p.oom_score_adj)}};
}

void from_json(const json& j, Mount& m) {
  m.destination = j.at("destination").get<std::string>();
  Read(j, "type", m.type);
  Read(j, "source", m.source);
  Read(j, "options", m.options);
}
void to_json(json& j, const Mount& m) {
  j = {{"destination", m.destination}};
  if (!m.type.empty()) j["type"] = m.type;
  if (!m.source.empty()) j["source"] = m.source;
  if (!m.options.empty()) j["options"] = m.options;
}

void from_json(const json& j, Hook& h) {
  h.path = j.at("path").get<std::string>();
  Read(j, "args", h.args);
  Read(j, "env", h.env);
  Read(j, "timeout", h.timeout);
}
void to_json(json& j, const Hook& h) {
  j = {{"path", h.path}};
  if (!h.args.empty()) j["args"] = h.args;
  if (!h.env.empty()) j["env"] = h.env;
  if (h.timeout) j["timeout"] = *h.timeout;
}

void from_json(const json& j, Hooks& h) {
  Read(j, "prestart", h.prestart);
  Read(j, "createRuntime", h.create_runtime);
  Read(j, "createContainer", h.create_container);
  Read(j, "startContainer", h.start_container);
  Read(j, "poststart", h.poststart);
  Read(j, "poststop", h.poststop);
}
void to_json(json& j, const Hooks& h) {
  j = {{"prestart", OrNull(h.prestart)},
       {"createRuntime", OrNull(h.create_runtime)},
       {"createContainer", OrNull(h.create_container)},
       {"startContainer", OrNull(h.start_container)},
       {"poststart", OrNull(h.poststart)},
       {"poststop", OrNull(h.poststop)}};
}

void from_json(const json& j, Namespace& n) {
  n.type = j.at("type").get<std::string>();
  Read(j, "path", n.path);
}
void to_json(json& j, const Namespace& n) {
  j = {{"type", n.type}};
  if (!n.path.empty()) j["path"] = n.path;
}

void from_json(const json& j, IdMapping& m) {
  m.container_id = j.at("containerID").get<uint32_t>();
  m.host_id = j.at("hostID").get<uint32_t>();
  m.size = j.at("size").get<uint32_t>();
}
void to_json(json& j, const IdMapping& m) {
  j = {{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}};
}

void from_json(const json& j, Device& d) {
  d.type = j.at("type").get<std::string>();
  d.path = j.at("path").get<std::string>();
  Read(j, "major", d.major);
  Read(j, "minor", d.minor);
  Read(j, "fileMode", d.file_mode);
  Read(j, "uid", d.uid);
  Read(j, "gid", d.gid);
}
void to_json(json& j, const Device& d) {
  j = {{"type", d.type}, {"path", d.path}, {"major", d.major}, {"minor", d.minor}};
  if (d.file_mode) j["fileMode"] = *d.file_mode;
  if (d.uid) j["uid"] = *d.uid;
  if (d.gid) j["gid"] = *d.gid;
}

void from_json(const json& j, DeviceRule& d) {
  d.allow = j.at("allow").get<bool>();
  Read(j, "type", d.type);
  Read(j, "major", d.major);
  Read(j, "minor", d.minor);
  Read(j, "access", d.access);
}
void to_json(json& j, const DeviceRule& d) {
  j = {{"allow", d.allow}};
  if (!d.type.empty()) j["type"] = d.type;
  if (d.major) j["major"] = *d.major;
  if (d.minor) j["minor"] = *d.minor;
  if (!d.access.empty()) j["access"] = d.access;
}

void from_json(const json& j, Resources& r) {
  if (!j.is_object()) throw FieldError("resources must be an object");
  const json& memory = Object(j, "memory");
  Read(memory, "limit", r.memory_limit);
  Read(memory, "reservation", r.memory_reservation);
  Read(memory, "swap", r.memory_swap);
  const json& cpu = Object(j, "cpu");
  Read(cpu, "shares", r.cpu_shares);
  Read(cpu, "quota", r.cpu_quota);
  Read(cpu, "period", r.cpu_period);
  Read(cpu, "cpus", r.cpu_cpus);
  Read(cpu, "mems", r.cpu_mems);
  Read(Object(j, "pids"), "limit", r.pids_limit);
  Read(Object(j, "blockIO"), "weight", r.blkio_weight);
  if (auto it = j.find("hugepageLimits"); it != j.end() && it->is_array())
    for (const auto& h : *it) r.hugepage_limits[h.at("pageSize").get<std::string>()] = h.at("limit").get<uint64_t>();
  Read(j, "unified", r.unified);
  Read(j, "devices", r.devices);
}
void to_json(json& j, const Resources& r) {
  j = {{"memory", {{"limit", OrNull(r.memory_limit)},
                   {"reservation", OrNull(r.memory_reservation)},
                   {"swap", OrNull(r.memory_swap)}}},
       {"cpu", {{"shares", OrNull(r.cpu_shares)},
                {"quota", OrNull(r.cpu_quota)},
                {"period", OrNull(r.cpu_period)},
                {"cpus", OrNull(r.cpu_cpus)},
                {"mems", OrNull(r.cpu_mems)}}},
       {"pids", {{"limit", OrNull(r.pids_limit)}}},
       {"devices", OrNull(r.devices)}};
  json huge = json::array();
  for (const auto& [size, limit] : r.hugepage_limits) huge.push_back({{"pageSize", size}, {"limit", limit}});
  j["hugepageLimits"] = huge.empty() ? json(nullptr) : huge;
  j["unified"] = r.unified.empty() ? json(nullptr) : json(r.unified);
  // Written only when set: the merge keeps the document's other blockIO fields.
  if (r.blkio_weight) j["blockIO"] = {{"weight", *r.blkio_weight}};
}

void from_json(const json& j, SeccompArg& a) {
  a.index = j.at("index").get<uint32_t>();
  Read(j, "value", a.value);
  Read(j, "valueTwo", a.value_two);
  a.op = j.at("op").get<std::string>();
}
void to_json(json& j, const SeccompArg& a) {
  j = {{"index", a.index}, {"value", a.value}, {"valueTwo", a.value_two}, {"op", a.op}};
}

void from_json(const json& j, SeccompRule& r) {
  r.names = j.at("names").get<std::vector<std::string>>();
  r.action = j.at("action").get<std::string>();
  Read(j, "errnoRet", r.errno_ret);
  Read(j, "args", r.args);
}
void to_json(json& j, const SeccompRule& r) {
  j = {{"names", r.names}, {"action", r.action}};
  if (r.errno_ret) j["errnoRet"] = *r.errno_ret;
  if (!r.args.empty()) j["args"] = r.args;
}

void from_json(const json& j, Seccomp& s) {
  s.default_action = j.at("defaultAction").get<std::string>();
  Read(j, "defaultErrnoRet", s.default_errno_ret);
  Read(j, "architectures", s.architectures);
  Read(j, "flags", s.flags);
  Read(j, "syscalls", s.syscalls);
}
void to_json(json& j, const Seccomp& s) {
  j = {{"defaultAction", s.default_action},
       {"defaultErrnoRet", OrNull(s.default_errno_ret)},
       {"architectures", OrNull(s.architectures)},
       {"flags", OrNull(s.flags)},
       {"syscalls", OrNull(s.syscalls)}};
}

void from_json(const json& j, Linux& l) {
  Read(j, "namespaces", l.namespaces);
  Read(j, "uidMappings", l.uid_mappings);
  Read(j, "gidMappings", l.gid_mappings);
  Read(j, "devices", l.devices);
  Read(j, "resources", l.resources);
  Read(j, "cgroupsPath", l.cgroups_path);
  Read(j, "sysctl", l.sysctl);
  Read(j, "seccomp", l.seccomp);
  Read(j, "maskedPaths", l.masked_paths);
  Read(j, "readonlyPaths", l.readonly_paths);
  Read(j, "rootfsPropagation", l.rootfs_propagation);
  Read(Object(j, "personality"), "domain", l.personality);
  if (auto it = j.find("timeOffsets"); it != j.end() && it->is_object())
    for (const auto& [clock, offset] : it->items()) {
      TimeOffset o;
      Read(offset, "secs", o.secs);
      Read(offset, "nanosecs", o.nanosecs);
      l.time_offsets[clock] = o;
    }
}
void to_json(json& j, const Linux& l) {
  j = {{"namespaces", OrNull(l.namespaces)},
       {"uidMappings", OrNull(l.uid_mappings)},
       {"gidMappings", OrNull(l.gid_mappings)},
       {"devices", OrNull(l.devices)},
       {"resources", OrNull(l.resources)},
       {"cgroupsPath", OrNull(l.cgroups_path)},
       {"seccomp", OrNull(l.seccomp)},
       {"maskedPaths", OrNull(l.masked_paths)},
       {"readonlyPaths", OrNull(l.readonly_paths)},
       {"rootfsPropagation", OrNull(l.rootfs_propagation)}};
  if (!l.personality.empty()) j["personality"] = {{"domain", l.personality}};
  if (!l.time_offsets.empty()) {
    json offsets = json::object();
    for (const auto& [clock, o] : l.time_offsets) offsets[clock] = {{"secs", o.secs}, {"nanosecs", o.nanosecs}};
    j["timeOffsets"] = offsets;
  }
}

bool IsBind(const Mount& mount) {
  if (mount.type == "bind") return true;
  return std::any_of(mount.options.begin(), mount.options.end(),
                     [](const std::string& o) { return o == "bind" || o == "rbind"; });
}

}  // namespace vc::oci
