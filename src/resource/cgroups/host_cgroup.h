// The host cgroup a sandbox's processes live in: the supervisor joins it
// before it starts virtiofsd and QEMU, which inherit it, so the host's
// accounting (kubelet's pod cgroup, docker stats, systemd-cgtop) sees the VM.
// The path is OCI's linux.cgroupsPath in cgroupfs form: absolute from each
// hierarchy's root, or relative to the caller's cgroup. Both layouts work: the
// unified one (cgroup v2 with controllers) and per-controller v1 hierarchies
// (in the hybrid layout, v1 hierarchies beside a v2 mount, the v1 ones).
// No limits are written: the VM's memory and vCPUs are its size; limits are
// applied to containers inside the guest, and a pod's by its parent cgroup.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vc/result.h"

namespace vc::resource {

// Where the cgroup hierarchies are mounted.
struct CgroupMounts {
  std::string unified;  // the cgroup2 mount, when it has controllers and no v1 hierarchy does; empty: v1
  // v1: each hierarchy's mount point, by its controllers ("cpu,cpuacct").
  std::map<std::string, std::string> v1;
};

// From /proc/self/mountinfo's text. `controllers_of` tells which controllers
// a cgroup2 mount point offers (its cgroup.controllers).
CgroupMounts ParseCgroupMounts(std::string_view mountinfo,
                               const std::function<std::string(const std::string&)>& controllers_of);
// /proc/PID/cgroup's text: hierarchy controllers ("" for v2) -> path.
std::map<std::string, std::string> ParseProcCgroup(std::string_view text);
// The directories of cgroup `path` in each hierarchy; a relative path is
// taken from `self` (the caller's cgroup, ParseProcCgroup). The v1
// hierarchies used: cpu, cpuacct, cpuset, memory, pids, blkio.
Result<std::vector<std::string>> CgroupDirs(const CgroupMounts& mounts, const std::string& path,
                                            const std::map<std::string, std::string>& self);

// The cgroup process `pid` is in, as directories of the hierarchies
// CgroupDirs uses (what another process joins to share its accounting).
Result<std::vector<std::string>> CgroupDirsOfProcess(pid_t pid);
// Moves process `pid` (all its threads) into each of `dirs`.
Result<> MoveToCgroups(const std::vector<std::string>& dirs, pid_t pid);

class HostCgroup {
 public:
  // Makes cgroup `path` where it does not exist (v1 cpuset: cpus and mems
  // from the parent, as the kernel starts them empty; v2: the parents hand
  // cpu, memory, pids and io down where they can).
  static Result<HostCgroup> Create(const std::string& path);
  // Whether `path` is systemd's "slice:prefix:name" form, which needs
  // systemd's D-Bus API rather than cgroupfs.
  static bool IsSystemdPath(const std::string& path);
  static HostCgroup Restore(const nlohmann::json& state);
  nlohmann::json Save() const;

  // Moves process `pid` (all its threads) into it.
  Result<> Join(pid_t pid) const;
  // Whether single threads can join it (v1 hierarchies; v2 moves whole processes).
  bool HoldsThreads() const { return !unified_; }
  // Moves thread `tid` alone into it (v1: each hierarchy's tasks file).
  Result<> JoinThread(pid_t tid) const;
  // Removes the directories Create made, deepest first, but for one that
  // holds other cgroups by then (a parent it shares). Processes still in
  // one (the caller; a shim that joined its VM's cgroup) move to its parent,
  // or to the hierarchy's root where v2 refuses the parent: the sandbox's
  // own processes are stopped by their owners, others are not ours to kill.
  Result<> Remove() const;

  const std::vector<std::string>& dirs() const { return dirs_; }

 private:
  struct Made {
    std::string mount;  // the hierarchy's root
    std::string dir;
  };
  std::vector<std::string> dirs_;  // the cgroup in each hierarchy
  std::vector<Made> made_;         // what Create made, parents first
  bool unified_ = false;           // in the cgroup v2 hierarchy
};

}  // namespace vc::resource
