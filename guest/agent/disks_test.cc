#include "disks.h"

#include <gtest/gtest.h>

#include "os/file.h"

namespace vc::agent::disks {
namespace {

// A sysfs tree as the guest kernel shows disks: a virtio-blk disk on the root
// bus, one behind root port 00:03.0 (bus 02), and a SCSI disk at target 2.
class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-sysfs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    sys_ = tmpl;
    const std::string pci = sys_ + "/bus/pci/devices/";
    Dir(pci + "0000:00:11.0/virtio3/block/vda");
    Dir(pci + "0000:00:03.0/pci_bus/0000:02");
    Dir(pci + "0000:00:04.0/pci_bus/0000:03");
    Dir(pci + "0000:02:00.0/virtio5/block/vdb");
    Dir(pci + "0000:00:05.0/virtio1");  // a virtio device that is no disk (yet)
    Dir(sys_ + "/bus/scsi/devices/0:0:2:0/block/sdb");
    Dir(sys_ + "/bus/scsi/devices/0:0:12:0/block/sdc");
    Dir(sys_ + "/bus/scsi/devices/host0");
  }
  void TearDown() override { (void)os::RemoveTree(sys_); }
  static void Dir(const std::string& path) { ASSERT_TRUE(os::MakeDirs(path, 0755)); }

  std::string sys_;
};

TEST_F(FakeSysfs, VirtioBlkByItsPciPath) {
  EXPECT_EQ(Find(sys_, "virtio-blk", "11").value(), "vda") << "cold-plugged on the root bus";
  EXPECT_EQ(Find(sys_, "virtio-blk", "03/00").value(), "vdb") << "behind root port 03, on its bus 02";
  EXPECT_EQ(Find(sys_, "virtio-blk", "04/00").error().code, ErrorCode::kNotFound) << "an empty port";
  EXPECT_EQ(Find(sys_, "virtio-blk", "05").error().code, ErrorCode::kNotFound) << "no block device yet";
  EXPECT_EQ(Find(sys_, "virtio-blk", "11/00").error().code, ErrorCode::kNotFound) << "not a bridge";
  for (const char* bad : {"", "3", "003", "0g", "03/", "/03", "20", "03//00", "../00"})
    EXPECT_EQ(Find(sys_, "virtio-blk", bad).error().code, ErrorCode::kInvalidArgument) << bad;
}

TEST_F(FakeSysfs, VirtioScsiByTargetAndLun) {
  EXPECT_EQ(Find(sys_, "virtio-scsi", "2:0").value(), "sdb");
  EXPECT_EQ(Find(sys_, "virtio-scsi", "12:0").value(), "sdc") << "not confused with target 2";
  EXPECT_EQ(Find(sys_, "virtio-scsi", "3:0").error().code, ErrorCode::kNotFound);
  for (const char* bad : {"", "2", "2:", ":0", "256:0", "2:0:0", "x:0"})
    EXPECT_EQ(Find(sys_, "virtio-scsi", bad).error().code, ErrorCode::kInvalidArgument) << bad;
  EXPECT_EQ(Find(sys_, "nvme", "0").error().code, ErrorCode::kInvalidArgument);
}

TEST(Renumber, TheDeviceAndItsCgroupRuleGetTheGuestsNumbers) {
  oci::Spec spec;
  spec.linux.devices = {{"b", "/dev/xda", 7, 3, {}, {}, {}}, {"c", "/dev/fuse", 10, 229, {}, {}, {}},
                        {"b", "/dev/other", 8, 16, {}, {}, {}}};
  oci::Resources resources;
  resources.devices = {{false, "a", {}, {}, "rwm"}, {true, "b", 7, 3, "rw"}, {true, "b", 8, 16, "r"}};
  spec.linux.resources = resources;
  Renumber(spec, {{"/dev/xda", 254, 16}});
  EXPECT_EQ(spec.linux.devices[0].major, 254);
  EXPECT_EQ(spec.linux.devices[0].minor, 16);
  EXPECT_EQ(spec.linux.devices[1].major, 10) << "a character device keeps its numbers";
  EXPECT_EQ(spec.linux.devices[2].major, 8) << "another block device too";
  EXPECT_EQ(spec.linux.resources->devices[1].major, 254);
  EXPECT_EQ(spec.linux.resources->devices[1].minor, 16);
  EXPECT_FALSE(spec.linux.resources->devices[0].major) << "a rule for every device stays so";
  EXPECT_EQ(spec.linux.resources->devices[2].major, 8);
}

}  // namespace
}  // namespace vc::agent::disks
