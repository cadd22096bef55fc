// Counts that outlive the processes that make them. Every program that
// drives a state root (virtc, the shim, vc-runtime: each a vc::Runtime) adds
// to one file under it, `<root>/counters.json`, which vc-monitor reads:
// operation errors by operation and code, sandbox starts by where they came
// from. Each addition rewrites the file whole under an exclusive lock
// (`counters.lock`); a failure to count is not the caller's failure.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace vc::persist {

// The keys: a failed call, "errors:<operation>:<code>"; a VM started.
inline constexpr const char* kErrorsPrefix = "errors:";
inline constexpr const char* kVmStartsTemplate = "vm starts:template";
inline constexpr const char* kVmStartsBoot = "vm starts:boot";

// Adds 1 to `key`; nothing if the state root does not exist.
void AddCount(const std::string& state_root, const std::string& key);
// Every key with its count; empty if there is no file yet.
std::map<std::string, uint64_t> ReadCounts(const std::string& state_root);

}  // namespace vc::persist
