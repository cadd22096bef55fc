#include "resource/disk/disk.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "os/file.h"

namespace vc::resource {
namespace {

class DiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-disk-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sys_ = dir_ + "/sys";
    ASSERT_TRUE(os::MakeDirs(sys_ + "/block", 0755));
  }
  void TearDown() override { (void)os::RemoveTree(dir_); }

  // A file of `size` bytes with `bytes` written at `offset`.
  std::string Image(const std::string& name, off_t offset, const std::string& bytes, size_t size = 8192) {
    const std::string path = dir_ + "/" + name;
    os::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    EXPECT_TRUE(fd);
    EXPECT_EQ(::ftruncate(fd.get(), static_cast<off_t>(size)), 0);
    EXPECT_EQ(::pwrite(fd.get(), bytes.data(), bytes.size(), offset), static_cast<ssize_t>(bytes.size()));
    return path;
  }

  std::string dir_;
  std::string sys_;
};

TEST_F(DiskTest, KnowsExtAndXfsByTheirMagic) {
  EXPECT_EQ(CheckDisk(Image("ext.img", 1080, "\x53\xEF"), sys_).value(), "ext4");
  EXPECT_EQ(CheckDisk(Image("xfs.img", 0, "XFSB"), sys_).value(), "xfs");
  auto unknown = CheckDisk(Image("zero.img", 0, std::string(16, '\0')), sys_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.error().message.find("no file system the guest can mount"), std::string::npos);
  auto tiny = CheckDisk(Image("tiny.img", 0, "", 2), sys_);
  ASSERT_FALSE(tiny);
  EXPECT_NE(tiny.error().message.find("too small"), std::string::npos);
}

TEST_F(DiskTest, RefusesWhatIsNotADisk) {
  auto dir = CheckDisk(dir_, sys_);
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message.find("neither a block device nor a regular file"), std::string::npos);
  auto missing = CheckDisk(dir_ + "/none.img", sys_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(CheckDisk("/dev/null", sys_)) << "a character device";
}

TEST_F(DiskTest, AFileALoopDeviceUsesIsInUse) {
  const std::string image = Image("busy.img", 1080, "\x53\xEF");
  ASSERT_TRUE(os::MakeDirs(sys_ + "/block/loop3/loop", 0755));
  ASSERT_TRUE(os::WriteFileAtomic(sys_ + "/block/loop3/loop/backing_file", image + "\n", 0644));
  auto busy = OpenDisk(image, false, false, sys_);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(busy.error().message.find("/dev/loop3 is backed by it"), std::string::npos) << busy.error().message;
}

TEST_F(DiskTest, HostBlockDevicesByTheirNumbers) {
  ASSERT_TRUE(os::MakeDirs(sys_ + "/dev/block/7:3", 0755));
  ASSERT_TRUE(os::WriteFileAtomic(sys_ + "/dev/block/7:3/uevent", "MAJOR=7\nMINOR=3\nDEVNAME=loop3\nDEVTYPE=disk\n", 0644));
  ASSERT_TRUE(os::MakeDirs(sys_ + "/dev/block/8:16", 0755));
  ASSERT_TRUE(os::WriteFileAtomic(sys_ + "/dev/block/8:16/uevent", "MAJOR=8\nDEVNAME=mapper/../../etc\n", 0644));
  EXPECT_EQ(HostBlockDevice(7, 3, sys_), "/dev/loop3");
  EXPECT_EQ(HostBlockDevice(8, 666, sys_), "") << "none with those numbers";
  EXPECT_EQ(HostBlockDevice(8, 16, sys_), "") << "a name that leaves /dev";
  EXPECT_EQ(HostBlockDevice(-1, 3, sys_), "");
}

TEST_F(DiskTest, OpensAFileAsTheVmWillUseIt) {
  const std::string image = Image("ok.img", 1080, "\x53\xEF");
  auto disk = OpenDisk(image, true, false, sys_);
  ASSERT_TRUE(disk) << disk.error().message;
  EXPECT_FALSE(disk->host_device);
  EXPECT_EQ(disk->fstype, "ext4");
  EXPECT_EQ(::fcntl(disk->fd.get(), F_GETFL) & O_ACCMODE, O_RDONLY);
  auto device = DeviceOf("disk0", image, *disk, true, hypervisor::kVirtioScsi);
  EXPECT_EQ(device.fd, disk->fd.get());
  EXPECT_TRUE(device.read_only);
  EXPECT_EQ(device.driver, "virtio-scsi");
  auto rw = OpenDisk(image, false, false, sys_);
  ASSERT_TRUE(rw);
  EXPECT_EQ(::fcntl(rw->fd.get(), F_GETFL) & O_ACCMODE, O_RDWR);
  const std::string blank = Image("blank.img", 0, std::string(16, '\0'));
  EXPECT_FALSE(OpenDisk(blank, false, false, sys_)) << "a mount needs a file system";
  auto raw = OpenDisk(blank, false, true, sys_);
  ASSERT_TRUE(raw) << "a device node does not";
  EXPECT_EQ(raw->fstype, "");
}

}  // namespace
}  // namespace vc::resource
