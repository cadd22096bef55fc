#include "pci.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "os/file.h"

namespace vc::agent::pci {

namespace {

constexpr size_t kMaxDepth = 8;

bool ParseSlot(std::string_view text, unsigned& out) {
  if (text.size() != 2) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + 2, out, 16);
  return ec == std::errc() && end == text.data() + 2 && out <= 31;
}

}  // namespace

Result<std::string> DeviceDir(const std::string& sys, const std::string& path) {
  std::vector<unsigned> slots;
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    unsigned slot = 0;
    if (!ParseSlot(std::string_view(path).substr(start, end - start), slot) || slots.size() == kMaxDepth)
      return Fail(ErrorCode::kInvalidArgument, "PCI path '" + path + "': want slots of two hex digits, e.g. 02/00");
    slots.push_back(slot);
    start = end + 1;
  }
  const std::string devices = sys + "/bus/pci/devices/";
  std::string bus = "0000:00";
  std::string device;
  for (size_t i = 0; i < slots.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%s:%02x.0", bus.c_str(), slots[i]);
    device = devices + name;
    if (!os::Exists(device)) return Fail(ErrorCode::kNotFound, "no PCI device at " + path);
    if (i + 1 == slots.size()) break;
    // A bridge: the bus behind it is its pci_bus/<domain:bus>.
    auto behind = os::ListDir(device + "/pci_bus");
    if (behind.size() != 1) return Fail(ErrorCode::kNotFound, "PCI device " + std::string(name) + " is no bridge (yet)");
    bus = behind[0];
  }
  return device;
}

asio::awaitable<Result<>> WaitAll(std::vector<Passthrough> devices, std::chrono::milliseconds timeout,
                                  std::string sys) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& d : devices) {
    for (;;) {
      auto dir = DeviceDir(sys, d.address);
      if (dir) break;
      if (dir.error().code != ErrorCode::kNotFound) co_return std::unexpected(dir.error());
      if (std::chrono::steady_clock::now() > deadline)
        co_return std::unexpected(dir.error().Wrap("the PCI device for " + d.container_path + " did not appear within " +
                                                   std::to_string(timeout.count() / 1000) + " s"));
      asio::steady_timer tick(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
      co_await tick.async_wait(vc::kTuple);
    }
  }
  co_return Result<>();
}

void DropHostNodes(oci::Spec& spec, const std::vector<Passthrough>& devices) {
  for (const auto& passed : devices) {
    auto& entries = spec.linux.devices;
    auto node = std::find_if(entries.begin(), entries.end(), [&](const auto& d) { return d.path == passed.container_path; });
    if (node == entries.end()) continue;
    if (spec.linux.resources) {
      auto& rules = spec.linux.resources->devices;
      std::erase_if(rules, [&](const auto& rule) {
        return rule.type == node->type && rule.major == node->major && rule.minor == node->minor;
      });
    }
    entries.erase(node);
  }
}

}  // namespace vc::agent::pci
