#include "os/file.h"

#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

namespace vc::os {
namespace {

TEST(TailLines, LastLinesOfALog) {
  std::string path = "/tmp/vc-tail-" + std::to_string(::getpid());
  ASSERT_TRUE(WriteFileAtomic(path, "one\ntwo\nthree\nfour\n", 0600));
  EXPECT_EQ(TailLines(path, 2), "three\nfour");
  EXPECT_EQ(TailLines(path, 10), "one\ntwo\nthree\nfour");
  EXPECT_EQ(TailLines(path, 1), "four");
  // A log that exists but is still empty (a daemon that has not written yet).
  ASSERT_TRUE(WriteFileAtomic(path, "", 0600));
  EXPECT_EQ(TailLines(path, 3), "");
  ASSERT_TRUE(WriteFileAtomic(path, "\n\n", 0600));
  EXPECT_EQ(TailLines(path, 3), "");
  ::unlink(path.c_str());
  EXPECT_EQ(TailLines(path, 3), "");
}

TEST(Files, WriteAtomicReplacesWhole) {
  std::string path = "/tmp/vc-atomic-" + std::to_string(::getpid());
  ASSERT_TRUE(WriteFileAtomic(path, "first version, longer", 0600));
  ASSERT_TRUE(WriteFileAtomic(path, "second", 0600));
  EXPECT_EQ(*ReadFile(path), "second");
  ::unlink(path.c_str());
  auto bad = WriteFileAtomic("/nonexistent-dir/x", "data", 0600);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("/nonexistent-dir/x"), std::string::npos);
}

TEST(Files, ListDirNamesEntriesOnly) {
  std::string dir = "/tmp/vc-list-" + std::to_string(::getpid());
  ASSERT_TRUE(MakeDirs(dir + "/sub", 0700));
  ASSERT_TRUE(WriteFileAtomic(dir + "/file", "x", 0600));
  auto names = ListDir(dir);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"file", "sub"}));
  ASSERT_TRUE(RemoveTree(dir));
  EXPECT_TRUE(ListDir(dir).empty());
}

}  // namespace
}  // namespace vc::os
