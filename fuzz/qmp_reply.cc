// What a QEMU may answer on QMP: the input is the bytes it sends (greeting,
// answers, events), played to the QMP client over a socket pair, while the
// client runs every sequence the runtime runs (handshake, hot-plug of NICs,
// vCPUs and memory, the template's save and load, status). Any shape of
// answer is an error or a result, never a crash or an exception.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "hypervisor/qemu/hotplug.h"
#include "hypervisor/qemu/qmp.h"
#include "hypervisor/qemu/snapshot.h"
#include "os/fd.h"

namespace qemu = vc::hypervisor::qemu;
using namespace std::chrono_literals;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) __builtin_trap();
  vc::os::Fd ours(pair[0]), qemu_side(pair[1]);
  // QEMU has said everything it will say: the client reads it, then EOF, and
  // never waits. Its requests stay unread in the socket's buffer.
  const int buffer = 1 << 20;
  ::setsockopt(qemu_side.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  size = std::min<size_t>(size, 128 * 1024);
  for (size_t off = 0; off < size;) {
    ssize_t n = ::send(qemu_side.get(), data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::shutdown(qemu_side.get(), SHUT_WR);

  auto qmp = qemu::QmpClient::Handshake(std::move(ours), 1s);
  if (!qmp) return 0;
  vc::hypervisor::NetDevice nic;
  nic.id = "net0";
  nic.mac = "02:00:00:00:00:01";
  nic.fds = {-1};
  (void)qemu::PlugNet(*qmp, nic, "rp0");
  (void)qemu::UnplugNet(*qmp, "net0", 0ms);
  (void)qemu::PlugCpus(*qmp, 4);
  (void)qemu::VcpuThreadIds(*qmp);
  (void)qemu::PlugMemory(*qmp, "dimm0", 128, true);
  (void)qemu::SaveVmState(*qmp, -1, 0ms);
  (void)qemu::LoadVmState(*qmp, -1, 0ms);
  if (auto status = qmp->Execute("query-status")) (void)qemu::QmpBool(*status, "running", false);
  return 0;
}
