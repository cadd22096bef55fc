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
  spec.control_socket = "/tmp/vc-qmp-test.sock";
  spec.log_path = "/tmp/vc-qemu-test.log";
  spec.config.kernel_path = "/nonexistent/vmlinuz";
  spec.config.initrd_path = "/nonexistent/initrd";
  auto r = hv->Start(spec);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("guest kernel not found at '/nonexistent/vmlinuz'"), std::string::npos);
  spec.config.kernel_path = "/proc/self/exe";
  spec.config.initrd_path = "/proc/self/exe";
  spec.config.binary_path = "/nonexistent/qemu";
  r = hv->Start(spec);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("QEMU binary /nonexistent/qemu not found"), std::string::npos);
}

TEST(Devices, ColdBeforeStartHotPathAfter) {
  mock::MockHypervisor hv;
  ASSERT_TRUE(hv.AddDevice(ConsoleDevice{"console", "/tmp/c.log"}));
  ASSERT_TRUE(hv.AddDevice(VsockDevice{"vsock", 9}));
  auto dup = hv.AddDevice(NetDevice{"vsock", {7}, "02:00:00:00:00:01"});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(hv.AddDevice(NetDevice{"", {7}, "02:00:00:00:00:01"}).error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(hv.RemoveDevice("vsock"));
  EXPECT_EQ(hv.RemoveDevice("vsock").error().code, ErrorCode::kNotFound);
  ASSERT_EQ(hv.devices().size(), 1u);

  ASSERT_TRUE(hv.Start(VmSpec{}));
  // The mock, like QEMU today, has no hot path: the VM keeps what it has.
  auto hot = hv.AddDevice(BlockDevice{"blk0", "/tmp/disk.img"});
  ASSERT_FALSE(hot);
  EXPECT_EQ(hot.error().code, ErrorCode::kUnimplemented);
  EXPECT_NE(hot.error().message.find("block device (blk0)"), std::string::npos) << hot.error().message;
  EXPECT_EQ(hv.RemoveDevice("console").error().code, ErrorCode::kUnimplemented);
  EXPECT_EQ(hv.devices().size(), 1u);
}

}  // namespace
}  // namespace vc::hypervisor
