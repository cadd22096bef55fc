// The network resource against a throwaway namespace holding a veth, as CNI's
// bridge plugin leaves a pod: scan, tcfilter setup, what the guest gets, and
// cleanup by a restored copy that leaves the namespace as it was.
#include "resource/network/network.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "net/tc.h"
#include "net/test_netns.h"

namespace vc::resource {
namespace {

class NetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(ns_.path().empty()) << "cannot make a network namespace: run as root";
    ASSERT_EQ(ns_.Shell("ip link add eth0 type veth peer name peer0 && "
                        "ip link set eth0 address 02:00:00:00:01:02 mtu 1450 up && ip link set peer0 up && "
                        "ip addr add 10.5.0.2/24 dev eth0 && ip route add default via 10.5.0.1"),
              0);
  }

  // Links and ingress qdiscs: what the runtime may add to the namespace.
  std::string Census() {
    auto r = net::InNetns(ns_.fd(), [&]() -> Result<std::string> {
      auto nl = net::Netlink::Open();
      if (!nl) return std::unexpected(nl.error());
      auto links = nl->Links();
      if (!links) return std::unexpected(links.error());
      std::string out;
      for (const auto& l : *links)
        out += l.name + (*net::HasIngressQdisc(*nl, l.index) ? "+ingress " : " ");
      return out;
    });
    return r ? *r : r.error().message;
  }

  net::ScratchNetns ns_;
};

TEST_F(NetworkTest, TcFilterConnectsTheVethAndCleanupRemovesOnlyWhatItAdded) {
  const std::string before = Census();
  auto network = Network::New({ns_.path(), "tcfilter"}, 2);
  ASSERT_TRUE(network) << network.error().message;
  int checkpoints = 0;
  auto devices = (*network)->Setup([&] { ++checkpoints; return Result<>{}; });
  ASSERT_TRUE(devices) << devices.error().message;
  EXPECT_GE(checkpoints, 2);
  ASSERT_EQ(devices->size(), 2u) << "eth0 and peer0";
  const auto& nic = std::get<hypervisor::NetDevice>((*devices)[0]);
  EXPECT_EQ(nic.id, "net0");
  EXPECT_EQ(nic.fds.size(), 2u) << "a queue per vCPU";

  const auto& guest = (*network)->Guest();
  auto eth0 = std::find_if(guest.interfaces.begin(), guest.interfaces.end(),
                           [](const NetInterface& i) { return i.name == "eth0"; });
  ASSERT_NE(eth0, guest.interfaces.end());
  EXPECT_EQ(eth0->mac, "02:00:00:00:01:02");
  EXPECT_EQ(eth0->mtu, 1450u);
  EXPECT_EQ(eth0->addresses, std::vector<std::string>{"10.5.0.2/24"});
  ASSERT_EQ(guest.routes.size(), 1u);
  EXPECT_EQ(guest.routes[0].gateway, "10.5.0.1");
  EXPECT_EQ(guest.routes[0].device, "eth0");
  EXPECT_NE(Census(), before);
  EXPECT_NE(Census().find("eth0+ingress"), std::string::npos);
  EXPECT_NE(Census().find("tap0_vc+ingress"), std::string::npos);

  // Another process cleans up from the saved state, the first one having died.
  auto restored = Network::Restore((*network)->Save());
  ASSERT_TRUE(restored) << restored.error().message;
  (*restored)->Cleanup();
  network->reset();
  EXPECT_EQ(Census(), before);
}

