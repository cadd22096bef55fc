// OOM kills in containers, as they happen: an inotify watch on each
// container's cgroup memory.events (the kernel signals a change of the file),
// and a queue of the ids of containers whose oom_kill count went up.
// Runs on the agent's event loop; not thread-safe.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "os/asio.h"
#include "os/notifier.h"
#include "vc/result.h"

namespace vc::agent {

class OomMonitor {
 public:
  explicit OomMonitor(asio::any_io_executor ex);

  // Starts watching the cgroup directory of container `id`.
  Result<> Watch(const std::string& id, const std::string& cgroup_dir);
  void Forget(const std::string& id);
  // The next container that had a process OOM-killed; waits for one.
  asio::awaitable<std::string> Next();

 private:
  struct Watched {
    std::string id;
    std::string events_file;
    uint64_t oom_kills = 0;
  };

  asio::awaitable<void> ReadEvents();
  void Check(Watched& w);

  asio::any_io_executor ex_;
  std::optional<asio::posix::stream_descriptor> inotify_;
  std::map<int, Watched> by_wd_;
  std::deque<std::string> pending_;
  os::Notifier changed_;
};

}  // namespace vc::agent
