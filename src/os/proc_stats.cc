#include "os/proc_stats.h"

#include <unistd.h>

#include <sstream>

#include "os/file.h"

namespace vc::os {

std::vector<std::string> StatFields(const std::string& stat) {
  std::vector<std::string> fields;
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream in(stat.substr(close + 1));
  for (std::string f; in >> f;) fields.push_back(f);
  return fields;
}

Result<ProcStats> SampleProcess(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  auto stat = ReadFile(dir + "/stat");
  if (!stat) return Fail(ErrorCode::kNotFound, "process " + std::to_string(pid) + " is gone");
  ProcStats s;
  // After the command: state(0) ... utime(11) stime(12) ... num_threads(17).
  const auto fields = StatFields(*stat);
  if (fields.size() > 17) {
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    s.cpu_seconds = static_cast<double>(std::stoull(fields[11]) + std::stoull(fields[12])) / ticks;
    s.threads = static_cast<uint32_t>(std::stoul(fields[17]));
  }
  if (auto comm = ReadFile(dir + "/comm")) s.comm = comm->substr(0, comm->find('\n'));
  if (auto rollup = ReadFile(dir + "/smaps_rollup")) {
    std::istringstream in(*rollup);
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(line);
      std::string key;
      uint64_t kib = 0;
      words >> key >> kib;
      if (key == "Rss:") s.rss_bytes = kib * 1024;
      else if (key == "Pss:") s.pss_bytes = kib * 1024;
    }
  }
  s.fds = static_cast<uint32_t>(ListDir(dir + "/fd").size());
  return s;
}

std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> out;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : ListDir(tasks)) {
    auto children = ReadFile(tasks + "/" + task + "/children");
    if (!children) continue;
    std::istringstream in(*children);
    for (pid_t child; in >> child;) out.push_back(child);
  }
  return out;
}

}  // namespace vc::os
