// The OCI runtime spec (config.json), parsed once into typed values.
//
// The host reads a bundle's config.json into a Spec, rewrites what must
// change for the guest (root path, mount sources moved into the share) and
// sends the whole document to the agent, which parses it with the same code.
// Fields this model does not know survive the trip: ToJson writes the typed
// values over the document they were read from. Plain data; thread-safety:
// none needed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vc/result.h"

namespace vc::oci {

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
};

struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE", ...
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;  // non-empty
  std::vector<std::string> env;   // "NAME=value"
  std::string cwd = "/";          // absolute
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;
};

struct Root {
  std::string path;
  bool readonly = false;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
};

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;  // seconds
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart, poststop;
};

struct Namespace {
  std::string type;  // "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"
  std::string path;  // join this one; empty: a new one
};

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

struct Device {
  std::string type;  // "c", "b", "u" or "p"
  std::string path;
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<uint32_t> file_mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
};

struct DeviceRule {  // linux.resources.devices[]
  bool allow = false;
  std::string type;    // "a", "c" or "b"; empty: all
  std::optional<int64_t> major, minor;
  std::string access;  // some of "rwm"
};

struct Resources {
  std::optional<int64_t> memory_limit;        // bytes; -1: unlimited
  std::optional<int64_t> memory_reservation;
  std::optional<int64_t> memory_swap;
  std::optional<uint64_t> cpu_shares;
  std::optional<int64_t> cpu_quota;           // microseconds per period; -1: unlimited
  std::optional<uint64_t> cpu_period;         // microseconds
  std::string cpu_cpus, cpu_mems;             // cpuset lists; empty: unset
  std::optional<int64_t> pids_limit;          // -1: unlimited; 0: unchanged (runc)
  std::optional<uint16_t> blkio_weight;       // 10..1000
  std::map<std::string, uint64_t> hugepage_limits;  // page size ("2MB") -> bytes
  std::map<std::string, std::string> unified;       // cgroup v2 file -> value
  std::vector<DeviceRule> devices;
};

struct SeccompArg {
  uint32_t index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // "SCMP_CMP_EQ", ...
};

struct SeccompRule {
  std::vector<std::string> names;
  std::string action;  // "SCMP_ACT_ERRNO", ...
  std::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
};

struct Seccomp {
  std::string default_action;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;
  std::vector<std::string> flags;
  std::vector<SeccompRule> syscalls;
};

struct TimeOffset {
  int64_t secs = 0;
  uint32_t nanosecs = 0;
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::vector<Device> devices;
  std::optional<Resources> resources;
  std::string cgroups_path;
  std::map<std::string, std::string> sysctl;
  std::optional<Seccomp> seccomp;
  std::vector<std::string> masked_paths, readonly_paths;
  std::string rootfs_propagation;  // "private", "rprivate", "shared", ...; empty: unset
  // linux.timeOffsets of a time namespace: clock ("monotonic", "boottime") -> offset.
  std::map<std::string, TimeOffset> time_offsets;
  std::string personality;  // linux.personality.domain: "LINUX" or "LINUX32"; empty: unset
};

struct Spec {
  std::string oci_version = "1.0.2";
  std::optional<Process> process;  // required to create a container
  Root root;
  std::string hostname;
  std::string domainname;
  std::vector<Mount> mounts;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  Linux linux;
  nlohmann::json document = nlohmann::json::object();  // as read, with the fields this model does not know
};

// A bind mount: type "bind", or "bind"/"rbind" among the options.
bool IsBind(const Mount& mount);

// Parses a whole spec; root.path is required, and process.args with it when
// there is a process. Errors name the field.
Result<Spec> Parse(const std::string& json_text);
Result<Spec> FromJson(const nlohmann::json& doc);
// Parses an OCI "process" object (an exec's process).
Result<Process> ParseProcess(const std::string& json_text);
// Parses an OCI LinuxResources object.
Result<Resources> ParseResources(const std::string& json_text);

// The spec as a document: `document` with every typed field written over it.
nlohmann::json ToJson(const Spec& spec);
nlohmann::json ToJson(const Process& process);
nlohmann::json ToJson(const Resources& resources);

// <bundle>/config.json with root.path made absolute (relative to the bundle).
Result<Spec> LoadBundle(const std::string& bundle_dir);

// Conversions of the parts, for nlohmann::json. They throw the library's
// exceptions on a type mismatch, FieldError (naming the field) on a bad
// value; the functions above turn both into errors.
struct FieldError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
void from_json(const nlohmann::json& j, Process& p);
void to_json(nlohmann::json& j, const Process& p);
void from_json(const nlohmann::json& j, Mount& m);
void to_json(nlohmann::json& j, const Mount& m);
void from_json(const nlohmann::json& j, Hooks& h);
void to_json(nlohmann::json& j, const Hooks& h);
void from_json(const nlohmann::json& j, Resources& r);
void to_json(nlohmann::json& j, const Resources& r);
void from_json(const nlohmann::json& j, Linux& l);
void to_json(nlohmann::json& j, const Linux& l);

}  // namespace vc::oci
