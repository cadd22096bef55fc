#include "hypervisor/qemu/accel.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace vc::hypervisor::qemu {
namespace {

constexpr const char* kNoModules = "/nonexistent/module";

TEST(Accel, AutoFallsBackToTcgWithoutKvm) {
  EXPECT_EQ(*ChooseAccel("auto", "/nonexistent/kvm", kNoModules), "tcg");
  auto why = ExplainAccel("auto", "/nonexistent/kvm", kNoModules);
  EXPECT_EQ(why->why, "/nonexistent/kvm: No such file or directory (no KVM: no hardware virtualization, or the "
                      "kvm module is not loaded): QEMU emulates the guest's CPU (TCG), slower than KVM");
}

TEST(Accel, AutoPicksKvmWhenTheDeviceOpens) {
  EXPECT_EQ(*ChooseAccel("auto", "/dev/null", kNoModules), "kvm");  // any openable device stands in
}

TEST(Accel, PvmKvmRunsNoOrdinaryGuestKernel) {
  auto dir = std::filesystem::temp_directory_path() / ("vc-accel-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "kvm_pvm");
  EXPECT_EQ(*ChooseAccel("auto", "/dev/null", dir.string()), "tcg");
  EXPECT_TRUE(ExplainAccel("auto", "/dev/null", dir.string())->why.starts_with("/dev/null is PVM (module kvm_pvm)"));
  auto kvm = ChooseAccel("kvm", "/dev/null", dir.string());
  ASSERT_FALSE(kvm);
  EXPECT_EQ(kvm.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(kvm.error().message.find("PVM"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Accel, KvmRequestedButUnusableIsAClearError) {
  auto r = ChooseAccel("kvm", "/nonexistent/kvm", kNoModules);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("/nonexistent/kvm is not usable"), std::string::npos);
}

TEST(Accel, TcgAndUnknown) {
  EXPECT_EQ(*ChooseAccel("tcg", "/dev/null", kNoModules), "tcg");
  EXPECT_EQ(ChooseAccel("xen").error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vc::hypervisor::qemu
