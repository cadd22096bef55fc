#include "hypervisor/qemu/qmp.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cstring>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "hypervisor/qemu/hotplug.h"
#include "hypervisor/qemu/snapshot.h"
#include "os/file.h"

namespace vc::hypervisor::qemu {
namespace {

using namespace std::chrono_literals;

// A QMP server that answers each client line with what `script` returns.
class FakeQmp {
 public:
  using Script = std::function<std::string(const std::string& line)>;
  explicit FakeQmp(Script script) : script_(std::move(script)) {
    path_ = "/tmp/vc-qmp-test-" + std::to_string(::getpid()) + ".sock";
    ::unlink(path_.c_str());
    listen_ = os::Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_.get(), 1), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeQmp() {
    ::shutdown(listen_.get(), SHUT_RDWR);
    thread_.join();
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  // Descriptors that arrived with the client's bytes (SCM_RIGHTS).
  int fds_received() const { return fds_received_; }
  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  void Serve() {
    os::Fd conn(::accept(listen_.get(), nullptr, nullptr));
    if (!conn) return;
    (void)os::WriteAll(conn.get(), R"({"QMP": {"version": {}, "capabilities": []}})" "\n");
    std::string buf;
    char c;
    for (;;) {
      iovec iov{&c, 1};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      if (::recvmsg(conn.get(), &msg, 0) != 1) return;
      for (cmsghdr* h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h))
        if (h->cmsg_type == SCM_RIGHTS) {
          int fd;
          std::memcpy(&fd, CMSG_DATA(h), sizeof fd);
          ::close(fd);
          ++fds_received_;
        }
      if (c != '\n') {
        buf += c;
        continue;
      }
      {
        std::lock_guard lock(mu_);
        lines_.push_back(buf);
      }
      std::string reply = script_(buf);
      buf.clear();
      if (reply == "CLOSE") return;
      if (!reply.empty()) (void)os::WriteAll(conn.get(), reply);
    }
  }

