#include "resource/cgroups/host_cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "os/error.h"
#include "os/file.h"
#include "os/log.h"

namespace vc::resource {

namespace {

using namespace std::chrono_literals;

// The v1 controllers whose hierarchies hold the VM: what it uses and what
// the host accounts.
constexpr const char* kV1Controllers[] = {"cpu", "cpuacct", "cpuset", "memory", "pids", "blkio"};
// What a v2 parent hands down to it, where the parent has it.
constexpr const char* kV2Controllers[] = {"cpu", "memory", "pids", "io"};

const std::set<std::string>& KnownV1Controllers() {
  static const std::set<std::string> known = {"cpu",     "cpuacct", "cpuset",  "memory",     "devices",
                                              "freezer", "net_cls", "blkio",   "perf_event", "net_prio",
                                              "hugetlb", "pids",    "rdma",    "misc"};
  return known;
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(sep, start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// `base` under `mount`; normalised from "/", so ".." cannot climb out.
std::string Under(const std::string& mount, const std::string& base) {
  std::string normal = std::filesystem::path("/" + base).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal == "/" ? mount : mount + normal;
}

Result<> WriteTo(const std::string& path, const std::string& text) {
  os::Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return os::FailErrno("open " + path);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return os::FailErrno("write " + text + " to " + path);
  return {};
}

std::vector<pid_t> Procs(const std::string& dir) {
  std::vector<pid_t> pids;
  auto text = os::ReadFile(dir + "/cgroup.procs");
  if (!text) return pids;
  std::istringstream in(*text);
  for (pid_t pid; in >> pid;) pids.push_back(pid);
  return pids;
}

bool HasChildCgroups(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_directory(ec)) return true;
  return false;
}

Result<CgroupMounts> HostMounts() {
  auto mountinfo = os::ReadFile("/proc/self/mountinfo");
  if (!mountinfo) return std::unexpected(mountinfo.error());
  return ParseCgroupMounts(*mountinfo, [](const std::string& mount) {
    return os::ReadFile(mount + "/cgroup.controllers").value_or("");
  });
}

}  // namespace

CgroupMounts ParseCgroupMounts(std::string_view mountinfo,
                               const std::function<std::string(const std::string&)>& controllers_of) {
  CgroupMounts m;
  for (const std::string& line : Split(mountinfo, '\n')) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::vector<std::string> head = Split(std::string_view(line).substr(0, dash), ' ');
    std::vector<std::string> tail = Split(std::string_view(line).substr(dash + 3), ' ');
    if (head.size() < 5 || tail.size() < 3) continue;
    const std::string& mount_point = head[4];
    if (tail[0] == "cgroup2") {
      if (m.unified.empty() && !Trim(controllers_of(mount_point)).empty()) m.unified = mount_point;
    } else if (tail[0] == "cgroup") {
      std::string key;
      for (const std::string& option : Split(tail[2], ','))
        if (KnownV1Controllers().contains(option)) key += (key.empty() ? "" : ",") + option;
      if (!key.empty() && !m.v1.contains(key)) m.v1[key] = mount_point;
    }
  }
  // The hybrid layout: the v1 hierarchies hold the controllers that matter,
  // whatever the v2 mount beside them has (hugetlb, say).
  if (!m.v1.empty()) m.unified.clear();
  return m;
}

std::map<std::string, std::string> ParseProcCgroup(std::string_view text) {
  std::map<std::string, std::string> out;
  for (const std::string& line : Split(text, '\n')) {
    // ID:CONTROLLERS:PATH
    size_t first = line.find(':');
    size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    out[line.substr(first + 1, second - first - 1)] = line.substr(second + 1);
  }
  return out;
}

Result<std::vector<std::string>> CgroupDirs(const CgroupMounts& mounts, const std::string& path,
                                            const std::map<std::string, std::string>& self) {
  if (path.empty()) return Fail(ErrorCode::kInvalidArgument, "empty cgroup path");
  auto base = [&](const std::string& hierarchy) {
    if (path.front() == '/') return path;
    auto it = self.find(hierarchy);
    return (it == self.end() ? std::string("/") : it->second) + "/" + path;
  };
  std::vector<std::string> dirs;
  if (!mounts.unified.empty()) {
    dirs.push_back(Under(mounts.unified, base("")));
    return dirs;
  }
  std::set<std::string> used;
  for (const char* controller : kV1Controllers)
    for (const auto& [hierarchy, mount] : mounts.v1) {
      auto names = Split(hierarchy, ',');
      if (std::find(names.begin(), names.end(), controller) == names.end() || used.contains(hierarchy)) continue;
      used.insert(hierarchy);
      dirs.push_back(Under(mount, base(hierarchy)));
    }
  if (dirs.empty()) return Fail(ErrorCode::kUnavailable, "no cgroup hierarchy with controllers is mounted");
  return dirs;
}

bool HostCgroup::IsSystemdPath(const std::string& path) { return path.find(':') != std::string::npos; }

Result<HostCgroup> HostCgroup::Create(const std::string& path) {
  if (IsSystemdPath(path))
    return Fail(ErrorCode::kInvalidArgument,
                "cgroup path '" + path + "' is systemd's slice:prefix:name form; only cgroupfs paths are supported");
  auto mounts_read = HostMounts();
  if (!mounts_read) return std::unexpected(mounts_read.error());
  const CgroupMounts& mounts = *mounts_read;
  auto self = os::ReadFile("/proc/self/cgroup");
  if (!self) return std::unexpected(self.error());
  auto dirs = CgroupDirs(mounts, path, ParseProcCgroup(*self));
  if (!dirs) return std::unexpected(dirs.error());

  HostCgroup cgroup;
  cgroup.dirs_ = *dirs;
  cgroup.unified_ = !mounts.unified.empty();
  std::vector<std::string> roots;
  if (!mounts.unified.empty()) roots.push_back(mounts.unified);
  for (const auto& [hierarchy, mount] : mounts.v1) roots.push_back(mount);
  for (const std::string& dir : cgroup.dirs_) {
    std::string root;
    for (const auto& r : roots)
      if (dir.rfind(r, 0) == 0 && r.size() > root.size()) root = r;
    // Each missing component from the root down.
    for (size_t slash = root.size(); slash != std::string::npos;) {
      slash = dir.find('/', slash + 1);
      const std::string part = dir.substr(0, slash);
      const std::string parent = part.substr(0, part.rfind('/'));
      if (!mounts.unified.empty())
        for (const char* c : kV2Controllers)
          if (os::ReadFile(parent + "/cgroup.controllers").value_or("").find(c) != std::string::npos)
            (void)WriteTo(parent + "/cgroup.subtree_control", std::string("+") + c);
      if (::mkdir(part.c_str(), 0755) != 0) {
        if (errno == EEXIST) continue;
        Error error = os::ErrnoError("make cgroup " + part);
        (void)cgroup.Remove();
        return std::unexpected(error);
      }
      cgroup.made_.push_back({root, part});
      for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        auto content = os::ReadFile(part + "/" + file);
        if (!content || !Trim(*content).empty()) continue;
        auto inherited = os::ReadFile(parent + "/" + file);
        if (!inherited || !WriteTo(part + "/" + file, Trim(*inherited))) {
          (void)cgroup.Remove();
          return Fail(ErrorCode::kUnavailable, "cgroup " + part + ": cannot set " + file + " from its parent");
        }
      }
    }
  }
  return cgroup;
}

