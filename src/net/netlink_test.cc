// Netlink, tc, taps and namespaces against a throwaway network namespace.
#include "net/netlink.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "net/tap.h"
#include "net/tc.h"
#include "net/test_netns.h"

namespace vc::net {
namespace {

class NetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(ns_.path().empty()) << "cannot make a network namespace: run as root"; }

  // Runs `fn(netlink)` inside the scratch namespace.
  template <typename F>
  void Inside(F&& fn) {
    auto r = InNetns(ns_.fd(), [&]() -> Result<> {
      auto nl = Netlink::Open();
      if (!nl) return std::unexpected(nl.error());
      fn(*nl);
      return {};
    });
    ASSERT_TRUE(r) << r.error().message;
  }

  ScratchNetns ns_;
};

TEST_F(NetlinkTest, ConfiguresALinkAndReadsItBack) {
  Inside([](Netlink& nl) {
    auto tap = OpenTap("t0", 1);
    ASSERT_TRUE(tap) << tap.error().message;
    auto link = nl.LinkByName("t0");
    ASSERT_TRUE(link) << link.error().message;
    EXPECT_EQ(link->kind, "tun");
    EXPECT_FALSE(link->up);
    ASSERT_TRUE(nl.SetLink(link->index, {.mtu = 1400, .mac = "02:00:00:00:00:05", .up = true}));
    ASSERT_TRUE(nl.AddAddress(link->index, "10.1.0.2/24"));
    ASSERT_TRUE(nl.AddAddress(link->index, "10.1.0.2/24")) << "adding an address twice succeeds";
    link = nl.LinkByName("t0");
    EXPECT_TRUE(link->up);
    EXPECT_EQ(link->mtu, 1400u);
    EXPECT_EQ(link->mac, "02:00:00:00:00:05");
    EXPECT_EQ(*nl.Addresses(link->index), std::vector<std::string>{"10.1.0.2/24"});

    ASSERT_TRUE(nl.ReplaceRoute({"", "10.1.0.1", "t0", "", 0, 0}));
    ASSERT_TRUE(nl.ReplaceRoute({"10.2.0.0/16", "10.1.0.1", "t0", "", 0, 0}));
    auto routes = nl.Routes();
    ASSERT_TRUE(routes);
    auto has = [&](const std::string& dst) {
      return std::any_of(routes->begin(), routes->end(), [&](const NetRoute& r) {
        return r.destination == dst && r.gateway == "10.1.0.1" && r.device == "t0";
      });
    };
    EXPECT_TRUE(has("")) << "default route";
    EXPECT_TRUE(has("10.2.0.0/16"));
    EXPECT_FALSE(std::any_of(routes->begin(), routes->end(), [](const NetRoute& r) {
      return r.destination == "10.1.0.0/24";
    })) << "the kernel's own route for the address is left out";

    ASSERT_TRUE(nl.ReplaceNeighbor({"10.1.0.9", "02:00:00:00:00:09", "t0"}));
    auto neighbors = nl.Neighbors();
    ASSERT_TRUE(neighbors);
    ASSERT_EQ(neighbors->size(), 1u);
    EXPECT_EQ((*neighbors)[0].address, "10.1.0.9");
    EXPECT_EQ((*neighbors)[0].mac, "02:00:00:00:00:09");
  });
}

TEST_F(NetlinkTest, BadInputIsAClearError) {
  Inside([](Netlink& nl) {
    auto lo = nl.LinkByName("lo");
    ASSERT_TRUE(lo);
    auto bad = nl.AddAddress(lo->index, "10.1.0.300/24");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(bad.error().message.find("10.1.0.300/24"), std::string::npos);
    auto route = nl.ReplaceRoute({"10.3.0.0/16", "", "nosuch0", "", 0, 0});
    ASSERT_FALSE(route);
    EXPECT_NE(route.error().message.find("no network interface nosuch0"), std::string::npos);
    EXPECT_EQ(nl.LinkByName("nosuch0").error().code, ErrorCode::kNotFound);
  });
}

