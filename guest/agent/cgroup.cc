#include "cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"

namespace vc::agent::cgroup {

namespace {

const std::string kRoot = "/sys/fs/cgroup/vc";


uint64_t ReadKey(const std::string& file, const std::string& key) {
  auto text = os::ReadFile(file);
  if (!text) return 0;
  std::istringstream in(*text);
  for (std::string k; in >> k;) {
    uint64_t v = 0;
    if (key.empty()) return std::stoull(k);
    in >> v;
    if (k == key) return v;
  }
  return 0;
}

// A cgroup limit file: a number, or "max" (returned as 0).
uint64_t ReadLimit(const std::string& file) {
  auto text = os::ReadFile(file);
  if (!text || text->starts_with("max")) return 0;
  return std::strtoull(text->c_str(), nullptr, 10);
}

Result<> WriteCgroup(const std::string& dir, const std::string& file, const std::string& value) {
  std::string path = dir + "/" + file;
  os::Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return os::FailErrno("open " + path);
  return os::WriteAll(fd.get(), value);
}

// Waits until cgroup.events reports frozen == want (the kernel freezes asynchronously).
Result<> WaitFrozen(const std::string& dir, bool want) {
  for (int i = 0; i < 500; ++i) {
    if ((ReadKey(dir + "/cgroup.events", "frozen") == 1) == want) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Fail(ErrorCode::kDeadlineExceeded, "cgroup " + dir + " did not change freezer state");
}

}  // namespace

void EnableControllers(const std::string& dir) {
  // One at a time: a controller the kernel lacks must not stop the others.
  for (const char* c : {"+cpu", "+memory", "+pids", "+cpuset", "+io", "+hugetlb"})
    (void)WriteCgroup(dir, "cgroup.subtree_control", c);
}

Result<std::string> Create(const std::string& container_id) {
  std::string dir = kRoot + "/" + container_id;
  if (auto r = os::MakeDirs(kRoot, 0755); !r) return std::unexpected(r.error());
  EnableControllers(kRoot);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return os::FailErrno("create cgroup " + dir);
  return dir;
}

// A value of 0 leaves the setting as it is, as runc takes it: engines send
// whole resource documents with zeros for what they do not change (docker
// update does).
Result<> Apply(const std::string& dir, const oci::Resources& r) {
  auto limit = [](int64_t v) { return v < 0 ? std::string("max") : std::to_string(v); };
  auto set = [](const auto& v) { return v && *v != 0; };
  if (set(r.memory_limit))
    if (auto w = WriteCgroup(dir, "memory.max", limit(*r.memory_limit)); !w) return w;
  if (set(r.cpu_quota) || set(r.cpu_period)) {
    std::string quota = set(r.cpu_quota) ? limit(*r.cpu_quota) : "max";
    std::string value = set(r.cpu_period) ? quota + " " + std::to_string(*r.cpu_period) : quota;
    if (auto w = WriteCgroup(dir, "cpu.max", value); !w) return w;
  }
  if (r.cpu_shares && *r.cpu_shares > 0) {
    // cgroup v1 shares [2, 262144] onto v2 weight [1, 10000], as runc converts them.
    uint64_t shares = std::clamp<uint64_t>(*r.cpu_shares, 2, 262144);
    uint64_t weight = 1 + ((shares - 2) * 9999) / 262142;
    if (auto w = WriteCgroup(dir, "cpu.weight", std::to_string(weight)); !w) return w;
  }
  if (set(r.pids_limit))
    if (auto w = WriteCgroup(dir, "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max"); !w)
      return w;
  if (set(r.memory_reservation))
    if (auto w = WriteCgroup(dir, "memory.low", limit(*r.memory_reservation)); !w) return w;
  if (set(r.memory_swap)) {
    // The spec's swap is v1's memory+swap; v2 limits swap alone, as runc converts it.
    std::string swap = "max";
    if (*r.memory_swap >= 0 && set(r.memory_limit) && *r.memory_limit >= 0) {
      if (*r.memory_swap < *r.memory_limit)
        return Fail(ErrorCode::kInvalidArgument, "linux.resources.memory.swap is below memory.limit");
      swap = std::to_string(*r.memory_swap - *r.memory_limit);
    }
    if (auto w = WriteCgroup(dir, "memory.swap.max", swap); !w) return w;
  }
  if (!r.cpu_cpus.empty())
    if (auto w = WriteCgroup(dir, "cpuset.cpus", r.cpu_cpus); !w) return w;
  if (!r.cpu_mems.empty())
    if (auto w = WriteCgroup(dir, "cpuset.mems", r.cpu_mems); !w) return w;
  if (set(r.blkio_weight)) {
    // v1 weight [10, 1000] onto v2 [1, 10000], as runc converts it.
    const uint64_t w1 = std::clamp<uint64_t>(*r.blkio_weight, 10, 1000);
    const uint64_t w2 = 1 + (w1 - 10) * 9999 / 990;
    const bool bfq = os::Exists(dir + "/io.bfq.weight");
    if (auto w = WriteCgroup(dir, bfq ? "io.bfq.weight" : "io.weight", std::to_string(bfq ? w1 : w2)); !w) return w;
  }
  for (const auto& [size, bytes] : r.hugepage_limits)
    if (auto w = WriteCgroup(dir, "hugetlb." + size + ".max", std::to_string(bytes)); !w) return w;
  for (const auto& [file, value] : r.unified) {
    if (file.empty() || file.find('/') != std::string::npos || file.starts_with("."))
      return Fail(ErrorCode::kInvalidArgument, "linux.resources.unified: '" + file + "' is not a cgroup file");
    if (auto w = WriteCgroup(dir, file, value); !w) return w;
  }
  return {};
}

Result<> Freeze(const std::string& dir, bool frozen) {
  if (auto r = WriteCgroup(dir, "cgroup.freeze", frozen ? "1" : "0"); !r) return r;
  return WaitFrozen(dir, frozen);
}

Stats Read(const std::string& dir) {
  return Stats{ReadKey(dir + "/cpu.stat", "usage_usec"), ReadKey(dir + "/memory.current", ""),
               ReadKey(dir + "/pids.current", ""), ReadLimit(dir + "/memory.max"),
               ReadLimit(dir + "/pids.max")};
}

Result<std::vector<pid_t>> Procs(const std::string& dir) {
  auto procs = os::ReadFile(dir + "/cgroup.procs");
  if (!procs) return std::unexpected(procs.error());
  std::vector<pid_t> pids;
  std::istringstream in(*procs);
  for (pid_t pid; in >> pid;) pids.push_back(pid);
  return pids;
}

void Kill(const std::string& dir, bool frozen) {
  if (frozen) (void)WriteCgroup(dir, "cgroup.freeze", "0");
  (void)WriteCgroup(dir, "cgroup.kill", "1");
}

bool WaitEmpty(const std::string& dir, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto events = os::ReadFile(dir + "/cgroup.events");
    if (!events || events->find("populated 0") != std::string::npos) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void Remove(const std::string& dir, bool frozen) {
  Kill(dir, frozen);
  for (int i = 0; i < 500 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

}  // namespace vc::agent::cgroup
