// Test support: a throwaway network namespace, held by a thread of its own
// for the object's lifetime, so tests of netlink, tc and endpoints touch no
// namespace but this one. Needs root (CAP_SYS_ADMIN).
#pragma once

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "net/netns.h"

namespace vc::net {

class ScratchNetns {
 public:
  ScratchNetns() {
    std::promise<std::string> path;
    auto ready = path.get_future();
    holder_ = std::thread([this, &path] {
      if (::unshare(CLONE_NEWNET) != 0) {
        path.set_value("");
        return;
      }
      path.set_value("/proc/" + std::to_string(::getpid()) + "/task/" + std::to_string(::syscall(SYS_gettid)) +
                     "/ns/net");
      release_.get_future().wait();
    });
    path_ = ready.get();
    if (!path_.empty()) {
      auto fd = OpenNetns(path_);
      if (fd) fd_ = std::move(*fd);
    }
  }
  ~ScratchNetns() {
    release_.set_value();
    holder_.join();
  }

  // Empty if the namespace could not be made (not root).
  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  // Runs a shell command (ip, tc) inside the namespace; its exit status.
  int Shell(const std::string& command) const {
    return std::system(("nsenter --net=" + path_ + " sh -c '" + command + "'").c_str());
  }

 private:
  std::thread holder_;
  std::promise<void> release_;
  std::string path_;
  os::Fd fd_;
};

}  // namespace vc::net
