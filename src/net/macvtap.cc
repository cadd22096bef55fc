#include "net/macvtap.h"

#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvtap.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "os/error.h"
#include "os/file.h"

namespace vc::net {

Result<int> AddMacvtap(Netlink& nl, const std::string& name, int lower_index) {
  rtnl_link* link = rtnl_link_macvtap_alloc();
  if (!link) return Fail(ErrorCode::kInternal, "macvtap " + name + ": out of memory");
  rtnl_link_set_name(link, name.c_str());
  rtnl_link_set_link(link, lower_index);
  rtnl_link_macvtap_set_mode(link, MACVLAN_MODE_PASSTHRU);
  rtnl_link_set_flags(link, IFF_UP);
  int err = rtnl_link_add(nl.socket(), link, NLM_F_CREATE | NLM_F_EXCL);
  rtnl_link_put(link);
  if (err < 0) return std::unexpected(NetlinkError("create macvtap " + name, err));
  auto created = nl.LinkByName(name);
  if (!created) return std::unexpected(created.error());
  return created->index;
}

namespace {

// On a thread of its own (it leaves the process's mount namespace).
Result<std::vector<os::Fd>> OpenInPrivateMounts(const std::string& name, int index, uint32_t queues) {
  if (::unshare(CLONE_FS | CLONE_NEWNS) != 0) return os::FailErrno("unshare mount namespace");
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return os::FailErrno("make mounts private");
  char tmpl[] = "/tmp/vc-macvtap-XXXXXX";
  if (!::mkdtemp(tmpl)) return os::FailErrno("temporary directory");
  const std::string dir = tmpl;
  const std::string sys = dir + "/sys", node = dir + "/tap";
  auto done = [&] {
    ::umount2(sys.c_str(), MNT_DETACH);
    ::unlink(node.c_str());
    ::rmdir(sys.c_str());
    ::rmdir(dir.c_str());
  };
  ::mkdir(sys.c_str(), 0700);
  if (::mount("sysfs", sys.c_str(), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    auto e = os::FailErrno("mount sysfs");
    done();
    return e;
  }
  const std::string dev_file = sys + "/class/net/" + name + "/macvtap/tap" + std::to_string(index) + "/dev";
  auto dev = os::ReadFile(dev_file);
  unsigned major_no = 0, minor_no = 0;
  if (!dev || std::sscanf(dev->c_str(), "%u:%u", &major_no, &minor_no) != 2) {
    done();
    return Fail(ErrorCode::kNotFound, "macvtap " + name + ": no character device in sysfs");
  }
  if (::mknod(node.c_str(), S_IFCHR | 0600, makedev(major_no, minor_no)) != 0) {
    auto e = os::FailErrno("create the node of macvtap " + name);
    done();
    return e;
  }
  std::vector<os::Fd> fds;
  for (uint32_t q = 0; q < std::max(queues, 1u); ++q) {
    os::Fd fd(::open(node.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd) {
      auto e = os::FailErrno("open macvtap " + name);
      done();
      return e;
    }
    fds.push_back(std::move(fd));
  }
  done();
  return fds;
}

}  // namespace

Result<std::vector<os::Fd>> OpenMacvtap(const std::string& name, int index, uint32_t queues) {
  Result<std::vector<os::Fd>> out = Fail(ErrorCode::kInternal, "macvtap helper did not run");
  std::thread helper([&] { out = OpenInPrivateMounts(name, index, queues); });
  helper.join();
  return out;
}

}  // namespace vc::net
