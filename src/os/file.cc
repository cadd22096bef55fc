#include "os/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "os/error.h"

namespace vc::os {

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (dirent* e = ::readdir(d))
    if (std::string name = e->d_name; name != "." && name != "..") names.push_back(name);
  ::closedir(d);
  return names;
}

Result<> WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return FailErrno("write");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<> ReadExact(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return FailErrno("read");
    }
    if (r == 0) return Fail(ErrorCode::kUnavailable, "end of stream");
    got += static_cast<size_t>(r);
  }
  return {};
}

Result<> WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return FailErrno("create " + tmp);
  auto written = WriteAll(fd.get(), data);
  if (written && ::fsync(fd.get()) != 0) written = FailErrno("fsync " + tmp);
  fd.reset();
  if (written && ::rename(tmp.c_str(), path.c_str()) != 0) written = FailErrno("rename to " + path);
  if (!written) {
    ::unlink(tmp.c_str());
    return std::unexpected(written.error().Wrap("write " + path));
  }
  return {};
}

Result<std::string> ReadFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return FailErrno("open " + path);
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FailErrno("read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<> MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return Fail(ErrorCode::kInvalidArgument, "empty directory path");
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    std::string part = path.substr(0, pos);
    if (::mkdir(part.c_str(), mode) != 0 && errno != EEXIST) return FailErrno("mkdir " + part);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FailErrno("stat " + path);
  if (!S_ISDIR(st.st_mode)) return Fail(ErrorCode::kInvalidArgument, path + " is not a directory");
  return {};
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string TailLines(const std::string& path, size_t lines) {
  auto text = ReadFile(path);
  if (!text) return "";
  std::string t = std::move(*text);
  while (!t.empty() && t.back() == '\n') t.pop_back();
  if (t.empty()) return "";
  size_t pos = t.size();
  for (size_t n = 0; n < lines && pos != std::string::npos && pos > 0; ++n) pos = t.rfind('\n', pos - 1);
  return t.substr(pos == std::string::npos ? 0 : pos + 1);
}

namespace {
int RemoveEntry(const char* path, const struct stat*, int type, struct FTW*) {
  int rc = (type == FTW_DP) ? ::rmdir(path) : ::unlink(path);
  return rc == 0 || errno == ENOENT ? 0 : errno;
}
}  // namespace

Result<> RemoveTree(const std::string& path) {
  if (!Exists(path)) return {};
  int rc = ::nftw(path.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (rc != 0) return FailErrno("remove " + path, rc > 0 ? rc : errno);
  return {};
}

}  // namespace vc::os
