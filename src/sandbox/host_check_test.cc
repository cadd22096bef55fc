#include "sandbox/host_check.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "os/build_info.h"

namespace vc {
namespace {

const HostCheck& Named(const std::vector<HostCheck>& checks, const std::string& name) {
  for (const auto& c : checks)
    if (c.name == name) return c;
  throw std::runtime_error("no check named " + name);
}

TEST(HostCheck, FindsTheBuildCommitInAnImage) {
  const std::string commit = "0123456789abcdef0123456789abcdef01234567";
  const std::string image = std::string("cpio header\0\0", 13) + "vc-build-commit=not-a-commit" + '\0' +
                            "vc-build-commit=" + commit + "-dirty" + '\0' + "more";
  EXPECT_EQ(BuildCommitIn(image), commit + "-dirty");
  EXPECT_EQ(BuildCommitIn("no marker here"), "");
  EXPECT_EQ(BuildCommitIn("vc-build-commit=" + commit), "") << "unterminated";
}

TEST(HostCheck, OurOwnBinaryCarriesItsCommit) {
  std::ifstream self("/proc/self/exe", std::ios::binary);
  const std::string image((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
  EXPECT_EQ(BuildCommitIn(image), os::BuildCommit());
}

TEST(HostCheck, MissingGuestAndStateRootUnderAFileAreErrors) {
  const auto dir = std::filesystem::temp_directory_path() / ("vc-hostcheck-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "file") << "x";
  HypervisorConfig config;
  config.kernel_path = (dir / "vmlinux").string();
  config.virtiofsd_path = (dir / "virtiofsd").string();
  const auto checks = CheckHost(config, (dir / "file" / "root").string(), (dir / "vc-supervisor").string());
  EXPECT_EQ(Named(checks, "guest kernel").level, CheckLevel::kError);
  EXPECT_EQ(Named(checks, "initramfs").level, CheckLevel::kError);
  EXPECT_NE(Named(checks, "initramfs").detail.find((dir / "initramfs.cpio").string() + " not found"), std::string::npos);
  EXPECT_EQ(Named(checks, "supervisor").level, CheckLevel::kError);
  EXPECT_EQ(Named(checks, "state root").detail, (dir / "file").string() + " is not a directory");
  EXPECT_EQ(Named(checks, "virtiofsd").level, CheckLevel::kError) << "virtio-fs needs it";
  config.shared_fs = "virtio-9p";
  EXPECT_EQ(Named(CheckHost(config, dir.string(), ""), "virtiofsd").level, CheckLevel::kWarning);
  EXPECT_EQ(Named(CheckHost(config, dir.string(), ""), "state root").level, CheckLevel::kOk);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vc