  Script script_;
  std::atomic<int> fds_received_ = 0;
  std::mutex mu_;
  std::vector<std::string> lines_;
  std::string path_;
  os::Fd listen_;
  std::thread thread_;
};

std::string Ok(const std::string& value = "{}") { return R"({"return": )" + value + "}\n"; }

TEST(Qmp, AQemuGoneIsAnErrorNotSigpipe) {
  FakeQmp server([](const std::string& line) {
    return line.find("qmp_capabilities") != std::string::npos ? Ok() : "CLOSE";
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp) << qmp.error().message;
  EXPECT_FALSE(qmp->Execute("stop"));  // the server hangs up
  std::this_thread::sleep_for(50ms);
  // Writing to the closed peer: EPIPE, which would be a SIGPIPE for write().
  auto again = qmp->Execute("query-status", nlohmann::json::object());
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("QMP query-status"), std::string::npos) << again.error().message;
}

// The command names of the lines a fake server got, after the handshake.
std::vector<std::string> Commands(FakeQmp& server) {
  std::vector<std::string> out;
  for (const auto& line : server.lines()) {
    auto j = nlohmann::json::parse(line);
    if (j["execute"] != "qmp_capabilities") out.push_back(j["execute"]);
  }
  return out;
}

TEST(QmpSnapshot, SaveStopsThenMigratesTheDevicesIntoTheFile) {
  int polls = 0;
  FakeQmp server([&](const std::string& line) {
    if (line.find("query-migrate") != std::string::npos)
      return Ok(++polls < 3 ? R"({"status": "active"})" : R"({"status": "completed"})");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  os::Fd file(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  ASSERT_TRUE(SaveVmState(*qmp, file.get(), 5s));
  EXPECT_EQ(Commands(server), (std::vector<std::string>{"stop", "migrate-set-capabilities", "getfd", "migrate",
                                                         "query-migrate", "query-migrate", "query-migrate"}));
  auto lines = server.lines();
  auto caps = nlohmann::json::parse(lines[2])["arguments"]["capabilities"][0];
  EXPECT_EQ(caps["capability"], "x-ignore-shared") << "guest memory stays in its file";
  EXPECT_EQ(caps["state"], true);
  EXPECT_EQ(server.fds_received(), 1) << "QEMU writes the state file itself";
  EXPECT_EQ(nlohmann::json::parse(lines[3])["arguments"]["fdname"], "vcstate");
  EXPECT_EQ(nlohmann::json::parse(lines[4])["arguments"]["uri"], "fd:vcstate");
}

TEST(QmpSnapshot, AFailedSaveSaysWhy) {
  FakeQmp server([](const std::string& line) {
    if (line.find("query-migrate") != std::string::npos)
      return Ok(R"({"status": "failed", "error-desc": "disk full"})");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  os::Fd file(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  auto r = SaveVmState(*qmp, file.get(), 5s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("disk full"), std::string::npos) << r.error().message;
}

TEST(QmpSnapshot, LoadWaitsForTheStateThenRunsTheVm) {
  int polls = 0;
  FakeQmp server([&](const std::string& line) {
    if (line.find("query-status") != std::string::npos)
      return Ok(++polls < 2 ? R"({"status": "inmigrate", "running": false})"
                            : R"({"status": "paused", "running": false})");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  os::Fd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(LoadVmState(*qmp, file.get(), 5s));
  EXPECT_EQ(Commands(server), (std::vector<std::string>{"migrate-set-capabilities", "getfd", "migrate-incoming",
                                                         "query-status", "query-status", "cont"}));
  EXPECT_EQ(server.fds_received(), 1);
  EXPECT_EQ(nlohmann::json::parse(server.lines()[3])["arguments"]["uri"], "fd:vcstate");
}

TEST(QmpSnapshot, ALoadThatEndsElsewhereIsAnError) {
  FakeQmp server([](const std::string& line) {
    if (line.find("query-status") != std::string::npos) return Ok(R"({"status": "internal-error"})");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  os::Fd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto r = LoadVmState(*qmp, file.get(), 5s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("internal-error"), std::string::npos) << r.error().message;
}

TEST(Qmp, NegotiatesAndSkipsEvents) {
  FakeQmp server([](const std::string& line) {
    if (line.find("query-status") != std::string::npos)
      return std::string(R"({"event": "STOP", "timestamp": {}})" "\n") +
             Ok(R"({"running": false, "status": "paused"})");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp) << qmp.error().message;
  auto status = qmp->Execute("query-status");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ((*status)["status"], "paused");
}

TEST(Qmp, ErrorReplyCarriesDescription) {
  FakeQmp server([](const std::string& line) {
    if (line.find("bogus") != std::string::npos)
      return std::string(R"({"error": {"class": "CommandNotFound", "desc": "The command bogus has not been found"}})" "\n");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto r = qmp->Execute("bogus");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("The command bogus has not been found"), std::string::npos);
}

TEST(Qmp, SilentServerTimesOut) {
  FakeQmp server([](const std::string& line) {
    return line.find("qmp_capabilities") != std::string::npos ? Ok() : std::string();
  });
  auto qmp = QmpClient::Connect(server.path(), 300ms);
  ASSERT_TRUE(qmp);
  auto r = qmp->Execute("stop");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
}

TEST(Qmp, ClosedConnectionIsUnavailable) {
  FakeQmp server([](const std::string& line) {
    return line.find("qmp_capabilities") != std::string::npos ? Ok() : std::string("CLOSE");
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto r = qmp->Execute("quit");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

// The commands a line carries, for checking the order of a sequence.
std::string CommandOf(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  return j.is_object() ? j.value("execute", std::string()) : "";
}

TEST(QmpHotplug, NicGoesInWithItsDescriptorsAndIntoTheGivenPort) {
  FakeQmp server([](const std::string&) { return Ok(); });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_TRUE(PlugNet(*qmp, NetDevice{"net1", {pipe_fds[0], pipe_fds[1]}, "02:00:00:00:00:01", true}, "hp0"));
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  auto lines = server.lines();
  ASSERT_EQ(lines.size(), 5u);  // capabilities, 2 x getfd, netdev_add, device_add
  EXPECT_EQ(server.fds_received(), 2);
  auto getfd = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(getfd["execute"], "getfd");
  EXPECT_EQ(getfd["arguments"]["fdname"], "net1-q0");
  auto netdev = nlohmann::json::parse(lines[3]);
  EXPECT_EQ(netdev["execute"], "netdev_add");
  EXPECT_EQ(netdev["arguments"]["fds"], "net1-q0:net1-q1");
  EXPECT_EQ(netdev["arguments"]["vhost"], true);
  auto device = nlohmann::json::parse(lines[4]);
  EXPECT_EQ(device["execute"], "device_add");
  EXPECT_EQ(device["arguments"]["driver"], "virtio-net-pci");
  EXPECT_EQ(device["arguments"]["bus"], "hp0");
  EXPECT_EQ(device["arguments"]["mac"], "02:00:00:00:00:01");
  EXPECT_EQ(device["arguments"]["mq"], "on");
}

TEST(QmpHotplug, AFailedDeviceAddTakesTheBackendBack) {
  FakeQmp server([](const std::string& line) {
    if (CommandOf(line) == "device_add")
      return std::string(R"({"error": {"class": "GenericError", "desc": "Bus 'hp0' does not support hotplugging"}})" "\n");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto r = PlugNet(*qmp, NetDevice{"net1", {0}, "02:00:00:00:00:01", false}, "hp0");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("does not support hotplugging"), std::string::npos);
  auto lines = server.lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(CommandOf(lines.back()), "netdev_del");
}

TEST(QmpHotplug, VcpusFillTheFreeSlotsLowestFirst) {
  // As QEMU answers for -smp 1,maxcpus=4: the last slot first, the boot CPU plugged.
  FakeQmp server([](const std::string& line) {
    if (CommandOf(line) == "query-hotpluggable-cpus")
      return Ok(nlohmann::json::parse(R"([
        {"props": {"core-id": 0, "thread-id": 0, "socket-id": 3}, "vcpus-count": 1, "type": "max-x86_64-cpu"},
        {"props": {"core-id": 0, "thread-id": 0, "socket-id": 2}, "vcpus-count": 1, "type": "max-x86_64-cpu"},
        {"props": {"core-id": 0, "thread-id": 0, "socket-id": 1}, "vcpus-count": 1, "type": "max-x86_64-cpu"},
        {"props": {"core-id": 0, "thread-id": 0, "socket-id": 0}, "vcpus-count": 1,
         "qom-path": "/machine/unattached/device[0]", "type": "max-x86_64-cpu"}])").dump());
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto vcpus = PlugCpus(*qmp, 3);
  ASSERT_TRUE(vcpus) << vcpus.error().message;
  EXPECT_EQ(*vcpus, 3u);
  auto lines = server.lines();
  ASSERT_EQ(lines.size(), 4u);  // capabilities, query, 2 x device_add
  for (int i : {2, 3}) {
    auto add = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(add["execute"], "device_add");
    EXPECT_EQ(add["arguments"]["driver"], "max-x86_64-cpu");
    EXPECT_EQ(add["arguments"]["socket-id"], i - 1) << "socket 1, then 2";
    EXPECT_EQ(add["arguments"]["id"], "cpu" + std::to_string(i - 1));
  }
}

TEST(QmpHotplug, VcpusStopAtTheLastFreeSlot) {
  FakeQmp server([](const std::string& line) {
    if (CommandOf(line) == "query-hotpluggable-cpus")
      return Ok(R"([{"props": {"socket-id": 1}, "vcpus-count": 1, "type": "max-x86_64-cpu"}, )"
                R"({"props": {"socket-id": 0}, "vcpus-count": 1, "qom-path": "/m/d0", "type": "max-x86_64-cpu"}])");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto vcpus = PlugCpus(*qmp, 3);
  ASSERT_TRUE(vcpus) << vcpus.error().message;
  EXPECT_EQ(*vcpus, 2u) << "as many as the VM has slots for";
  EXPECT_EQ(server.lines().size(), 3u) << "one device_add";
}

TEST(QmpHotplug, MemoryIsASharedBackendAndADimm) {
  FakeQmp server([](const std::string&) { return Ok(); });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  ASSERT_TRUE(PlugMemory(*qmp, "dimm0", 256, true));
  auto lines = server.lines();
  ASSERT_EQ(lines.size(), 3u);
  auto object = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(object["execute"], "object-add");
  EXPECT_EQ(object["arguments"]["qom-type"], "memory-backend-memfd");
  EXPECT_EQ(object["arguments"]["share"], true) << "virtiofsd maps all guest memory";
  EXPECT_EQ(object["arguments"]["size"], 256ull << 20);
  auto dimm = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(dimm["arguments"]["driver"], "pc-dimm");
  EXPECT_EQ(dimm["arguments"]["memdev"], object["arguments"]["id"]);
}

TEST(QmpHotplug, AFailedDimmTakesItsMemoryBack) {
  FakeQmp server([](const std::string& line) {
    if (CommandOf(line) == "device_add")
      return std::string(R"({"error": {"class": "GenericError", "desc": "a memory slot is missing"}})" "\n");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto r = PlugMemory(*qmp, "dimm0", 128, false);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("a memory slot is missing"), std::string::npos);
  auto lines = server.lines();
  EXPECT_EQ(nlohmann::json::parse(lines[1])["arguments"]["qom-type"], "memory-backend-ram");
  EXPECT_EQ(CommandOf(lines.back()), "object-del");
}

TEST(QmpHotplug, UnplugWaitsForTheGuestThenRemovesTheBackend) {
  FakeQmp server([](const std::string& line) {
    if (CommandOf(line) == "device_del")
      return Ok() + R"({"event": "DEVICE_DELETED", "data": {"path": "/machine/peripheral/other"}})" "\n" +
             R"({"event": "DEVICE_DELETED", "data": {"device": "net1", "path": "/machine/peripheral/net1"}})" "\n";
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  ASSERT_TRUE(UnplugNet(*qmp, "net1", 2s));
  auto lines = server.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(CommandOf(lines[1]), "device_del");
  EXPECT_EQ(CommandOf(lines[2]), "netdev_del");
}

TEST(QmpHotplug, AGuestThatKeepsTheDeviceIsATimeout) {
  FakeQmp server([](const std::string&) { return Ok(); });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto r = UnplugNet(*qmp, "net1", 200ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(r.error().message.find("did not release network device net1"), std::string::npos);
}

TEST(QmpHotplug, DiskGoesInThroughAnFdSetIntoThePort) {
  FakeQmp server([](const std::string& line) {
    return CommandOf(line) == "add-fd" ? Ok(R"({"fdset-id": 7, "fd": 31})") : Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  os::Fd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto fdset = PlugBlock(*qmp, BlockDevice{"disk1", "/images/a.img", file.get(), true}, {"hp1", 0});
  ASSERT_TRUE(fdset) << fdset.error().message;
  EXPECT_EQ(*fdset, 7);
  EXPECT_EQ(server.fds_received(), 1);
  auto lines = server.lines();
  ASSERT_EQ(lines.size(), 4u);  // capabilities, add-fd, blockdev-add, device_add
  EXPECT_EQ(nlohmann::json::parse(lines[1])["arguments"]["opaque"], "disk1");
  auto node = nlohmann::json::parse(lines[2])["arguments"];
  EXPECT_EQ(node, (nlohmann::json{{"driver", "file"}, {"node-name", "disk1-file"},
                                  {"filename", "/dev/fdset/7"}, {"read-only", true}}));
  auto device = nlohmann::json::parse(lines[3])["arguments"];
  EXPECT_EQ(device, (nlohmann::json{{"driver", "virtio-blk-pci"}, {"id", "disk1"}, {"drive", "disk1-file"},
                                    {"bus", "hp1"}}));
}

TEST(QmpHotplug, ScsiDiskGoesOnTheControllerAtItsTarget) {
  FakeQmp server([](const std::string& line) {
    return CommandOf(line) == "add-fd" ? Ok(R"({"fdset-id": 0, "fd": 31})") : Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  os::Fd file(::open("/dev/null", O_RDWR | O_CLOEXEC));
  BlockDevice disk{"disk2", "/dev/sdz", file.get(), false, true, kVirtioScsi};
  ASSERT_TRUE(PlugBlock(*qmp, disk, {"", 3}));
  auto lines = server.lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(lines[2])["arguments"]["driver"], "host_device");
  EXPECT_EQ(nlohmann::json::parse(lines[3])["arguments"],
            (nlohmann::json{{"driver", "scsi-hd"}, {"id", "disk2"}, {"drive", "disk2-file"}, {"bus", "scsi0.0"},
                            {"channel", 0}, {"scsi-id", 3}, {"lun", 0}}));
}

TEST(QmpHotplug, AFailedDiskTakesItsNodeAndFdSetBack) {
  FakeQmp server([](const std::string& line) {
    if (CommandOf(line) == "add-fd") return Ok(R"({"fdset-id": 2, "fd": 31})");
    if (CommandOf(line) == "device_add")
      return std::string(R"({"error": {"class": "GenericError", "desc": "Failed to get \"write\" lock"}})" "\n");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  os::Fd file(::open("/dev/null", O_RDWR | O_CLOEXEC));
  auto r = PlugBlock(*qmp, BlockDevice{"disk1", "/images/a.img", file.get()}, {"hp0", 0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/images/a.img is in use by another VM or program"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Commands(server),
            (std::vector<std::string>{"add-fd", "blockdev-add", "device_add", "blockdev-del", "remove-fd"}));
  EXPECT_EQ(nlohmann::json::parse(server.lines().back())["arguments"]["fdset-id"], 2);
}

TEST(QmpHotplug, DiskUnplugWaitsForTheGuestThenDropsNodeAndFdSet) {
  FakeQmp server([](const std::string& line) {
    if (CommandOf(line) == "device_del")
      return Ok() + R"({"event": "DEVICE_DELETED", "data": {"device": "disk1", "path": "/machine/peripheral/disk1"}})" "\n";
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  ASSERT_TRUE(UnplugBlock(*qmp, "disk1", 5, 2s));
  EXPECT_EQ(Commands(server), (std::vector<std::string>{"device_del", "blockdev-del", "remove-fd"}));
  EXPECT_EQ(nlohmann::json::parse(server.lines()[2])["arguments"]["node-name"], "disk1-file");
}

TEST(QmpHotplug, VfioDeviceGoesIntoThePortAndOutWhenTheGuestLetsGo) {
  FakeQmp server([](const std::string& line) {
    if (CommandOf(line) == "device_del")
      return Ok() + R"({"event": "DEVICE_DELETED", "data": {"device": "vfio0", "path": "/machine/peripheral/vfio0"}})" "\n";
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  ASSERT_TRUE(PlugVfio(*qmp, VfioDevice{"vfio0", "0000:01:00.0"}, "hp0"));
  EXPECT_EQ(nlohmann::json::parse(server.lines()[1])["arguments"],
            (nlohmann::json{{"driver", "vfio-pci"}, {"id", "vfio0"}, {"host", "0000:01:00.0"}, {"bus", "hp0"}}));
  ASSERT_TRUE(UnplugVfio(*qmp, "vfio0", 2s));
  EXPECT_EQ(Commands(server), (std::vector<std::string>{"device_add", "device_del"}));
}

TEST(QmpHotplug, AVfioDeviceQemuCannotOpenSaysWhich) {
  FakeQmp server([](const std::string& line) {
    if (CommandOf(line) == "device_add")
      return std::string(R"({"error": {"class": "GenericError", "desc": "vfio 0000:01:00.0: group 7 is not viable"}})" "\n");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto r = PlugVfio(*qmp, VfioDevice{"vfio0", "0000:01:00.0"}, "hp0");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("pass PCI device 0000:01:00.0 through: QMP device_add: vfio 0000:01:00.0: group 7 is not viable"),
            std::string::npos)
      << r.error().message;
  auto kept = UnplugVfio(*qmp, "vfio0", 200ms);
  ASSERT_FALSE(kept);
  EXPECT_NE(kept.error().message.find("did not release VFIO device vfio0"), std::string::npos);
}

TEST(QmpHotplug, ADiskGrowsByItsNode) {
  FakeQmp server([](const std::string&) { return Ok(); });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  ASSERT_TRUE(ResizeBlock(*qmp, "disk2", 256ull << 20));
  auto resize = nlohmann::json::parse(server.lines()[1]);
  EXPECT_EQ(resize["execute"], "block_resize");
  EXPECT_EQ(resize["arguments"], (nlohmann::json{{"node-name", "disk2-file"}, {"size", 256ull << 20}}));
}

TEST(QmpHotplug, PciPathGoesThroughTheRootPort) {
  // query-pci's shape for a disk in root port hp1 (slot 3 of bus 0, secondary bus 2).
  FakeQmp server([](const std::string& line) {
    if (CommandOf(line) != "query-pci") return Ok();
    return Ok(nlohmann::json::parse(R"([{"bus": 0, "devices": [
        {"bus": 0, "slot": 0, "function": 0, "qdev_id": ""},
        {"bus": 0, "slot": 1, "function": 0, "qdev_id": "vfs"},
        {"bus": 0, "slot": 2, "function": 0, "qdev_id": "hp0",
         "pci_bridge": {"bus": {"number": 1, "secondary": 1, "subordinate": 1}, "devices": []}},
        {"bus": 0, "slot": 3, "function": 0, "qdev_id": "hp1",
         "pci_bridge": {"bus": {"number": 2, "secondary": 2, "subordinate": 2},
                        "devices": [{"bus": 2, "slot": 0, "function": 0, "qdev_id": "disk1"}]}},
        {"bus": 0, "slot": 17, "function": 0, "qdev_id": "disk0"}]}])").dump());
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto hot = PciPath(*qmp, "disk1");
  ASSERT_TRUE(hot) << hot.error().message;
  EXPECT_EQ(*hot, "03/00");
  auto cold = PciPath(*qmp, "disk0");
  ASSERT_TRUE(cold);
  EXPECT_EQ(*cold, "11") << "a cold-plugged disk on the root bus";
  auto missing = PciPath(*qmp, "disk9");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(Qmp, AnswersOfAnotherShapeAreErrorsNotExceptions) {
  FakeQmp server([](const std::string& line) {
    const std::string command = CommandOf(line);
    if (command == "stop") return std::string(R"({"error": {"desc": 7}})") + "\n";
    if (command == "query-hotpluggable-cpus") return Ok(R"([{"props": [2], "type": 3}, 1])");
    if (command == "query-cpus-fast") return Ok(R"([{"thread-id": "x"}])");
    if (command == "query-status") return Ok("[]");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto stop = qmp->Execute("stop");
  ASSERT_FALSE(stop);
  EXPECT_NE(stop.error().message.find("unknown error"), std::string::npos) << stop.error().message;
  auto cpus = PlugCpus(*qmp, 2);
  ASSERT_FALSE(cpus);
  EXPECT_NE(cpus.error().message.find("a slot is 1"), std::string::npos) << cpus.error().message;
  auto threads = VcpuThreadIds(*qmp);
  ASSERT_FALSE(threads);
  EXPECT_NE(threads.error().message.find("without a thread id"), std::string::npos) << threads.error().message;
  os::Fd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto load = LoadVmState(*qmp, file.get(), 1s);
  ASSERT_FALSE(load);
  EXPECT_NE(load.error().message.find("left it"), std::string::npos) << load.error().message;
}

TEST(Qmp, NoServerIsUnavailable) {
  auto qmp = QmpClient::Connect("/tmp/vc-no-such-qmp.sock", 200ms);
  ASSERT_FALSE(qmp);
  EXPECT_EQ(qmp.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace vc::hypervisor::qemu
