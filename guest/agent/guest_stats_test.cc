#include "guest_stats.h"

#include <gtest/gtest.h>

namespace vc::agent {
namespace {

TEST(GuestStats, MemoryCpuAndLoad) {
  v1::GuestStatsResponse s;
  ParseMeminfo("MemTotal:         232000 kB\nMemFree:          180000 kB\nMemAvailable:     200000 kB\n", s);
  EXPECT_EQ(s.memory_total_bytes(), 232000u * 1024);
  EXPECT_EQ(s.memory_available_bytes(), 200000u * 1024);
  ParseCpuTimes("cpu  100 20 30 4000 5 6 7 0 0 0\ncpu0 100 20 30 4000 5 6 7 0 0 0\nintr 1\n", 100, s);
  EXPECT_EQ(s.cpu_user_usec(), 1'200'000u) << "user + nice";
  EXPECT_EQ(s.cpu_system_usec(), 430'000u) << "system + irq + softirq";
  EXPECT_EQ(s.cpu_idle_usec(), 40'000'000u);
  EXPECT_EQ(s.cpu_iowait_usec(), 50'000u);
  ParseLoadavg("0.25 0.10 0.05 1/42 123\n", s);
  EXPECT_DOUBLE_EQ(s.load1(), 0.25);
  EXPECT_DOUBLE_EQ(s.load15(), 0.05);
}

TEST(GuestStats, WholeDisksOnly) {
  v1::GuestStatsResponse s;
  ParseDiskstats(" 254       0 vda 120 3 2048 50 30 1 800 40 0 60 90 0 0 0 0\n"
                 " 254       1 vda1 100 3 2000 45 30 1 800 40 0 55 85 0 0 0 0\n"
                 "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                 "   8      16 sdb 5 0 16 1 0 0 0 0 0 1 1\n",
                 s);
  ASSERT_EQ(s.disks_size(), 2);
  EXPECT_EQ(s.disks(0).name(), "vda");
  EXPECT_EQ(s.disks(0).reads(), 120u);
  EXPECT_EQ(s.disks(0).read_bytes(), 2048u * 512);
  EXPECT_EQ(s.disks(0).writes(), 30u);
  EXPECT_EQ(s.disks(0).written_bytes(), 800u * 512);
  EXPECT_EQ(s.disks(1).name(), "sdb");
}

TEST(GuestStats, GarbageLeavesZeros) {
  v1::GuestStatsResponse s;
  ParseMeminfo("nonsense", s);
  ParseCpuTimes("cpu x", 100, s);
  ParseLoadavg("", s);
  ParseDiskstats("1 2", s);
  EXPECT_EQ(s.memory_total_bytes(), 0u);
  EXPECT_EQ(s.cpu_user_usec(), 0u);
  EXPECT_EQ(s.load1(), 0);
  EXPECT_EQ(s.disks_size(), 0);
}

}  // namespace
}  // namespace vc::agent
