// Module requests resolved against a modules directory laid out as
// build-kernel.sh (modules_install, depmod) writes it.
#include "resource/kernel_modules/kernel_modules.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace vc::resource {
namespace {

class KernelModulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/modules-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ + "/modules.dep")
        << "kernel/net/bridge/br_netfilter.ko:\n"
           "kernel/net/netfilter/ipvs/ip_vs_rr.ko: kernel/net/netfilter/ipvs/ip_vs.ko kernel/lib/libcrc32c.ko\n"
           "kernel/net/netfilter/ipvs/ip_vs.ko: kernel/lib/libcrc32c.ko\n"
           "kernel/lib/libcrc32c.ko:\n"
           "kernel/fs/squashfs/squashfs.ko:\n";
    std::ofstream(dir_ + "/modules.builtin") << "kernel/net/bridge/bridge.ko\nkernel/drivers/net/tun.ko\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Result<std::vector<KernelModule>> Load(const std::string& request) {
    return ModulesToLoad({{kModulesAnnotation, request}}, dir_);
  }
  std::string dir_;
};

std::vector<std::string> Names(const std::vector<KernelModule>& modules) {
  std::vector<std::string> names;
  for (const auto& m : modules) names.push_back(m.name + (m.parameters.empty() ? "" : " " + m.parameters));
  return names;
}

TEST_F(KernelModulesTest, DependenciesComeFirstEachOnce) {
  auto modules = Load("ip_vs_rr; ip-vs conn_tab_bits=12 ; squashfs");
  ASSERT_TRUE(modules) << modules.error().message;
  EXPECT_EQ(Names(*modules),
            (std::vector<std::string>{"libcrc32c", "ip_vs conn_tab_bits=12", "ip_vs_rr", "squashfs"}));
  EXPECT_EQ(modules->at(2).path, dir_ + "/kernel/net/netfilter/ipvs/ip_vs_rr.ko");
}

TEST_F(KernelModulesTest, BuiltInModulesNeedNothing) {
  auto modules = Load("bridge;tun;br_netfilter");
  ASSERT_TRUE(modules) << modules.error().message;
  EXPECT_EQ(Names(*modules), (std::vector<std::string>{"br_netfilter"}));
}

TEST_F(KernelModulesTest, AnUnknownModuleIsRefusedByName) {
  auto modules = Load("squashfs; no_such_mod");
  ASSERT_FALSE(modules);
  EXPECT_EQ(modules.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(modules.error().message.find("kernel module 'no_such_mod' does not exist"), std::string::npos)
      << modules.error().message;
}

TEST_F(KernelModulesTest, NoRequestNoDirectoryNeeded) {
  auto none = ModulesToLoad({}, "/nonexistent");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto missing = ModulesToLoad({{kModulesAnnotation, "squashfs"}}, "/nonexistent");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ModulesDirOf("/opt/vc/guest/vmlinux"), "/opt/vc/guest/modules");
}

}  // namespace
}  // namespace vc::resource
