// A container as vc-runtime records it under --root: <root>/ctrs/<id>.json.
// The library keeps the container's state (under its own state root); the
// entry says where it runs and which host process stands for it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vc/result.h"

namespace vc::vcrt {

struct Entry {
  std::string id;
  std::string sandbox_id;  // the VM it runs in: its own id, or its pod's (CRI annotations)
  std::string bundle;
  std::string created;     // RFC 3339, UTC
  // The monitor: the host process that stands for the container (pid-file).
  int32_t pid = 0;
  uint64_t pid_start = 0;  // its start time, so that a reused pid is not taken for it
  std::map<std::string, std::string> annotations;
  // The network namespace vc-runtime made for the container's VM (the spec
  // asked for a new one): <root>/netns/<id>, bound there; empty if none.
  std::string netns;

  bool OwnsVm() const { return sandbox_id == id; }
  bool MonitorAlive() const;
};

// Start time of a process in clock ticks since boot (/proc/PID/stat); 0 if it is gone.
uint64_t StartTimeOf(pid_t pid);
std::string Now3339();

// Records a new container; kAlreadyExists if the id is taken.
vc::Result<> Reserve(const std::string& root, const Entry& e);
// Replaces the record of an existing container.
vc::Result<> Save(const std::string& root, const Entry& e);
vc::Result<Entry> Load(const std::string& root, const std::string& id);
vc::Result<> Remove(const std::string& root, const std::string& id);
// Ids of every recorded container, sorted.
std::vector<std::string> ListIds(const std::string& root);

}  // namespace vc::vcrt
