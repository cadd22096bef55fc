// The guest's cgroup v2 driver: one directory per container under
// /sys/fs/cgroup/vc, with the cpu, memory, pids, cpuset, io and hugetlb
// controllers, the freezer (pause) and cgroup.kill. Runs on the agent's one
// thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "oci/spec.h"
#include "vc/types.h"
#include "vc/result.h"

namespace vc::agent::cgroup {

using Stats = ContainerStats;

// Enables the controllers the containers use for the children of `dir`.
void EnableControllers(const std::string& dir);
// Creates the container's cgroup (its parent enables the controllers); its path.
Result<std::string> Create(const std::string& container_id);
// Writes the OCI limits that are set; the others stay as they are.
Result<> Apply(const std::string& dir, const oci::Resources& resources);
// linux.resources.devices as the cgroup's device filter (cgroup_devices.cc),
// set once, at create.
Result<> SetDevices(const std::string& dir, const std::vector<oci::DeviceRule>& rules);
// Freezes or thaws every process in it and waits until the kernel has.
Result<> Freeze(const std::string& dir, bool frozen);
Stats Read(const std::string& dir);
Result<std::vector<pid_t>> Procs(const std::string& dir);
// SIGKILLs every process in it (thawing it first if `frozen`).
void Kill(const std::string& dir, bool frozen);
// Waits up to `timeout` until no process is left in it (cgroup.events says
// "populated 0"); false if some still are.
bool WaitEmpty(const std::string& dir, std::chrono::milliseconds timeout);
// Kills what is left and removes the directory, waiting briefly for the
// kernel to let go of the dying processes.
void Remove(const std::string& dir, bool frozen);

}  // namespace vc::agent::cgroup
