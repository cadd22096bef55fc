// The sandbox manager with a fake backend (manager_test_fixture.h): what
// containers bring into the VM: bind mounts' shares, disks (roots, boot disks,
// direct volumes), VFIO groups, host devices, mount propagation.
#include "sandbox/manager_test_fixture.h"

namespace vc {
namespace {

TEST_F(ManagerTest, BindMountSourcesAreSharedAndRenamedForTheGuest) {
  auto c = Container("c1");
  c.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
               {"destination": "/etc/hosts", "type": "bind", "source": "/host/hosts", "options": ["ro"]},
               {"destination": "/data", "type": "none", "source": "/host/data", "options": ["rbind", "rw"]}]})";
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {c})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto spec = nlohmann::json::parse(GuestOf("s1").spec("c1"));
  EXPECT_EQ(spec["mounts"][0]["source"], "proc") << "not a bind: untouched";
  EXPECT_EQ(spec["mounts"][1]["source"], "/shared/c1/mounts/1");
  EXPECT_EQ(spec["mounts"][2]["source"], "/shared/c1/mounts/2");
  EXPECT_EQ(backend_->bound.at("s1/c1/mounts/1"), "/host/hosts");
  ASSERT_TRUE(impl_->StopContainer("s1", "c1"));
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c1"));
  EXPECT_FALSE(backend_->bound.contains("s1/c1/mounts/1")) << "unshared with the container";

  auto relative = Container("c2");
  relative.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "mounts": [{"destination": "/data", "type": "bind", "source": "data"}]})";
  auto created = impl_->CreateContainer("s1", relative);
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message.find("must be an absolute host path"), std::string::npos);
  EXPECT_FALSE(backend_->bound.contains("s1/c2")) << "nothing of a refused container stays shared";
}

TEST_F(ManagerTest, ARootOnADiskIsAttachedMountedAndDetached) {
  const std::string image = Ext4Image("root.img");
  auto c = Container("c1");
  c.rootfs.clear();
  c.rootfs_disk = image;
  c.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs", "readonly": true}, "process": {"args": ["true"]}})";
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1")));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto created = impl_->CreateContainer("s1", c);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(backend_->disks.at("disk0"), image + " ro") << "the spec's root is read-only";
  EXPECT_FALSE(backend_->bound.contains("s1/c1")) << "nothing shared";
  auto disks = GuestOf("s1").disks("c1");
  ASSERT_EQ(disks.size(), 1u);
  EXPECT_EQ(disks[0].driver, "virtio-scsi");
  EXPECT_EQ(disks[0].address, "0:0");
  EXPECT_EQ(disks[0].fstype, "ext4");
  EXPECT_EQ(disks[0].options, std::vector<std::string>{"ro"});
  EXPECT_EQ(disks[0].mount_point, "/run/vc/disks/c1/root");
  EXPECT_EQ(nlohmann::json::parse(GuestOf("s1").spec("c1"))["root"]["path"], "/run/vc/disks/c1/root");
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c1"));
  EXPECT_TRUE(backend_->disks.empty()) << "detached with the container";

  auto garbage = Container("c2");
  garbage.rootfs_disk = root_ + "/garbage.img";
  std::ofstream(garbage.rootfs_disk) << std::string(4096, 'x');
  auto refused = impl_->CreateContainer("s1", garbage);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("no file system the guest can mount"), std::string::npos);
  EXPECT_TRUE(backend_->disks.empty());

  GuestOf("s1").FailNext("CreateContainer", {ErrorCode::kDeadlineExceeded, "no disk at 0:0 within 20 s"});
  auto failed = impl_->CreateContainer("s1", c);
  ASSERT_FALSE(failed);
  EXPECT_TRUE(backend_->disks.empty()) << "a failed create takes its disk back";
}

TEST_F(ManagerTest, TheFirstContainersRootDiskIsThereFromBootAndStays) {
  const std::string image = Ext4Image("root.img");
  auto c = Container("c1");
  c.rootfs.clear();
  c.rootfs_disk = image;
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {c})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ASSERT_EQ(backend_->launched->disks.size(), 1u) << "asked for before boot";
  EXPECT_EQ(backend_->launched->disks[0].path, image);
  EXPECT_TRUE(backend_->disks.empty()) << "not hot-plugged";
  auto disks = GuestOf("s1").disks("c1");
  ASSERT_EQ(disks.size(), 1u);
  EXPECT_EQ(disks[0].address, "10");
  ASSERT_TRUE(impl_->StopContainer("s1", "c1"));
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c1"));
  auto again = c;
  again.id = "c2";
  ASSERT_TRUE(impl_->CreateContainer("s1", again));
  EXPECT_EQ(GuestOf("s1").disks("c2").at(0).address, "10") << "the boot disk, free again, taken again";
  EXPECT_TRUE(backend_->disks.empty());
  auto third = c;
  third.id = "c3";
  ASSERT_TRUE(impl_->CreateContainer("s1", third));
  EXPECT_EQ(backend_->disks.size(), 1u) << "the boot disk is taken: this one is hot-plugged (QEMU refuses a second writer of one image)";
}

