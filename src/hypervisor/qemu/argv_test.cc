#include "hypervisor/qemu/argv.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace vc::hypervisor::qemu {
namespace {

VmSpec Spec() {
  VmSpec s;
  s.sandbox_id = "sb1";
  s.control_socket = "/run/vc/sbs/sb1/qmp.sock";
  s.config.kernel_path = "/k";
  s.config.initrd_path = "/i";
  s.config.memory_mib = 512;
  s.config.vcpus = 2;
  return s;
}

const std::vector<Device> kAgentOnly = {
    ConsoleDevice{"console", "/run/vc/sbs/sb1/console.log"},
    SerialPortDevice{"agent", "/run/vc/sbs/sb1/agent.sock", "agent.0"}};

// The value following `flag` for each occurrence of it.
std::vector<std::string> ValuesOf(const std::vector<std::string>& argv, const std::string& flag) {
  std::vector<std::string> out;
  for (size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) out.push_back(argv[i + 1]);
  return out;
}

bool Contains(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

TEST(QemuArgv, TcgMachine) {
  auto argv = BuildArgv({Spec(), kAgentOnly, "/usr/bin/qemu-system-x86_64", "tcg"});
  ASSERT_TRUE(argv);
  EXPECT_EQ((*argv)[0], "/usr/bin/qemu-system-x86_64");
  EXPECT_EQ(ValuesOf(*argv, "-machine"), std::vector<std::string>{"q35"});
  EXPECT_EQ(ValuesOf(*argv, "-accel"), std::vector<std::string>{"tcg,tb-size=32"}) << "the default cache";
  EXPECT_EQ(ValuesOf(*argv, "-cpu"), std::vector<std::string>{"max"});
  EXPECT_EQ(ValuesOf(*argv, "-m"), std::vector<std::string>{"512"});
  EXPECT_EQ(ValuesOf(*argv, "-smp"), std::vector<std::string>{"2"});
  EXPECT_EQ(ValuesOf(*argv, "-name"), std::vector<std::string>{"sandbox-sb1,debug-threads=on"});
  EXPECT_EQ(ValuesOf(*argv, "-qmp"),
            std::vector<std::string>{"unix:/run/vc/sbs/sb1/qmp.sock,server=on,wait=off"});
  EXPECT_TRUE(Contains(*argv, "-nodefaults"));
  EXPECT_TRUE(Contains(*argv, "-no-reboot"));
  EXPECT_EQ(ValuesOf(*argv, "-sandbox"),
            std::vector<std::string>{"on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"});
  for (const auto& d : ValuesOf(*argv, "-device")) {
    EXPECT_EQ(d.find("vhost-user-fs"), std::string::npos) << "no share asked for";
    EXPECT_EQ(d.find("vsock"), std::string::npos);
  }
  EXPECT_TRUE(ValuesOf(*argv, "-object").empty()) << "private memory without a vhost-user device";
}

TEST(QemuArgv, RootlessQemuGetsItsHostEndsByNumber) {
  std::vector<Device> devices = kAgentOnly;
  devices.push_back(ShareFsDevice{"fs0", "/run/vc/sbs/sb1/virtiofsd.sock", "vcshared"});
  ArgvInput in{Spec(), devices, "/usr/bin/qemu-system-x86_64", "tcg"};
  in.qmp_fd = 10;
  in.device_fds = {{"console", 11}, {"agent", 12}, {"fs0", 13}};
  auto argv = BuildArgv(in);
  ASSERT_TRUE(argv);
  EXPECT_TRUE(ValuesOf(*argv, "-qmp").empty());
  EXPECT_EQ(ValuesOf(*argv, "-mon"), std::vector<std::string>{"chardev=qmp,mode=control"});
  EXPECT_EQ(ValuesOf(*argv, "-add-fd"), std::vector<std::string>{"fd=11,set=11"});
  EXPECT_EQ(ValuesOf(*argv, "-chardev"),
            (std::vector<std::string>{"socket,id=qmp,fd=10,server=on,wait=off", "file,id=console,path=/dev/fdset/11,append=on",
                                      "socket,id=agent,fd=12,server=on,wait=off", "socket,id=fs0,fd=13"}));
  for (const auto& arg : *argv) EXPECT_EQ(arg.find("/run/vc/sbs/sb1/"), std::string::npos) << arg;
}

TEST(QemuArgv, RoomToGrowGivesCpuAndMemorySlots) {
  VmSpec s = Spec();
  auto argv = BuildArgv({s, kAgentOnly, "q", "tcg", 4, 2048});
  ASSERT_TRUE(argv);
  EXPECT_EQ(ValuesOf(*argv, "-smp"), std::vector<std::string>{"2,maxcpus=4"});
  EXPECT_EQ(ValuesOf(*argv, "-m"), std::vector<std::string>{"size=512M,slots=10,maxmem=2048M"});
  EXPECT_NE(ValuesOf(*argv, "-append")[0].find("memhp_default_state=online"), std::string::npos)
      << "hot-added memory comes online without the agent";
  auto same = BuildArgv({s, kAgentOnly, "q", "tcg", 2, 512});
  ASSERT_TRUE(same);
  EXPECT_EQ(ValuesOf(*same, "-smp"), std::vector<std::string>{"2"}) << "no room: no slots";
  EXPECT_EQ(ValuesOf(*same, "-m"), std::vector<std::string>{"512"});
  s.config.memory_slots = 0;
  auto no_slots = BuildArgv({s, kAgentOnly, "q", "tcg", 4, 2048});
  ASSERT_TRUE(no_slots);
  EXPECT_EQ(ValuesOf(*no_slots, "-m"), std::vector<std::string>{"512"}) << "no memory slots: a fixed size";
}

TEST(QemuArgv, TcgCacheSizeFromTheConfiguration) {
  VmSpec s = Spec();
  s.config.tcg_cache_mib = 8;
  auto argv = BuildArgv({s, kAgentOnly, "q", "tcg"});
  ASSERT_TRUE(argv);
  EXPECT_EQ(ValuesOf(*argv, "-accel"), std::vector<std::string>{"tcg,tb-size=8"});
}

TEST(QemuArgv, KvmUsesHostCpu) {
  auto argv = BuildArgv({Spec(), kAgentOnly, "q", "kvm"});
  ASSERT_TRUE(argv);
  EXPECT_EQ(ValuesOf(*argv, "-accel"), std::vector<std::string>{"kvm"});
  EXPECT_EQ(ValuesOf(*argv, "-cpu"), std::vector<std::string>{"host"});
}

TEST(QemuArgv, ConsoleAndAgentPort) {
  VmSpec spec = Spec();
  spec.config.pcie_root_ports = 0;
  auto argv = BuildArgv({spec, kAgentOnly, "q", "tcg"});
  ASSERT_TRUE(argv);
  EXPECT_EQ(ValuesOf(*argv, "-serial"), std::vector<std::string>{"chardev:console"});
  EXPECT_EQ(ValuesOf(*argv, "-chardev"),
            (std::vector<std::string>{"file,id=console,path=/run/vc/sbs/sb1/console.log",
                                      "socket,id=agent,path=/run/vc/sbs/sb1/agent.sock,server=on,wait=off"}));
  auto devices = ValuesOf(*argv, "-device");
  // The controller comes before the port on it.
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0], "virtio-serial-pci,id=serial0");
  EXPECT_EQ(devices[1], "virtserialport,bus=serial0.0,chardev=agent,name=agent.0");
}

