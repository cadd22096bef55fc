#include "persist/counters.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>
#include <vector>

namespace vc::persist {
namespace {

TEST(Counters, CountAcrossWritersAndRead) {
  char tmpl[] = "/tmp/vc-counters-XXXXXX";
  const std::string root = ::mkdtemp(tmpl);
  EXPECT_TRUE(ReadCounts(root).empty());
  std::vector<std::thread> writers;
  for (int i = 0; i < 4; ++i)
    writers.emplace_back([&] {
      for (int n = 0; n < 25; ++n) AddCount(root, "errors:start sandbox:DEADLINE_EXCEEDED");
    });
  for (auto& w : writers) w.join();
  AddCount(root, "starts:template");
  auto counts = ReadCounts(root);
  EXPECT_EQ(counts["errors:start sandbox:DEADLINE_EXCEEDED"], 100u) << "no addition lost under the lock";
  EXPECT_EQ(counts["starts:template"], 1u);
  std::filesystem::remove_all(root);
  AddCount(root, "starts:boot");
  EXPECT_FALSE(std::filesystem::exists(root)) << "no state root is made for a count";
}

}  // namespace
}  // namespace vc::persist