TEST_F(ManagerTest, ADirectVolumeGrowsOnTheHostThenInTheGuest) {
  const std::string image = Ext4Image("vol.img");
  const std::string volume = root_ + "/srv-data";
  ASSERT_TRUE(impl_->AddDirectVolume(volume, {image, "", {}}));
  EXPECT_EQ(impl_->ResizeDirectVolume(volume, 1u << 30).error().code, ErrorCode::kFailedPrecondition)
      << "no container has it";
  auto c = Container("c1");
  c.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "mounts": [{"destination": "/data", "type": "bind", "source": ")" + volume + R"("}]})";
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1")));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  ASSERT_TRUE(impl_->CreateContainer("s1", c));
  ASSERT_TRUE(impl_->ResizeDirectVolume(volume, 1u << 30));
  EXPECT_EQ(backend_->resized.at(image), 1u << 30);
  auto calls = GuestOf("s1").Calls();
  EXPECT_NE(std::find(calls.begin(), calls.end(), "ResizeVolume"), calls.end()) << "the guest grows its file system";
}

TEST_F(ManagerTest, AVfioGroupNodePassesTheGroupThroughWhileAContainerHasIt) {
  auto c = Container("c1");
  c.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "linux": {"devices": [{"type": "c", "path": "/dev/vfio/7", "major": 243, "minor": 0},
                          {"type": "c", "path": "/dev/vfio/vfio", "major": 10, "minor": 196}]}})";
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1")));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto created = impl_->CreateContainer("s1", c);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(backend_->vfio, (std::map<std::string, int>{{"7", 1}})) << "the group, not the container node";
  auto devices = GuestOf("s1").devices("c1");
  ASSERT_EQ(devices.size(), 2u) << "each function of the group";
  EXPECT_EQ(devices[0].address, "03/00");
  EXPECT_EQ(devices[1].address, "04/00");
  EXPECT_EQ(devices[1].container_path, "/dev/vfio/7");
  auto second = c;
  second.id = "c2";
  ASSERT_TRUE(impl_->CreateContainer("s1", second));
  EXPECT_EQ(backend_->vfio.at("7"), 2) << "shared within the pod";
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c1"));
  EXPECT_EQ(backend_->vfio.at("7"), 1);
  ASSERT_TRUE(impl_->DeleteContainer("s1", "c2"));
  EXPECT_TRUE(backend_->vfio.empty()) << "out with its last container";

  auto none = Container("c3");
  none.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "linux": {"devices": [{"type": "c", "path": "/dev/vfio/99", "major": 243, "minor": 1}]}})";
  auto refused = impl_->CreateContainer("s1", none);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("linux.devices /dev/vfio/99: the host has no IOMMU"), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(backend_->bound.contains("s1/c3")) << "nothing of a refused container stays shared";
}

TEST_F(ManagerTest, APrivilegedContainersHostDevicesEnterTheVmOnlyWhenNamed) {
  // containerd's privileged container: every host device listed, every device allowed.
  const std::string privileged = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "linux": {"devices": [{"type": "c", "path": "/dev/vfio/7", "major": 243, "minor": 0},
                          {"type": "c", "path": "/dev/vfio/8", "major": 243, "minor": 1}],
              "resources": {"devices": [{"allow": true, "access": "rwm"}]}}})";
  auto c = Container("c1");
  c.oci_spec = privileged;
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1")));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  auto plain = impl_->CreateContainer("s1", c);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_TRUE(backend_->vfio.empty()) << "privileged in the guest: no host device enters unasked";
  EXPECT_TRUE(GuestOf("s1").devices("c1").empty());
  auto named = Container("c2");
  auto spec = nlohmann::json::parse(privileged);
  spec["annotations"][oci::kHostDevicesAnnotation] = "/dev/sdz, /dev/vfio/8";
  named.oci_spec = spec.dump();
  auto created = impl_->CreateContainer("s1", named);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(backend_->vfio, (std::map<std::string, int>{{"8", 1}})) << "only the one the annotation names";
}

TEST_F(ManagerTest, BindPropagationDecidesWhetherHostMountsFollowAndSharedIsRefused) {
  auto c = Container("c1");
  c.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "mounts": [{"destination": "/follow", "type": "bind", "source": "/host/a", "options": ["rbind", "rslave"]},
               {"destination": "/private", "type": "bind", "source": "/host/b", "options": ["rbind", "rprivate", "ro"]}]})";
  ASSERT_TRUE(impl_->CreateSandbox(Sandbox("s1", {c})));
  ASSERT_TRUE(impl_->StartSandbox("s1"));
  EXPECT_TRUE(backend_->share_options.at("s1/c1/mounts/0").receive_host_mounts) << "rslave: HostToContainer";
  EXPECT_FALSE(backend_->share_options.at("s1/c1/mounts/0").read_only);
  EXPECT_FALSE(backend_->share_options.at("s1/c1/mounts/1").receive_host_mounts) << "rprivate: None";
  EXPECT_TRUE(backend_->share_options.at("s1/c1/mounts/1").read_only);

  auto shared = Container("c2");
  shared.oci_spec = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]},
    "mounts": [{"destination": "/both", "type": "bind", "source": "/host/c", "options": ["rbind", "rshared"]}]})";
  auto refused = impl_->CreateContainer("s1", shared);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("mount /both (/host/c): shared propagation"), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(backend_->bound.contains("s1/c2")) << "nothing of a refused container stays shared";
}

}  // namespace
}  // namespace vc
