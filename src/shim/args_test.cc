#include "shim/args.h"

#include <gtest/gtest.h>

#include "shim/address.h"

namespace vc::shim {
namespace {

TEST(ShimArgs, ContainerdStartAndDelete) {
  auto start = ParseArgs({"-namespace", "default", "-address", "/run/containerd/containerd.sock",
                          "-publish-binary", "/usr/bin/containerd", "-id", "c1", "-debug", "start"});
  ASSERT_TRUE(start) << start.error().message;
  EXPECT_EQ(start->action, Action::kStart);
  EXPECT_EQ(start->ns, "default");
  EXPECT_EQ(start->id, "c1");
  EXPECT_TRUE(start->debug);
  EXPECT_EQ(ServeArgs(*start),
            (std::vector<std::string>{"-namespace", "default", "-address",
                                      "/run/containerd/containerd.sock", "-publish-binary",
                                      "/usr/bin/containerd", "-id", "c1", "-debug"}));
  auto serve = ParseArgs(ServeArgs(*start));
  ASSERT_TRUE(serve);
  EXPECT_EQ(serve->action, Action::kServe);

  auto del = ParseArgs({"--namespace=k8s.io", "-address", "/a", "-id", "c2", "-bundle", "/b", "delete"});
  ASSERT_TRUE(del) << del.error().message;
  EXPECT_EQ(del->action, Action::kDelete);
  EXPECT_EQ(del->ns, "k8s.io");
  EXPECT_EQ(del->bundle, "/b");
}

TEST(ShimArgs, BadInputIsRefused) {
  EXPECT_FALSE(ParseArgs({"-namespace", "n", "start"}));                  // no id
  EXPECT_FALSE(ParseArgs({"-namespace", "n", "-id", "x", "launch"}));      // unknown action
  EXPECT_FALSE(ParseArgs({"-namespace", "n", "-id", "x", "-colour", "red", "start"}));
  EXPECT_FALSE(ParseArgs({"-namespace", "n", "-id"}));                     // flag without value
  EXPECT_FALSE(ParseArgs({"-namespace", "n", "-id", "x", "start", "delete"}));
}

TEST(ShimAddress, StablePerGroupAndDistinct) {
  auto a = SocketAddress("/run/containerd/containerd.sock", "default", "pod1");
  EXPECT_EQ(a, SocketAddress("/run/containerd/containerd.sock", "default", "pod1"));
  EXPECT_TRUE(a.starts_with("unix:///run/containerd/s/")) << a;
  EXPECT_EQ(SocketPath(a), a.substr(7));
  EXPECT_NE(a, SocketAddress("/run/containerd/containerd.sock", "other", "pod1"));
  EXPECT_NE(a, SocketAddress("/tmp/c.sock", "default", "pod1"));
  EXPECT_NE(a, SocketAddress("/run/containerd/containerd.sock", "default", "pod2"));
}

}  // namespace
}  // namespace vc::shim
