// Persisted sandbox state, behind a driver interface.
//
// A store keeps one JSON document per sandbox and a directory for its runtime
// files (sockets, logs, the shared-fs root). Separate processes use one store
// at a time safely: writes are atomic and SandboxLock serializes the
// read-modify-write cycles of one sandbox. Store objects are thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "os/fd.h"
#include "vc/result.h"

namespace vc::persist {

// Exclusive lock on one sandbox, released on destruction.
class SandboxLock {
 public:
  SandboxLock() = default;
  explicit SandboxLock(os::Fd fd) : fd_(std::move(fd)) {}

 private:
  os::Fd fd_;
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates the sandbox's directory and first document; kAlreadyExists if the id is taken.
  virtual Result<> Create(const std::string& id, const nlohmann::json& doc) = 0;
  virtual Result<nlohmann::json> Load(const std::string& id) = 0;  // kNotFound if unknown
  virtual Result<> Save(const std::string& id, const nlohmann::json& doc) = 0;
  // Removes the document and the sandbox's directory.
  virtual Result<> Remove(const std::string& id) = 0;
  virtual Result<std::vector<std::string>> List() = 0;
  // Waits up to `timeout` for the sandbox's lock; kNotFound if the sandbox is gone.
  virtual Result<SandboxLock> Lock(const std::string& id, std::chrono::milliseconds timeout) = 0;
  // Directory for the sandbox's runtime files.
  virtual std::string SandboxDir(const std::string& id) const = 0;

  // Further documents of a sandbox, written by the part that owns them (the
  // resources' state, say), each as atomically as the record. LoadItem gives
  // kNotFound if the item was never saved.
  virtual Result<> SaveItem(const std::string& id, const std::string& item, const nlohmann::json& doc) = 0;
  virtual Result<nlohmann::json> LoadItem(const std::string& id, const std::string& item) = 0;
};

// The default driver: <root>/sbs/<id>/state.json, items as <item>.json beside
// it (dirs 0700, files 0600, see persist/layout.h), written via temp file +
// fsync + rename; the lock is flock on <root>/sbs/<id>/lock.
std::unique_ptr<Store> NewFsStore(const std::string& root);

}  // namespace vc::persist
