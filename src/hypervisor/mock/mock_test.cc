#include "hypervisor/mock/mock.h"

#include <gtest/gtest.h>

namespace vc::hypervisor {
namespace {

TEST(Factory, KnowsQemuAndMock) {
  EXPECT_EQ((*New("qemu"))->Name(), "qemu");
  EXPECT_EQ((*New("mock"))->Name(), "mock");
  auto bad = New("firecracker");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("known: qemu, mock"), std::string::npos);
}

TEST(Mock, LifecycleAndStateChecks) {
  mock::MockHypervisor hv;
  EXPECT_FALSE(hv.Pause());
  ASSERT_TRUE(hv.Start(VmSpec{}));
  EXPECT_FALSE(hv.Resume());
  ASSERT_TRUE(hv.Pause());
  EXPECT_EQ(hv.state(), mock::MockHypervisor::State::kPaused);
  mock::MockHypervisor attached;
  ASSERT_TRUE(attached.Attach(hv.Save()));
  EXPECT_EQ(attached.state(), mock::MockHypervisor::State::kPaused);
  ASSERT_TRUE(attached.Resume());
  ASSERT_TRUE(attached.Stop(std::chrono::milliseconds(0)));
  EXPECT_FALSE(mock::MockHypervisor().Attach(attached.Save()));
}

TEST(Mock, InjectedStartFailure) {
  mock::MockHypervisor::FailNextStart("no VM today");
  mock::MockHypervisor hv;
  auto r = hv.Start(VmSpec{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no VM today");
  EXPECT_TRUE(hv.Start(VmSpec{}));
}

TEST(Qemu, MissingBinaryAndKernelAreClearErrors) {
  auto hv = *New("qemu");
  VmSpec spec;
  spec.run_dir = "/tmp";
  spec.config.kernel_path = "/nonexistent/vmlinuz";
  spec.config.initrd_path = "/nonexistent/initrd";
  auto r = hv->Start(spec);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("guest kernel not found at /nonexistent/vmlinuz"), std::string::npos);
  spec.config.kernel_path = "/proc/self/exe";
  spec.config.initrd_path = "/proc/self/exe";
  spec.config.binary_path = "/nonexistent/qemu";
  r = hv->Start(spec);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("QEMU binary /nonexistent/qemu not found"), std::string::npos);
}

}  // namespace
}  // namespace vc::hypervisor