TEST_F(NetworkTest, MacvtapTakesTheVethOverAndCleanupRemovesIt) {
  const std::string before = Census();
  auto network = Network::New({ns_.path(), "macvtap"}, 2);
  ASSERT_TRUE(network) << network.error().message;
  auto devices = (*network)->Setup([] { return Result<>{}; });
  ASSERT_TRUE(devices) << devices.error().message;
  ASSERT_EQ(devices->size(), 2u);
  auto eth0 = std::find_if(devices->begin(), devices->end(), [](const hypervisor::Device& d) {
    return std::get<hypervisor::NetDevice>(d).mac == "02:00:00:00:01:02";
  });
  ASSERT_NE(eth0, devices->end()) << "the guest NIC carries the pod interface's MAC";
  EXPECT_EQ(std::get<hypervisor::NetDevice>(*eth0).fds.size(), 2u);
  EXPECT_NE(Census().find("mvt0_vc"), std::string::npos);
  auto restored = Network::Restore((*network)->Save());
  ASSERT_TRUE(restored);
  (*restored)->Cleanup();
  network->reset();
  EXPECT_EQ(Census(), before);
}

TEST_F(NetworkTest, MacvlanAndTapInterfacesAreConnectedToo) {
  ASSERT_EQ(ns_.Shell("ip link add mv0 link peer0 type macvlan mode bridge && ip link set mv0 up && "
                      "ip tuntap add dev podtap mode tap && ip link set podtap up"),
            0);
  const std::string before = Census();
  auto network = Network::New({ns_.path(), "tcfilter"}, 1);
  ASSERT_TRUE(network);
  auto devices = (*network)->Setup([] { return Result<>{}; });
  ASSERT_TRUE(devices) << devices.error().message;
  EXPECT_EQ(devices->size(), 4u) << "eth0, peer0, mv0 and podtap";
  EXPECT_NE(Census().find("mv0+ingress"), std::string::npos) << "a macvlan goes through tcfilter";
  EXPECT_EQ(Census().find("podtap+ingress"), std::string::npos) << "a tap is handed over as it is";
  (*network)->Cleanup();
  EXPECT_EQ(Census(), before);
}

TEST_F(NetworkTest, UnsupportedKindIsRefusedAndNothingIsLeft) {
  ASSERT_EQ(ns_.Shell("ip link add br9 type bridge"), 0);
  const std::string before = Census();
  auto network = Network::New({ns_.path(), "tcfilter"}, 1);
  ASSERT_TRUE(network);
  auto devices = (*network)->Setup([] { return Result<>{}; });
  ASSERT_FALSE(devices);
  EXPECT_NE(devices.error().message.find("interface br9 (kind bridge) cannot be connected"), std::string::npos)
      << devices.error().message;
  EXPECT_EQ(Census(), before);
}

TEST_F(NetworkTest, ATakenIngressQdiscIsAClearErrorAndKeptAsItWas) {
  ASSERT_EQ(ns_.Shell("tc qdisc add dev eth0 ingress"), 0);
  const std::string before = Census();
  auto network = Network::New({ns_.path(), "tcfilter"}, 1);
  ASSERT_TRUE(network);
  auto devices = (*network)->Setup([] { return Result<>{}; });
  ASSERT_FALSE(devices);
  EXPECT_NE(devices.error().message.find("eth0 already has an ingress qdisc"), std::string::npos)
      << devices.error().message;
  EXPECT_EQ(Census(), before);
}

TEST_F(NetworkTest, ModelNoneAndNoNamespaceGiveNoNic) {
  auto none = Network::New({ns_.path(), "none"}, 1);
  ASSERT_TRUE(none);
  EXPECT_TRUE((*none)->Setup([] { return Result<>{}; })->empty());
  auto loopback_only = Network::New({"", "tcfilter"}, 1);
  ASSERT_TRUE(loopback_only);
  EXPECT_TRUE((*loopback_only)->Setup([] { return Result<>{}; })->empty());
}

TEST(NetworkConfig, UnknownModelAndBadNamespaceAreRefused) {
  auto model = CheckNetworkConfig({"", "bridged"});
  ASSERT_FALSE(model);
  EXPECT_NE(model.error().message.find("unknown network model 'bridged'"), std::string::npos);
  auto path = CheckNetworkConfig({"/nonexistent", "tcfilter"});
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vc::resource
