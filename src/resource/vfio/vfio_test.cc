#include "resource/vfio/vfio.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "os/file.h"

namespace vc::resource::vfio {
namespace {

namespace fs = std::filesystem;

// A sysfs tree with PCI devices, drivers and IOMMU groups, and a kernel that
// acts on the attribute writes the way the PCI core does.
class VfioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-vfio-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sys_.root = dir_ + "/sys";
    sys_.mountinfo = dir_ + "/mountinfo";
    sys_.write = [this](const std::string& path, const std::string& value) { return Kernel(path, value); };
    ASSERT_TRUE(os::MakeDirs(sys_.root + "/kernel/iommu_groups", 0755));
    for (const char* d : {"vfio-pci", "e1000e", "nvme", "snd_hda_intel", "pcieport"}) Driver(d);
    ASSERT_TRUE(os::WriteFileAtomic(sys_.mountinfo, "22 1 259:1 / / rw - ext4 /dev/nvme1n1p1 rw\n", 0644));
  }
  void TearDown() override { (void)os::RemoveTree(dir_); }

  void Driver(const std::string& name) { ASSERT_TRUE(os::MakeDirs(sys_.root + "/bus/pci/drivers/" + name, 0755)); }

  std::string Dev(const std::string& address) { return sys_.root + "/bus/pci/devices/" + address; }

  void Device(const std::string& address, const std::string& group, const std::string& driver,
              const std::string& cls = "0x020000") {
    ASSERT_TRUE(os::MakeDirs(Dev(address), 0755));
    ASSERT_TRUE(os::WriteFileAtomic(Dev(address) + "/class", cls + "\n", 0644));
    ASSERT_TRUE(os::WriteFileAtomic(Dev(address) + "/driver_override", "(null)\n", 0644));
    if (!driver.empty()) SetDriver(address, driver);
    if (group.empty()) return;
    const std::string g = sys_.root + "/kernel/iommu_groups/" + group;
    ASSERT_TRUE(os::MakeDirs(g + "/devices", 0755));
    fs::create_symlink(g, Dev(address) + "/iommu_group");
    fs::create_symlink(Dev(address), g + "/devices/" + address);
  }

  void SetDriver(const std::string& address, const std::string& driver) {
    std::error_code ec;
    fs::remove(Dev(address) + "/driver", ec);
    if (!driver.empty()) fs::create_symlink(sys_.root + "/bus/pci/drivers/" + driver, Dev(address) + "/driver");
  }

  std::string DriverOf(const std::string& address) {
    std::error_code ec;
    return fs::read_symlink(Dev(address) + "/driver", ec).filename().string();
  }

  // The PCI core's part: driver_override, unbind, bind, drivers_probe.
  Result<> Kernel(const std::string& path, const std::string& value) {
    writes_.push_back(path.substr(sys_.root.size()) + " < " + value);
    const std::string rel = path.substr(sys_.root.size());
    const std::string devices = "/bus/pci/devices/";
    if (rel.starts_with(devices) && rel.ends_with("/driver_override")) {
      return os::WriteFileAtomic(path, value == "\n" ? "(null)\n" : value + "\n", 0644);
    }
    if (rel.ends_with("/unbind")) {
      SetDriver(value, "");
      return {};
    }
    if (rel.ends_with("/bind")) {
      const std::string driver = fs::path(rel).parent_path().filename().string();
      SetDriver(value, driver);
      return {};
    }
    if (rel == "/bus/pci/drivers_probe") {
      auto override_driver = os::ReadFile(Dev(value) + "/driver_override");
      std::string name = override_driver ? override_driver->substr(0, override_driver->find('\n')) : "";
      if (name == "vfio-pci" && refuse_vfio_ == value) return {};  // vfio-pci's probe failed
      if (name != "(null)" && DriverOf(value).empty()) SetDriver(value, name);
      return {};
    }
    return Fail(ErrorCode::kInternal, "the fake kernel has no attribute " + rel);
  }

