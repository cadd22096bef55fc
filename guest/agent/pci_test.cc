#include "pci.h"

#include <gtest/gtest.h>

#include <optional>

#include "os/file.h"

namespace vc::agent::pci {
namespace {

using namespace std::chrono_literals;

// Devices as the guest kernel shows them: one on the root bus, one behind
// root port 00:03.0 (bus 02), an empty root port 00:04.0.
class PciSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-pci-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    sys_ = tmpl;
    const std::string pci = sys_ + "/bus/pci/devices/";
    Dir(pci + "0000:00:11.0");
    Dir(pci + "0000:00:03.0/pci_bus/0000:02");
    Dir(pci + "0000:00:04.0/pci_bus/0000:03");
    Dir(pci + "0000:02:00.0");
  }
  void TearDown() override { (void)os::RemoveTree(sys_); }
  static void Dir(const std::string& path) { ASSERT_TRUE(os::MakeDirs(path, 0755)); }

  Result<> Wait(std::vector<Passthrough> devices, std::chrono::milliseconds timeout) {
    asio::io_context io;
    std::optional<Result<>> result;
    asio::co_spawn(io, WaitAll(std::move(devices), timeout, sys_), [&](std::exception_ptr, Result<> r) { result = r; });
    io.run();
    return result.value();
  }

  std::string sys_;
};

TEST_F(PciSysfs, ADeviceByItsPath) {
  EXPECT_EQ(DeviceDir(sys_, "11").value(), sys_ + "/bus/pci/devices/0000:00:11.0");
  EXPECT_EQ(DeviceDir(sys_, "03/00").value(), sys_ + "/bus/pci/devices/0000:02:00.0") << "behind root port 03";
  EXPECT_EQ(DeviceDir(sys_, "04/00").error().code, ErrorCode::kNotFound) << "an empty port";
  EXPECT_EQ(DeviceDir(sys_, "11/00").error().code, ErrorCode::kNotFound) << "not a bridge";
  for (const char* bad : {"", "3", "003", "0g", "03/", "/03", "20", "03//00", "../00"})
    EXPECT_EQ(DeviceDir(sys_, bad).error().code, ErrorCode::kInvalidArgument) << bad;
}

TEST_F(PciSysfs, WaitsForEachDeviceWithATimeout) {
  EXPECT_TRUE(Wait({{"11", "/dev/vfio/7"}, {"03/00", "/dev/vfio/7"}}, 1s));
  auto missing = Wait({{"11", "/dev/vfio/7"}, {"04/00", "/dev/vfio/9"}}, 100ms);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("the PCI device for /dev/vfio/9 did not appear"), std::string::npos)
      << missing.error().message;
  auto bad = Wait({{"xx", "/dev/vfio/7"}}, 1s);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(DropHostNodes, TheGroupNodeAndItsRuleGo) {
  oci::Spec spec;
  spec.linux.devices = {{"c", "/dev/vfio/7", 243, 0, {}, {}, {}}, {"c", "/dev/fuse", 10, 229, {}, {}, {}}};
  oci::Resources resources;
  resources.devices = {{false, "a", {}, {}, "rwm"}, {true, "c", 243, 0, "rw"}, {true, "c", 10, 229, "rw"}};
  spec.linux.resources = resources;
  DropHostNodes(spec, {{"03/00", "/dev/vfio/7"}, {"04/00", "/dev/vfio/7"}});
  ASSERT_EQ(spec.linux.devices.size(), 1u);
  EXPECT_EQ(spec.linux.devices[0].path, "/dev/fuse");
  ASSERT_EQ(spec.linux.resources->devices.size(), 2u);
  EXPECT_EQ(spec.linux.resources->devices[0].type, "a") << "the deny-all rule stays";
  EXPECT_EQ(spec.linux.resources->devices[1].major, 10);
}

}  // namespace
}  // namespace vc::agent::pci
