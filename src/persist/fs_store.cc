#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "os/error.h"
#include "os/file.h"
#include "persist/store.h"
#include "persist/layout.h"

namespace vc::persist {

namespace {

class FsStore : public Store {
 public:
  explicit FsStore(std::string root) : root_(std::move(root)) {}

  std::string SandboxDir(const std::string& id) const override { return Layout(id).dir; }

  Result<> Create(const std::string& id, const nlohmann::json& doc) override {
    if (auto r = os::MakeDirs(SandboxLayout::SandboxesDir(root_), 0700); !r) return r;
    std::string dir = SandboxDir(id);
    if (::mkdir(dir.c_str(), 0700) != 0) {
      if (errno == EEXIST) return Fail(ErrorCode::kAlreadyExists, "sandbox " + id + " already exists");
      return os::FailErrno("create " + dir);
    }
    auto saved = Save(id, doc);
    if (!saved) (void)os::RemoveTree(dir);
    return saved;
  }

  Result<nlohmann::json> Load(const std::string& id) override {
    return Read(Layout(id).StateFile(), "sandbox " + id);
  }

  Result<> Save(const std::string& id, const nlohmann::json& doc) override {
    return os::WriteFileAtomic(Layout(id).StateFile(), doc.dump(2) + "\n", 0600);
  }

  Result<> SaveItem(const std::string& id, const std::string& item, const nlohmann::json& doc) override {
    return os::WriteFileAtomic(ItemPath(id, item), doc.dump(2) + "\n", 0600);
  }

  Result<nlohmann::json> LoadItem(const std::string& id, const std::string& item) override {
    return Read(ItemPath(id, item), item + " of sandbox " + id);
  }

  Result<> Remove(const std::string& id) override {
    // The state file first: from then on a racing Lock finds no sandbox and
    // creates no lock file; a write already under way is swept up by a retry.
    const std::string state = Layout(id).StateFile();
    if (::unlink(state.c_str()) != 0 && errno != ENOENT) return os::FailErrno("remove " + state);
    for (int attempt = 1;; ++attempt) {
      auto removed = os::RemoveTree(SandboxDir(id));
      if (removed || attempt == 5) return removed;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  Result<std::vector<std::string>> List() override {
    std::vector<std::string> ids;
    std::error_code ec;
    const std::string dir = SandboxLayout::SandboxesDir(root_);
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (os::Exists(SandboxLayout{entry.path().string()}.StateFile()))
        ids.push_back(entry.path().filename().string());
    if (ec && ec != std::errc::no_such_file_or_directory)
      return Fail(ErrorCode::kInternal, "list " + dir + ": " + ec.message());
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  Result<SandboxLock> Lock(const std::string& id, std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::string path = Layout(id).LockFile();
      // Created by the first lock of a sandbox whose state exists, never
      // inside a directory being removed.
      os::Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
      if (!fd && errno == ENOENT && os::Exists(Layout(id).StateFile()))
        fd = os::Fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
      if (!fd) {
        if (errno == ENOENT) return Fail(ErrorCode::kNotFound, "sandbox " + id + " not found");
        return os::FailErrno("open " + path);
      }
      if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
        // The holder may have deleted the sandbox meanwhile: then our lock is on
        // an unlinked file and means nothing.
        struct stat held {}, now {};
        if (::fstat(fd.get(), &held) == 0 && ::stat(path.c_str(), &now) == 0 &&
            held.st_ino == now.st_ino)
          return SandboxLock(std::move(fd));
        if (!os::Exists(Layout(id).StateFile()))
          return Fail(ErrorCode::kNotFound, "sandbox " + id + " not found");
        continue;
      }
      if (errno != EWOULDBLOCK) return os::FailErrno("lock " + path);
      if (std::chrono::steady_clock::now() > deadline)
        return Fail(ErrorCode::kDeadlineExceeded,
                    "sandbox " + id + " is busy: another operation holds its lock");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

 private:
  SandboxLayout Layout(const std::string& id) const { return SandboxLayout::Of(root_, id); }
  std::string ItemPath(const std::string& id, const std::string& item) const {
    return Layout(id).dir + "/" + item + ".json";
  }

  Result<nlohmann::json> Read(const std::string& path, const std::string& what) {
    auto text = os::ReadFile(path);
    if (!text) {
      if (text.error().code == ErrorCode::kNotFound) return Fail(ErrorCode::kNotFound, what + " not found");
      return std::unexpected(text.error());
    }
    auto doc = nlohmann::json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return Fail(ErrorCode::kDataLoss, "state of " + what + " is corrupt: " + path);
    return doc;
  }

  std::string root_;
};

}  // namespace

std::unique_ptr<Store> NewFsStore(const std::string& root) { return std::make_unique<FsStore>(root); }

}  // namespace vc::persist
