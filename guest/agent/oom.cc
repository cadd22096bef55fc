#include "oom.h"

#include <sys/inotify.h>

#include <sstream>

#include "os/error.h"
#include "os/file.h"

namespace vc::agent {

namespace {
uint64_t OomKills(const std::string& events_file) {
  auto text = os::ReadFile(events_file);
  if (!text) return 0;
  std::istringstream in(*text);
  for (std::string key; in >> key;) {
    uint64_t value = 0;
    in >> value;
    if (key == "oom_kill") return value;
  }
  return 0;
}
}  // namespace

OomMonitor::OomMonitor(asio::any_io_executor ex) : ex_(ex), changed_(ex) {}

Result<> OomMonitor::Watch(const std::string& id, const std::string& cgroup_dir) {
  if (!inotify_) {
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return os::FailErrno("inotify_init1");
    inotify_.emplace(ex_, fd);
    asio::co_spawn(ex_, ReadEvents(), asio::detached);
  }
  Watched w{id, cgroup_dir + "/memory.events", 0};
  int wd = ::inotify_add_watch(inotify_->native_handle(), w.events_file.c_str(), IN_MODIFY);
  if (wd < 0) return os::FailErrno("watch " + w.events_file);
  w.oom_kills = OomKills(w.events_file);
  by_wd_[wd] = std::move(w);
  return {};
}

void OomMonitor::Forget(const std::string& id) {
  for (auto it = by_wd_.begin(); it != by_wd_.end(); ++it) {
    if (it->second.id != id) continue;
    ::inotify_rm_watch(inotify_->native_handle(), it->first);
    by_wd_.erase(it);
    return;
  }
}

void OomMonitor::Check(Watched& w) {
  uint64_t now = OomKills(w.events_file);
  if (now > w.oom_kills) {
    pending_.push_back(w.id);
    changed_.Notify();
  }
  w.oom_kills = now;
}

asio::awaitable<void> OomMonitor::ReadEvents() {
  alignas(inotify_event) char buf[4096];
  for (;;) {
    auto [ec, n] = co_await inotify_->async_read_some(asio::buffer(buf), vc::kTuple);
    if (ec) co_return;
    for (size_t off = 0; off + sizeof(inotify_event) <= n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buf + off);
      if (auto it = by_wd_.find(event->wd); it != by_wd_.end()) Check(it->second);
      off += sizeof(inotify_event) + event->len;
    }
  }
}

asio::awaitable<std::string> OomMonitor::Next() {
  while (pending_.empty()) co_await changed_.Wait();
  std::string id = std::move(pending_.front());
  pending_.pop_front();
  co_return id;
}

}  // namespace vc::agent