HostCgroup HostCgroup::Restore(const nlohmann::json& state) {
  HostCgroup cgroup;
  cgroup.dirs_ = state.value("dirs", std::vector<std::string>{});
  cgroup.unified_ = state.value("unified", false);
  for (const auto& m : state.value("made", nlohmann::json::array()))
    cgroup.made_.push_back({m.value("mount", std::string()), m.value("dir", std::string())});
  return cgroup;
}

nlohmann::json HostCgroup::Save() const {
  nlohmann::json made = nlohmann::json::array();
  for (const auto& m : made_) made.push_back({{"mount", m.mount}, {"dir", m.dir}});
  return {{"dirs", dirs_}, {"made", made}, {"unified", unified_}};
}

Result<> HostCgroup::Join(pid_t pid) const { return MoveToCgroups(dirs_, pid); }

Result<> HostCgroup::JoinThread(pid_t tid) const {
  if (unified_) return Fail(ErrorCode::kUnimplemented, "cgroup v2 moves whole processes, not single threads");
  for (const std::string& dir : dirs_)
    if (auto ok = WriteTo(dir + "/tasks", std::to_string(tid)); !ok) return ok;
  return {};
}

Result<std::vector<std::string>> CgroupDirsOfProcess(pid_t pid) {
  auto mounts = HostMounts();
  if (!mounts) return std::unexpected(mounts.error());
  auto text = os::ReadFile("/proc/" + std::to_string(pid) + "/cgroup");
  if (!text) return std::unexpected(text.error());
  return CgroupDirs(*mounts, ".", ParseProcCgroup(*text));
}

Result<> MoveToCgroups(const std::vector<std::string>& dirs, pid_t pid) {
  for (const std::string& dir : dirs)
    if (auto ok = WriteTo(dir + "/cgroup.procs", std::to_string(pid)); !ok) return ok;
  return {};
}

Result<> HostCgroup::Remove() const {
  Result<> out;
  for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    const std::string parent = it->dir.substr(0, it->dir.rfind('/'));
    // A parent we made that now holds others' cgroups too (a shared
    // /vc_overhead, a pod's parent) is theirs as well: it stays.
    if (HasChildCgroups(it->dir)) continue;
    for (;;) {
      // v2 refuses a process in a parent that hands controllers down: the root takes it.
      for (pid_t pid : Procs(it->dir))
        if (!WriteTo(parent + "/cgroup.procs", std::to_string(pid)))
          (void)WriteTo(it->mount + "/cgroup.procs", std::to_string(pid));
      if (::rmdir(it->dir.c_str()) == 0 || errno == ENOENT) break;
      if (errno != EBUSY || std::chrono::steady_clock::now() > deadline) {
        if (out) out = os::FailErrno("remove cgroup " + it->dir);
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  return out;
}

}  // namespace vc::resource
