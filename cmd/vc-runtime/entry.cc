// Container entries under --root.
#include "entry.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "os/file.h"

namespace vc::vcrt {
namespace {

using nlohmann::json;

std::string Dir(const std::string& root) { return root + "/ctrs"; }
std::string PathOf(const std::string& root, const std::string& id) { return Dir(root) + "/" + id + ".json"; }

std::string ToText(const Entry& e) {
  json j = {{"id", e.id},   {"sandbox_id", e.sandbox_id}, {"bundle", e.bundle},
            {"created", e.created}, {"pid", e.pid}, {"pid_start", e.pid_start},
            {"annotations", e.annotations}, {"netns", e.netns}};
  return j.dump(2) + "\n";
}

}  // namespace

bool Entry::MonitorAlive() const { return pid > 0 && StartTimeOf(pid) == pid_start; }

uint64_t StartTimeOf(pid_t pid) {
  auto stat = vc::os::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 0;
  // The command may hold spaces and parentheses: fields count from the last ')'.
  size_t close = stat->rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat->substr(close + 2));
  std::string field;
  // Field 3 (state) is the first after ')'; starttime is field 22.
  for (int i = 3; i < 22 && rest >> field; ++i) {
  }
  uint64_t start = 0;
  rest >> start;
  return start;
}

std::string Now3339() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() % 1000000000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%09lldZ", static_cast<long long>(ns));
  return buf;
}

vc::Result<> Reserve(const std::string& root, const Entry& e) {
  if (auto ok = vc::os::MakeDirs(Dir(root), 0700); !ok)
    return std::unexpected(ok.error().Wrap("state root " + root));
  const std::string path = PathOf(root, e.id);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST)
    return vc::Fail(vc::ErrorCode::kAlreadyExists, "container with id " + e.id + " already exists");
  if (fd < 0) return vc::Fail(vc::ErrorCode::kUnavailable, path + ": " + std::strerror(errno));
  auto ok = vc::os::WriteAll(fd, ToText(e));
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return std::unexpected(ok.error().Wrap(path));
  }
  return {};
}

vc::Result<> Save(const std::string& root, const Entry& e) {
  return vc::os::WriteFileAtomic(PathOf(root, e.id), ToText(e), 0600);
}

vc::Result<Entry> Load(const std::string& root, const std::string& id) {
  auto text = vc::os::ReadFile(PathOf(root, id));
  if (!text) return vc::Fail(vc::ErrorCode::kNotFound, "container " + id + " does not exist");
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return vc::Fail(vc::ErrorCode::kInternal, PathOf(root, id) + " is not a container record");
  Entry e;
  e.id = j.value("id", id);
  e.sandbox_id = j.value("sandbox_id", id);
  e.bundle = j.value("bundle", std::string());
  e.created = j.value("created", std::string());
  e.pid = j.value("pid", 0);
  e.pid_start = j.value("pid_start", uint64_t{0});
  e.annotations = j.value("annotations", std::map<std::string, std::string>{});
  e.netns = j.value("netns", std::string());
  return e;
}

vc::Result<> Remove(const std::string& root, const std::string& id) {
  const std::string path = PathOf(root, id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return vc::Fail(vc::ErrorCode::kUnavailable, path + ": " + std::strerror(errno));
  return {};
}

std::vector<std::string> ListIds(const std::string& root) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(Dir(root), ec)) {
    const std::string name = f.path().filename().string();
    if (name.ends_with(".json")) ids.push_back(name.substr(0, name.size() - 5));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace vc::vcrt