TEST(QemuArgv, EmptyRootPortsForHotPlug) {
  auto argv = BuildArgv({Spec(), kAgentOnly, "q", "tcg"});
  ASSERT_TRUE(argv);
  auto devices = ValuesOf(*argv, "-device");
  EXPECT_TRUE(Contains(devices, "pcie-root-port,id=hp0,bus=pcie.0,chassis=1"));
  EXPECT_TRUE(Contains(devices, "pcie-root-port,id=hp1,bus=pcie.0,chassis=2"));
  EXPECT_EQ(RootPortId(1), "hp1");
}

TEST(QemuArgv, ShareFsNeedsSharedMemory) {
  std::vector<Device> devices = kAgentOnly;
  devices.push_back(ShareFsDevice{"vfs", "/run/vc/sbs/sb1/virtiofsd.sock", "vcshared"});
  auto argv = BuildArgv({Spec(), devices, "q", "tcg"});
  ASSERT_TRUE(argv);
  EXPECT_EQ(ValuesOf(*argv, "-object"),
            std::vector<std::string>{"memory-backend-memfd,id=mem,size=512M,share=on"});
  EXPECT_EQ(ValuesOf(*argv, "-numa"), std::vector<std::string>{"node,memdev=mem"});
  EXPECT_TRUE(Contains(ValuesOf(*argv, "-chardev"), "socket,id=vfs,path=/run/vc/sbs/sb1/virtiofsd.sock"));
  EXPECT_TRUE(Contains(ValuesOf(*argv, "-device"),
                       "vhost-user-fs-pci,id=vfs,chardev=vfs,tag=vcshared,queue-size=1024"));
}

