#include "hypervisor/qemu/accel.h"

#include <gtest/gtest.h>

namespace vc::hypervisor::qemu {
namespace {

TEST(Accel, AutoFallsBackToTcgWithoutKvm) {
  EXPECT_EQ(*ChooseAccel("auto", "/nonexistent/kvm"), "tcg");
}

TEST(Accel, AutoPicksKvmWhenTheDeviceOpens) {
  EXPECT_EQ(*ChooseAccel("auto", "/dev/null"), "kvm");  // any openable device stands in
}

TEST(Accel, KvmRequestedButUnusableIsAClearError) {
  auto r = ChooseAccel("kvm", "/nonexistent/kvm");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("/nonexistent/kvm is not usable"), std::string::npos);
}

TEST(Accel, TcgAndUnknown) {
  EXPECT_EQ(*ChooseAccel("tcg", "/dev/null"), "tcg");
  EXPECT_EQ(ChooseAccel("xen").error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vc::hypervisor::qemu