TEST_F(NetlinkTest, RedirectsIngressAndRemovesIt) {
  Inside([](Netlink& nl) {
    auto a = OpenTap("ta", 1);
    auto b = OpenTap("tb", 2);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(b->size(), 2u) << "one descriptor per queue";
    int ia = nl.LinkByName("ta")->index, ib = nl.LinkByName("tb")->index;
    EXPECT_FALSE(*HasIngressQdisc(nl, ia));
    ASSERT_TRUE(RedirectIngress(nl, ia, ib));
    EXPECT_TRUE(*HasIngressQdisc(nl, ia));
    auto again = RedirectIngress(nl, ia, ib);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    ASSERT_TRUE(RemoveIngressQdisc(nl, ia));
    EXPECT_FALSE(*HasIngressQdisc(nl, ia));
    EXPECT_TRUE(RemoveIngressQdisc(nl, ia)) << "removing what is gone succeeds";
  });
}

TEST_F(NetlinkTest, TapGoesWithItsLastDescriptor) {
  Inside([](Netlink& nl) {
    {
      auto tap = OpenTap("tgone", 1);
      ASSERT_TRUE(tap);
      EXPECT_TRUE(nl.LinkByName("tgone"));
    }
    EXPECT_FALSE(nl.LinkByName("tgone"));
    EXPECT_FALSE(OpenTap("", 1));
    EXPECT_FALSE(OpenTap("a-name-much-too-long", 1));
  });
}

TEST(NetCheck, TextIsCheckedBeforeAnythingChanges) {
  EXPECT_TRUE(CheckInterface({"eth0", "02:00:00:00:00:01", 1500, {"10.0.0.2/24", "fd00::2/64"}}));
  EXPECT_TRUE(CheckInterface({"", "02:00:00:00:00:01", 0, {}})) << "no name: the link keeps its own";
  EXPECT_FALSE(CheckInterface({"eth0", "02:00:00:00:01", 0, {}})) << "five octets";
  EXPECT_FALSE(CheckInterface({"a/b", "02:00:00:00:00:01", 0, {}}));
  EXPECT_FALSE(CheckInterface({"averyveryverylongname", "02:00:00:00:00:01", 0, {}}));
  auto address = CheckInterface({"eth0", "02:00:00:00:00:01", 0, {"10.0.0.2/24", "10.0.0.3/33"}});
  ASSERT_FALSE(address);
  EXPECT_EQ(address.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(address.error().message.find("10.0.0.3/33"), std::string::npos) << address.error().message;

  EXPECT_TRUE(CheckRoute({"", "10.0.0.1", "eth0", "", 0, 0}));
  EXPECT_TRUE(CheckRoute({"fd00::/64", "", "eth0", "", 253, 0}));
  EXPECT_FALSE(CheckRoute({"10.0.0.0/8", "fd00::1", "eth0", "", 0, 0})) << "two families";
  EXPECT_FALSE(CheckRoute({"10.0.0.0/8", "", "eth0", "", 300, 0})) << "scope over 255";
  EXPECT_FALSE(CheckRoute({"10.0.0.0/8", "", "eth0", "", 0, 77})) << "no such family";

  EXPECT_TRUE(CheckNeighbor({"10.0.0.1", "02:00:00:00:00:01", "eth0"}));
  EXPECT_FALSE(CheckNeighbor({"10.0.0.1", "zz", "eth0"}));
  EXPECT_FALSE(CheckNeighbor({"10.0.0.1", "02:00:00:00:00:01", ""}));
}

TEST(Netns, PathsThatAreNoNetworkNamespaceAreRefused) {
  auto missing = OpenNetns("/nonexistent/netns");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("/nonexistent/netns"), std::string::npos);
  auto uts = OpenNetns("/proc/self/ns/uts");
  ASSERT_FALSE(uts);
  EXPECT_NE(uts.error().message.find("is not a network namespace"), std::string::npos);
  EXPECT_FALSE(OpenNetns("relative/path"));
  EXPECT_TRUE(OpenNetns("/proc/self/ns/net"));
}

}  // namespace
}  // namespace vc::net
