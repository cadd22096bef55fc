#include "persist/counters.h"

#include <fcntl.h>
#include <sys/file.h>

#include <nlohmann/json.hpp>

#include "os/fd.h"
#include "os/file.h"

namespace vc::persist {

namespace {

std::map<std::string, uint64_t> Parse(const std::string& path) {
  std::map<std::string, uint64_t> out;
  auto text = os::ReadFile(path);
  if (!text) return out;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [key, value] : j.items())
    if (value.is_number_unsigned()) out[key] = value.get<uint64_t>();
  return out;
}

}  // namespace

void AddCount(const std::string& state_root, const std::string& key) {
  if (!os::Exists(state_root)) return;
  os::Fd lock(::open((state_root + "/counters.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock || ::flock(lock.get(), LOCK_EX) != 0) return;
  const std::string path = state_root + "/counters.json";
  auto counts = Parse(path);
  ++counts[key];
  (void)os::WriteFileAtomic(path, nlohmann::json(counts).dump(1) + "\n", 0600);
}

std::map<std::string, uint64_t> ReadCounts(const std::string& state_root) {
  return Parse(state_root + "/counters.json");
}

}  // namespace vc::persist