  Result<std::vector<Function>> BindGroup(const std::string& group) {
    return Bind(group, sys_, [this](const std::vector<Function>& functions) {
      saved_ = functions;
      return Result<>();
    });
  }

  std::string dir_;
  Sysfs sys_;
  std::vector<std::string> writes_;
  std::vector<Function> saved_;
  std::string refuse_vfio_;
};

TEST_F(VfioTest, NoIommuIsSaidPlainly) {
  Device("0000:00:02.0", "", "e1000e");
  auto group = GroupOf("0000:00:02.0", sys_);
  ASSERT_FALSE(group);
  EXPECT_EQ(group.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(group.error().message.find("the host has no IOMMU"), std::string::npos) << group.error().message;
  auto functions = BindGroup("0");
  ASSERT_FALSE(functions);
  EXPECT_NE(functions.error().message.find("no IOMMU"), std::string::npos);
  EXPECT_TRUE(writes_.empty());
}

TEST_F(VfioTest, FindsTheGroupOfAnAddress) {
  Device("0000:01:00.0", "12", "e1000e");
  EXPECT_EQ(GroupOf("0000:01:00.0", sys_).value(), "12");
  EXPECT_EQ(GroupOf("01:00.0", sys_).value(), "12") << "the domain may be left out";
  EXPECT_EQ(GroupOf("0000:02:00.0", sys_).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(GroupOf("1:0.0", sys_).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(GroupOf("0000:01:00.9", sys_).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(GroupOfPath("/dev/vfio/12").value(), "12");
  EXPECT_FALSE(GroupOfPath("/dev/vfio/vfio"));
  EXPECT_FALSE(GroupOfPath("/dev/vfio/"));
  EXPECT_FALSE(GroupOfPath("/dev/sda"));
}

TEST_F(VfioTest, BindsTheWholeGroupAndGivesTheDriversBack) {
  Device("0000:01:00.0", "7", "e1000e");
  Device("0000:01:00.1", "7", "snd_hda_intel", "0x040300");
  Device("0000:00:1c.0", "7", "pcieport", "0x060400");  // the bridge stays as it is
  Device("0000:01:00.2", "7", "");                       // no driver before: none after
  auto functions = BindGroup("7");
  ASSERT_TRUE(functions) << functions.error().message;
  const std::vector<Function> before = {
      {"0000:01:00.0", "e1000e"}, {"0000:01:00.1", "snd_hda_intel"}, {"0000:01:00.2", ""}};
  EXPECT_EQ(*functions, before);
  EXPECT_EQ(saved_, before) << "recorded before the first change";
  for (const auto& f : before) EXPECT_EQ(DriverOf(f.address), "vfio-pci") << f.address;
  EXPECT_EQ(DriverOf("0000:00:1c.0"), "pcieport");

  ASSERT_TRUE(Release(*functions, sys_));
  EXPECT_EQ(DriverOf("0000:01:00.0"), "e1000e");
  EXPECT_EQ(DriverOf("0000:01:00.1"), "snd_hda_intel");
  EXPECT_EQ(DriverOf("0000:01:00.2"), "");
  EXPECT_EQ(os::ReadFile(Dev("0000:01:00.0") + "/driver_override").value(), "(null)\n");
  // The record survives a round trip through JSON (the sandbox's resources).
  EXPECT_EQ(nlohmann::json(before).get<std::vector<Function>>(), before);
}

TEST_F(VfioTest, AGroupAlreadyOnVfioIsLeftThere) {
  Device("0000:03:00.0", "9", "vfio-pci");
  ASSERT_TRUE(fs::remove(sys_.root + "/bus/pci/drivers/vfio-pci"));  // loaded or not: nothing to do
  auto functions = BindGroup("9");
  ASSERT_TRUE(functions) << functions.error().message;
  ASSERT_TRUE(Release(*functions, sys_));
  EXPECT_EQ(DriverOf("0000:03:00.0"), "vfio-pci");
  EXPECT_TRUE(writes_.empty());
}

TEST_F(VfioTest, RefusesWithoutVfioPci) {
  Device("0000:01:00.0", "7", "e1000e");
  ASSERT_TRUE(fs::remove(sys_.root + "/bus/pci/drivers/vfio-pci"));
  auto functions = BindGroup("7");
  ASSERT_FALSE(functions);
  EXPECT_NE(functions.error().message.find("modprobe vfio-pci"), std::string::npos) << functions.error().message;
  EXPECT_TRUE(writes_.empty());
  EXPECT_EQ(DriverOf("0000:01:00.0"), "e1000e");
}

TEST_F(VfioTest, RefusesAnInterfaceThatIsUp) {
  Device("0000:01:00.0", "7", "e1000e");
  Device("0000:01:00.1", "7", "e1000e");
  ASSERT_TRUE(os::MakeDirs(Dev("0000:01:00.1") + "/net/enp1s0f1", 0755));
  ASSERT_TRUE(os::WriteFileAtomic(Dev("0000:01:00.1") + "/net/enp1s0f1/flags", "0x1003\n", 0644));
  auto functions = BindGroup("7");
  ASSERT_FALSE(functions);
  EXPECT_EQ(functions.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(functions.error().message.find("0000:01:00.1 of IOMMU group 7 is in use on the host (driver e1000e): "
                                           "its interface enp1s0f1 is up"),
            std::string::npos)
      << functions.error().message;
  EXPECT_TRUE(writes_.empty()) << "nothing changed";
  EXPECT_TRUE(saved_.empty());
  // Down, it may go.
  ASSERT_TRUE(os::WriteFileAtomic(Dev("0000:01:00.1") + "/net/enp1s0f1/flags", "0x1002\n", 0644));
  EXPECT_TRUE(BindGroup("7"));
}

TEST_F(VfioTest, RefusesADiskThatIsMounted) {
  Device("0000:04:00.0", "3", "nvme", "0x010802");
  const std::string part = Dev("0000:04:00.0") + "/nvme/nvme1/nvme1n1/nvme1n1p1";
  ASSERT_TRUE(os::MakeDirs(part, 0755));
  ASSERT_TRUE(os::WriteFileAtomic(part + "/dev", "259:1\n", 0644));
  auto functions = BindGroup("3");
  ASSERT_FALSE(functions);
  EXPECT_NE(functions.error().message.find("its disk nvme1n1p1 is mounted at /"), std::string::npos)
      << functions.error().message;
  EXPECT_TRUE(writes_.empty());
}

TEST_F(VfioTest, AFailedBindGivesBackWhatWasTaken) {
  Device("0000:01:00.0", "7", "e1000e");
  Device("0000:01:00.1", "7", "e1000e");
  refuse_vfio_ = "0000:01:00.1";
  auto functions = BindGroup("7");
  ASSERT_FALSE(functions);
  EXPECT_NE(functions.error().message.find("vfio-pci did not take PCI device 0000:01:00.1"), std::string::npos)
      << functions.error().message;
  EXPECT_EQ(DriverOf("0000:01:00.0"), "e1000e");
  EXPECT_EQ(DriverOf("0000:01:00.1"), "e1000e");
}

TEST_F(VfioTest, ReleasePassesOverADeviceTheHostLost) {
  Device("0000:01:00.0", "7", "e1000e");
  auto functions = BindGroup("7");
  ASSERT_TRUE(functions);
  std::vector<Function> record = *functions;
  record.push_back({"0000:09:00.0", "e1000e"});
  EXPECT_TRUE(Release(record, sys_));
  EXPECT_EQ(DriverOf("0000:01:00.0"), "e1000e");
}

TEST_F(VfioTest, UnknownGroup) {
  Device("0000:01:00.0", "7", "e1000e");
  auto functions = BindGroup("8");
  ASSERT_FALSE(functions);
  EXPECT_EQ(functions.error().code, ErrorCode::kNotFound);
  EXPECT_NE(functions.error().message.find("no IOMMU group 8"), std::string::npos);
}

}  // namespace
}  // namespace vc::resource::vfio
