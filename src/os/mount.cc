#include "os/mount.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "os/error.h"

namespace vc::os {

namespace {

struct Flag {
  bool clear;
  unsigned long bits;
};

const std::map<std::string, Flag>& Flags() {
  static const std::map<std::string, Flag> flags = {
      {"defaults", {false, 0}},          {"ro", {false, MS_RDONLY}},
      {"rw", {true, MS_RDONLY}},         {"nosuid", {false, MS_NOSUID}},
      {"suid", {true, MS_NOSUID}},       {"nodev", {false, MS_NODEV}},
      {"dev", {true, MS_NODEV}},         {"noexec", {false, MS_NOEXEC}},
      {"exec", {true, MS_NOEXEC}},       {"sync", {false, MS_SYNCHRONOUS}},
      {"async", {true, MS_SYNCHRONOUS}}, {"dirsync", {false, MS_DIRSYNC}},
      {"bind", {false, MS_BIND}},        {"rbind", {false, MS_BIND | MS_REC}},
      {"noatime", {false, MS_NOATIME}},  {"atime", {true, MS_NOATIME}},
      {"nodiratime", {false, MS_NODIRATIME}}, {"diratime", {true, MS_NODIRATIME}},
      {"relatime", {false, MS_RELATIME}}, {"norelatime", {true, MS_RELATIME}},
      {"strictatime", {false, MS_STRICTATIME}}};
  return flags;
}

const std::map<std::string, unsigned long>& Propagations() {
  static const std::map<std::string, unsigned long> propagations = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC}};
  return propagations;
}

Result<Fd> OpenBeneath(int dirfd, const std::string& path, uint64_t extra_flags) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | extra_flags;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
  if (fd < 0) return FailErrno("open " + path);
  return Fd(fd);
}

}  // namespace

std::vector<std::string> KnownMountOptions() {
  std::vector<std::string> names;
  for (const auto& [name, flag] : Flags()) names.push_back(name);
  for (const auto& [name, bits] : Propagations()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

MountOptions ParseMountOptions(const std::vector<std::string>& options) {
  MountOptions out;
  for (const auto& option : options) {
    if (auto p = Propagations().find(option); p != Propagations().end()) {
      out.propagation = p->second;
    } else if (auto f = Flags().find(option); f != Flags().end()) {
      if (f->second.clear) out.flags &= ~f->second.bits;
      else out.flags |= f->second.bits;
    } else {
      out.data += (out.data.empty() ? "" : ",") + option;
    }
  }
  return out;
}

Result<Fd> OpenInRoot(const std::string& root, const std::string& path, bool make_dirs) {
  Fd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return FailErrno("open " + root);
  if (!make_dirs) return OpenBeneath(root_fd.get(), path, 0);
  // Walk one component at a time, each resolved inside the root, creating
  // what is missing under the directory resolved so far.
  Fd dir = OpenBeneath(root_fd.get(), ".", O_DIRECTORY).value_or(Fd());
  if (!dir) return FailErrno("open " + root);
  std::string walked;
  for (size_t start = 0; start < path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    walked += "/" + part;
    auto next = OpenBeneath(root_fd.get(), walked, 0);
    if (!next && next.error().code == ErrorCode::kNotFound && part != "..") {
      if (::mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST)
        return FailErrno("create " + root + walked);
      next = OpenBeneath(root_fd.get(), walked, 0);
    }
    if (!next) return std::unexpected(next.error());
    dir = std::move(*next);
  }
  return dir;
}

std::string FdPath(const Fd& fd) { return "/proc/self/fd/" + std::to_string(fd.get()); }

// mountinfo escapes space, tab, newline and backslash as \ooo.
namespace {
std::string Unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}
}  // namespace

std::vector<std::string> MountPointsUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    if (!(fields >> id >> parent >> dev >> root >> point)) continue;
    point = Unescape(point);
    if (point == dir || point.starts_with(dir + "/")) out.push_back(point);
  }
  std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

}  // namespace vc::os