TEST(QemuArgv, NinePShareIsServedByQemuWithoutSharedMemory) {
  std::vector<Device> devices = kAgentOnly;
  devices.push_back(Share9pDevice{"p9", "/run/vc/sbs/sb1/shared,x", "vcshared"});
  auto argv = BuildArgv({Spec(), devices, "q", "tcg"});
  ASSERT_TRUE(argv);
  EXPECT_TRUE(ValuesOf(*argv, "-object").empty()) << "no daemon maps guest memory";
  EXPECT_EQ(ValuesOf(*argv, "-fsdev"),
            std::vector<std::string>{
                "local,id=p9,path=/run/vc/sbs/sb1/shared,,x,security_model=none,multidevs=remap"});
  EXPECT_TRUE(Contains(ValuesOf(*argv, "-device"), "virtio-9p-pci,id=p9,fsdev=p9,mount_tag=vcshared"));
}

TEST(QemuArgv, EachDeviceKind) {
  EXPECT_EQ(DeviceArgs(VsockDevice{"vsock", 7}, "q35"),
            (std::vector<std::string>{"-device", "vhost-vsock-pci,id=vsock,guest-cid=7"}));
  EXPECT_EQ(DeviceArgs(NetDevice{"net0", {5}, "02:00:00:00:00:01", false}, "q35"),
            (std::vector<std::string>{"-netdev", "tap,id=net0,fd=5",
                                      "-device", "virtio-net-pci,id=net0,netdev=net0,mac=02:00:00:00:00:01"}));
  EXPECT_EQ(DeviceArgs(NetDevice{"net1", {5, 6}, "02:00:00:00:00:02", true}, "q35"),
            (std::vector<std::string>{
                "-netdev", "tap,id=net1,fds=5:6,vhost=on",
                "-device", "virtio-net-pci,id=net1,netdev=net1,mac=02:00:00:00:00:02,mq=on,vectors=6"}));
  EXPECT_EQ(DeviceArgs(BlockDevice{"blk0", "/images/a.img", 9, true}, "q35"),
            (std::vector<std::string>{
                "-add-fd", "fd=9,set=9",
                "-blockdev", R"({"driver":"file","filename":"/dev/fdset/9","node-name":"blk0-file","read-only":true})",
                "-device", "virtio-blk-pci,id=blk0,drive=blk0-file"}))
      << "the caller's descriptor, through an fd set";
  EXPECT_EQ(DeviceArgs(BlockDevice{"blk1", "/dev/sdb", 10, false, true, kVirtioScsi}, "q35", -1, 4),
            (std::vector<std::string>{
                "-add-fd", "fd=10,set=10",
                "-blockdev", R"({"driver":"host_device","filename":"/dev/fdset/10","node-name":"blk1-file","read-only":false})",
                "-device", "scsi-hd,bus=scsi0.0,channel=0,scsi-id=4,lun=0,id=blk1,drive=blk1-file"}));
}

