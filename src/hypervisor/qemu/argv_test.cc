#include "hypervisor/qemu/argv.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace vc::hypervisor::qemu {
namespace {

VmSpec Spec() {
  VmSpec s;
  s.sandbox_id = "sb1";
  s.run_dir = "/run/vc/sbs/sb1";
  s.config.kernel_path = "/k";
  s.config.initrd_path = "/i";
  s.config.memory_mib = 512;
  s.config.vcpus = 2;
  s.agent_socket = "/run/vc/sbs/sb1/agent.sock";
  return s;
}

// The value following `flag` for each occurrence of it.
std::vector<std::string> ValuesOf(const std::vector<std::string>& argv, const std::string& flag) {
  std::vector<std::string> out;
  for (size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) out.push_back(argv[i + 1]);
  return out;
}

TEST(QemuArgv, TcgMachine) {
  VmSpec s = Spec();
  auto argv = BuildArgv({s, "/usr/bin/qemu-system-x86_64", "tcg"});
  ASSERT_TRUE(argv);
  EXPECT_EQ((*argv)[0], "/usr/bin/qemu-system-x86_64");
  EXPECT_EQ(ValuesOf(*argv, "-machine"), std::vector<std::string>{"q35,accel=tcg"});
  EXPECT_EQ(ValuesOf(*argv, "-cpu"), std::vector<std::string>{"max"});
  EXPECT_EQ(ValuesOf(*argv, "-m"), std::vector<std::string>{"512"});
  EXPECT_EQ(ValuesOf(*argv, "-smp"), std::vector<std::string>{"2"});
  EXPECT_EQ(ValuesOf(*argv, "-name"), std::vector<std::string>{"sandbox-sb1"});
  EXPECT_EQ(ValuesOf(*argv, "-qmp"),
            std::vector<std::string>{"unix:/run/vc/sbs/sb1/qmp.sock,server=on,wait=off"});
  auto devices = ValuesOf(*argv, "-device");
  EXPECT_NE(std::find(devices.begin(), devices.end(),
                      "virtserialport,bus=serial0.0,chardev=agent,name=agent.0"),
            devices.end());
  for (const auto& d : devices) {
    EXPECT_EQ(d.find("vhost-user-fs"), std::string::npos) << "no share asked for";
    EXPECT_EQ(d.find("vsock"), std::string::npos);
  }
  EXPECT_NE(std::find(argv->begin(), argv->end(), "-nodefaults"), argv->end());
  EXPECT_NE(std::find(argv->begin(), argv->end(), "-no-reboot"), argv->end());
}

TEST(QemuArgv, KvmUsesHostCpu) {
  VmSpec s = Spec();
  auto argv = BuildArgv({s, "q", "kvm"});
  ASSERT_TRUE(argv);
  EXPECT_EQ(ValuesOf(*argv, "-machine"), std::vector<std::string>{"q35,accel=kvm"});
  EXPECT_EQ(ValuesOf(*argv, "-cpu"), std::vector<std::string>{"host"});
}

TEST(QemuArgv, VirtiofsNeedsSharedMemory) {
  VmSpec s = Spec();
  s.virtiofs_socket = "/run/vc/sbs/sb1/virtiofsd.sock";
  s.virtiofs_tag = "vcshared";
  auto argv = BuildArgv({s, "q", "tcg"});
  ASSERT_TRUE(argv);
  EXPECT_EQ(ValuesOf(*argv, "-object"),
            std::vector<std::string>{"memory-backend-memfd,id=mem,size=512M,share=on"});
  EXPECT_EQ(ValuesOf(*argv, "-numa"), std::vector<std::string>{"node,memdev=mem"});
  auto devices = ValuesOf(*argv, "-device");
  EXPECT_NE(std::find(devices.begin(), devices.end(),
                      "vhost-user-fs-pci,chardev=vfs,tag=vcshared,queue-size=1024"),
            devices.end());
}

TEST(QemuArgv, VsockAndKernelParams) {
  VmSpec s = Spec();
  s.vsock_cid = 7;
  s.config.kernel_params = {"loglevel=3", "vc.debug=1"};
  auto argv = BuildArgv({s, "q", "tcg"});
  ASSERT_TRUE(argv);
  auto devices = ValuesOf(*argv, "-device");
  EXPECT_NE(std::find(devices.begin(), devices.end(), "vhost-vsock-pci,guest-cid=7"), devices.end());
  EXPECT_EQ(ValuesOf(*argv, "-append"),
            std::vector<std::string>{"console=ttyS0 quiet panic=-1 loglevel=3 vc.debug=1"});
}

TEST(QemuArgv, RejectsBadConfig) {
  VmSpec s = Spec();
  s.config.memory_mib = 32;
  EXPECT_EQ(BuildArgv({s, "q", "tcg"}).error().code, ErrorCode::kInvalidArgument);
  s = Spec();
  s.config.vcpus = 0;
  EXPECT_FALSE(BuildArgv({s, "q", "tcg"}));
  s = Spec();
  s.config.kernel_path.clear();
  EXPECT_FALSE(BuildArgv({s, "q", "tcg"}));
  s = Spec();
  EXPECT_FALSE(BuildArgv({s, "q", "hvf"}));
}

}  // namespace
}  // namespace vc::hypervisor::qemu
