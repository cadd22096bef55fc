// Network namespaces: checking a path names one, and running code inside it.
#pragma once

#include <string>
#include <thread>
#include <utility>

#include "os/fd.h"
#include "vc/result.h"

namespace vc::net {

// Opens `path` (/var/run/netns/X, /proc/PID/ns/net) and checks that it is a
// network namespace: a clear error names the path otherwise.
Result<os::Fd> OpenNetns(const std::string& path);

// A new, empty network namespace kept alive by a bind mount at `path` (as
// `ip netns add` does; /var/run/netns/NAME is where iproute2 looks).
Result<> CreateNamedNetns(const std::string& path);
// Unmounts and removes it; succeeds if it is gone.
Result<> RemoveNamedNetns(const std::string& path);

// Moves the calling thread into the namespace `netns_fd`.
Result<> EnterNetns(int netns_fd);

// Runs `fn` on a thread of its own inside the namespace and returns what it
// returns (a Result); the caller's thread stays where it is. Sockets and taps
// made by `fn` belong to that namespace and stay usable afterwards.
template <typename F>
auto InNetns(int netns_fd, F&& fn) -> decltype(fn()) {
  decltype(fn()) out = Fail(ErrorCode::kInternal, "network namespace worker did not run");
  std::thread worker([&] {
    auto entered = EnterNetns(netns_fd);
    if (!entered) out = std::unexpected(entered.error());
    else out = fn();
  });
  worker.join();
  return out;
}

}  // namespace vc::net