TEST(QemuArgv, ScsiDisksGetTheControllerAndTheirTargets) {
  VmSpec s = Spec();
  std::vector<Device> devices = kAgentOnly;
  devices.push_back(BlockDevice{"d0", "/a.img", 7, false, false, kVirtioScsi});
  devices.push_back(BlockDevice{"d1", "/b.img", 8, true, false, kVirtioScsi});
  ArgvInput in{s, devices, "q", "tcg"};
  in.scsi_targets = {{"d0", 0}, {"d1", 1}};
  auto argv = BuildArgv(in);
  ASSERT_TRUE(argv);
  auto dev = ValuesOf(*argv, "-device");
  EXPECT_TRUE(Contains(dev, "virtio-scsi-pci,id=scsi0"));
  EXPECT_TRUE(Contains(dev, "scsi-hd,bus=scsi0.0,channel=0,scsi-id=1,lun=0,id=d1,drive=d1-file"));
  EXPECT_EQ(ValuesOf(*argv, "-add-fd"), (std::vector<std::string>{"fd=7,set=7", "fd=8,set=8"}));

  auto none = BuildArgv({s, kAgentOnly, "q", "tcg"});
  ASSERT_TRUE(none);
  EXPECT_FALSE(Contains(ValuesOf(*none, "-device"), "virtio-scsi-pci,id=scsi0")) << "no SCSI disk, no controller";
  s.config.block_device_driver = "virtio-scsi";
  auto later = BuildArgv({s, kAgentOnly, "q", "tcg"});
  ASSERT_TRUE(later);
  EXPECT_TRUE(Contains(ValuesOf(*later, "-device"), "virtio-scsi-pci,id=scsi0"))
      << "the controller for disks hot-plugged later";
}

TEST(QemuArgv, VfioDevicesGetRootPortsOfTheirOwn) {
  VmSpec s = Spec();
  s.config.pcie_root_ports = 2;
  std::vector<Device> devices = kAgentOnly;
  devices.push_back(VfioDevice{"vfio0", "0000:01:00.0"});
  devices.push_back(VfioDevice{"vfio1", "0000:01:00.1"});
  auto argv = BuildArgv({s, devices, "q", "tcg"});
  ASSERT_TRUE(argv) << argv.error().message;
  auto dev = ValuesOf(*argv, "-device");
  EXPECT_TRUE(Contains(dev, "pcie-root-port,id=vfio0-port,bus=pcie.0,chassis=3"))
      << "after the hot-plug ports' chassis 1 and 2";
  EXPECT_TRUE(Contains(dev, "vfio-pci,host=0000:01:00.0,id=vfio0,bus=vfio0-port"));
  EXPECT_TRUE(Contains(dev, "pcie-root-port,id=vfio1-port,bus=pcie.0,chassis=4"));
  EXPECT_TRUE(Contains(dev, "vfio-pci,host=0000:01:00.1,id=vfio1,bus=vfio1-port"));
  // The port comes before the device that sits in it.
  auto port = std::find(argv->begin(), argv->end(), "pcie-root-port,id=vfio0-port,bus=pcie.0,chassis=3");
  auto device = std::find(argv->begin(), argv->end(), "vfio-pci,host=0000:01:00.0,id=vfio0,bus=vfio0-port");
  EXPECT_LT(port, device);

  s.config.machine_type = "microvm";
  auto microvm = BuildArgv({s, devices, "q", "tcg"});
  ASSERT_FALSE(microvm);
  EXPECT_NE(microvm.error().message.find("needs PCI, which machine_type microvm does not have"), std::string::npos);
}

