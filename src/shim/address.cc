#include "shim/address.h"

#include <cstdint>
#include <cstdio>

namespace vc::shim {

namespace {
// 64-bit FNV-1a with a final mix (so that keys differing in their last byte
// differ everywhere): stable across builds and machines, unlike std::hash.
uint64_t Hash(const std::string& s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}
}  // namespace

std::string SocketAddress(const std::string& containerd_address, const std::string& ns,
                          const std::string& group) {
  const std::string key = containerd_address + '\0' + ns + '\0' + group;
  // Two differently seeded passes: 128 bits, so distinct keys never share a socket in practice.
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx",
                static_cast<unsigned long long>(Hash(key, 0xcbf29ce484222325ull)),
                static_cast<unsigned long long>(Hash(key, 0x84222325cbf29ce4ull)));
  return std::string("unix://") + kSocketDir + "/" + hex;
}

std::string SocketPath(const std::string& address) {
  return address.starts_with("unix://") ? address.substr(7) : address;
}

}  // namespace vc::shim
