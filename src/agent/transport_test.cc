#include "agent/transport.h"

#include <gtest/gtest.h>

namespace vc::agent {
namespace {

TEST(Transport, AutoPrefersVsockWhenTheHostHasIt) {
  EXPECT_EQ(*ChooseTransport("auto", true), Transport::kVsock);
  EXPECT_EQ(*ChooseTransport("auto", false), Transport::kSerial);
}

TEST(Transport, ExplicitChoices) {
  EXPECT_EQ(*ChooseTransport("serial", true), Transport::kSerial);
  EXPECT_EQ(*ChooseTransport("vsock", true), Transport::kVsock);
  auto no = ChooseTransport("vsock", false);
  ASSERT_FALSE(no);
  EXPECT_EQ(no.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(no.error().message.find("/dev/vhost-vsock is not usable"), std::string::npos);
  EXPECT_EQ(ChooseTransport("hvsock", true).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vc::agent