TEST(QemuArgv, MicrovmPutsVirtioOnMmioAndHasNoHotPlug) {
  VmSpec s = Spec();
  s.config.machine_type = "microvm";
  std::vector<Device> devices = kAgentOnly;
  devices.push_back(ShareFsDevice{"vfs", "/run/vc/sbs/sb1/virtiofsd.sock", "vcshared"});
  auto argv = BuildArgv({s, devices, "q", "tcg", 4, 2048, 2096000});
  ASSERT_TRUE(argv);
  EXPECT_EQ(ValuesOf(*argv, "-machine"), std::vector<std::string>{"microvm,memory-backend=mem"})
      << "the shared memory vhost-user needs, without NUMA";
  EXPECT_TRUE(ValuesOf(*argv, "-numa").empty());
  EXPECT_EQ(ValuesOf(*argv, "-object"), std::vector<std::string>{"memory-backend-memfd,id=mem,size=512M,share=on"});
  EXPECT_EQ(ValuesOf(*argv, "-smp"), std::vector<std::string>{"2"}) << "no CPU slots";
  EXPECT_EQ(ValuesOf(*argv, "-m"), std::vector<std::string>{"512"}) << "no DIMM slots";
  EXPECT_EQ(ValuesOf(*argv, "-device"),
            (std::vector<std::string>{"virtio-serial-device,id=serial0",
                                      "virtserialport,bus=serial0.0,chardev=agent,name=agent.0",
                                      "vhost-user-fs-device,id=vfs,chardev=vfs,tag=vcshared,queue-size=1024"}))
      << "no PCIe root ports, virtio over MMIO";
  EXPECT_EQ(ValuesOf(*argv, "-global"), std::vector<std::string>{"virtio-mmio.force-legacy=false"})
      << "virtio 1 on MMIO, which vhost-user daemons require";
  EXPECT_NE(ValuesOf(*argv, "-append")[0].find(" tsc_early_khz=2096000"), std::string::npos)
      << "TCG: the TSC's frequency, which microvm has no timer to calibrate against";
  auto kvm = BuildArgv({s, devices, "q", "kvm", 4, 2048, 2096000});
  ASSERT_TRUE(kvm);
  EXPECT_EQ(ValuesOf(*kvm, "-append")[0].find("tsc_early_khz"), std::string::npos) << "KVM's clock knows it";

  EXPECT_EQ(DeviceArgs(VsockDevice{"vsock", 7}, "microvm"),
            (std::vector<std::string>{"-device", "vhost-vsock-device,id=vsock,guest-cid=7"}));
  EXPECT_EQ(DeviceArgs(NetDevice{"net1", {5, 6}, "02:00:00:00:00:02", true}, "microvm")[3],
            "virtio-net-device,id=net1,netdev=net1,mac=02:00:00:00:00:02,mq=on");
  EXPECT_EQ(DeviceArgs(BlockDevice{"blk0", "/images/a.img", 9, true}, "microvm")[5],
            "virtio-blk-device,id=blk0,drive=blk0-file");
  EXPECT_EQ(DeviceArgs(Share9pDevice{"p9", "/s", "vcshared"}, "microvm")[3],
            "virtio-9p-device,id=p9,fsdev=p9,mount_tag=vcshared");

  s.config.machine_type = "pc";
  auto unknown = BuildArgv({s, devices, "q", "tcg"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("q35 or microvm"), std::string::npos);
}

TEST(QemuArgv, PathsCannotInjectOptions) {
  auto args = DeviceArgs(BlockDevice{"blk0", "/x\",\"read-only\":false,\"filename\":\"/etc/shadow", -1, true}, "q35");
  auto node = nlohmann::json::parse(args[1]);
  EXPECT_EQ(node["filename"], "/x\",\"read-only\":false,\"filename\":\"/etc/shadow");
  EXPECT_EQ(node["read-only"], true);
}

TEST(QemuArgv, VsockAndKernelParams) {
  VmSpec s = Spec();
  s.config.kernel_params = {"loglevel=3", "vc.debug=1"};
  std::vector<Device> devices = {VsockDevice{"vsock", 7}};
  auto argv = BuildArgv({s, devices, "q", "tcg"});
  ASSERT_TRUE(argv);
  EXPECT_TRUE(Contains(ValuesOf(*argv, "-device"), "vhost-vsock-pci,id=vsock,guest-cid=7"));
  EXPECT_FALSE(Contains(ValuesOf(*argv, "-device"), "virtio-serial-pci,id=serial0"));
  EXPECT_EQ(ValuesOf(*argv, "-append"),
            std::vector<std::string>{"console=ttyS0 quiet panic=-1 memhp_default_state=online swiotlb=noforce loglevel=3 vc.debug=1"});
}

TEST(QemuArgv, RejectsBadConfig) {
  VmSpec s = Spec();
  s.config.memory_mib = 32;
  EXPECT_EQ(BuildArgv({s, kAgentOnly, "q", "tcg"}).error().code, ErrorCode::kInvalidArgument);
  s = Spec();
  s.config.vcpus = 0;
  EXPECT_FALSE(BuildArgv({s, kAgentOnly, "q", "tcg"}));
  s = Spec();
  s.config.kernel_path.clear();
  EXPECT_FALSE(BuildArgv({s, kAgentOnly, "q", "tcg"}));
  EXPECT_FALSE(BuildArgv({Spec(), kAgentOnly, "q", "hvf"}));
}

}  // namespace
}  // namespace vc::hypervisor::qemu
