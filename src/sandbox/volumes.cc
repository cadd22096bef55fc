#include "sandbox/volumes.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "os/error.h"
#include "os/file.h"
#include "os/mount.h"
#include "resource/disk/disk.h"

namespace vc {

namespace {

bool GuestMounts(const std::string& type) { return type == "ext4" || type == "ext3" || type == "ext2" || type == "xfs"; }

std::string VolumesDir(const std::string& state_root) { return state_root + "/volumes"; }

// A registration's file: named by a hash of the path (a path can be longer
// than a file name), which the record repeats to catch a collision.
std::string RecordOf(const std::string& state_root, const std::string& volume_path) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : volume_path) hash = (hash ^ c) * 0x100000001b3ULL;
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.json", static_cast<unsigned long long>(hash));
  return VolumesDir(state_root) + "/" + name;
}

Result<> CheckVolumePath(const std::string& volume_path) {
  if (volume_path.empty() || volume_path[0] != '/')
    return Fail(ErrorCode::kInvalidArgument, "volume path '" + volume_path + "' must be absolute");
  return {};
}

// The file system's options: the spec's, without what makes a bind.
std::vector<std::string> FsOptions(const std::vector<std::string>& options) {
  std::vector<std::string> out;
  for (const auto& o : options)
    if (o != "bind" && o != "rbind" && !(os::ParseMountOptions({o}).propagation)) out.push_back(o);
  return out;
}

}  // namespace

Result<std::optional<DiskMount>> DiskMountOf(const std::string& state_root, const oci::Mount& mount) {
  const bool read_only = os::ParseMountOptions(mount.options).flags & MS_RDONLY;
  if (mount.source.empty() || mount.source[0] != '/') return std::nullopt;
  if (oci::IsBind(mount)) {
    auto volume = FindDirectVolume(state_root, mount.source);
    if (volume) {
      auto options = volume->options;
      if (read_only) options.push_back("ro");
      return DiskMount{volume->device, volume->fstype, options,
                       read_only || (os::ParseMountOptions(volume->options).flags & MS_RDONLY)};
    }
    if (volume.error().code != ErrorCode::kNotFound) return std::unexpected(volume.error());
    struct stat st {};
    if (::stat(mount.source.c_str(), &st) == 0 && S_ISBLK(st.st_mode))
      return DiskMount{mount.source, "", FsOptions(mount.options), read_only};
    return std::nullopt;
  }
  if (!GuestMounts(mount.type)) return std::nullopt;
  struct stat st {};
  if (::stat(mount.source.c_str(), &st) != 0 || !(S_ISBLK(st.st_mode) || S_ISREG(st.st_mode))) return std::nullopt;
  return DiskMount{mount.source, mount.type, FsOptions(mount.options), read_only};
}

Result<> AddDirectVolume(const std::string& state_root, const std::string& volume_path, const DirectVolume& volume) {
  if (auto ok = CheckVolumePath(volume_path); !ok) return ok;
  if (volume.device.empty() || volume.device[0] != '/')
    return Fail(ErrorCode::kInvalidArgument, "the volume's device '" + volume.device + "' must be an absolute path");
  if (!volume.fstype.empty() && !GuestMounts(volume.fstype))
    return Fail(ErrorCode::kInvalidArgument, "file system type '" + volume.fstype + "': ext4 or xfs");
  auto found = resource::CheckDisk(volume.device);
  if (!found) return std::unexpected(found.error());
  if (auto ok = resource::MatchFsType(volume.device, volume.fstype, *found); !ok) return ok;
  const std::string record = RecordOf(state_root, volume_path);
  if (os::Exists(record)) return Fail(ErrorCode::kAlreadyExists, "volume " + volume_path + " is already registered");
  if (auto ok = os::MakeDirs(VolumesDir(state_root), 0700); !ok) return ok;
  nlohmann::json j = {{"volume_path", volume_path}, {"device", volume.device}, {"fstype", volume.fstype},
                      {"options", volume.options}};
  return os::WriteFileAtomic(record, j.dump(2) + "\n", 0600);
}

Result<DirectVolume> FindDirectVolume(const std::string& state_root, const std::string& volume_path) {
  const std::string record = RecordOf(state_root, volume_path);
  if (!os::Exists(record)) return Fail(ErrorCode::kNotFound, "no direct volume " + volume_path);
  auto text = os::ReadFile(record);
  if (!text) return std::unexpected(text.error());
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("device") || !j["device"].is_string())
    return Fail(ErrorCode::kDataLoss, record + ": not a volume record");
  if (j.value("volume_path", "") != volume_path)
    return Fail(ErrorCode::kNotFound, "no direct volume " + volume_path);
  DirectVolume v;
  v.device = j["device"].get<std::string>();
  if (j.contains("fstype") && j["fstype"].is_string()) v.fstype = j["fstype"].get<std::string>();
  if (j.contains("options") && j["options"].is_array())
    for (const auto& o : j["options"])
      if (o.is_string()) v.options.push_back(o.get<std::string>());
  return v;
}

Result<> RemoveDirectVolume(const std::string& state_root, const std::string& volume_path) {
  if (auto found = FindDirectVolume(state_root, volume_path); !found) return std::unexpected(found.error());
  if (::unlink(RecordOf(state_root, volume_path).c_str()) != 0) return os::FailErrno("remove volume " + volume_path);
  return {};
}

}  // namespace vc
