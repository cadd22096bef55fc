#include "guest_stats.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <sstream>
#include <vector>

#include "os/file.h"

namespace vc::agent {

namespace {

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

uint64_t ReadCounter(const std::string& path) {
  auto text = os::ReadFile(path);
  return text ? std::strtoull(text->c_str(), nullptr, 10) : 0;
}

// vda, sdb: a whole disk; vda1, sdb2 are its partitions.
bool WholeDisk(const std::string& name) {
  return name.size() > 2 && (name.starts_with("vd") || name.starts_with("sd")) &&
         !std::isdigit(static_cast<unsigned char>(name.back()));
}

}  // namespace

void ParseMeminfo(std::string_view text, v1::GuestStatsResponse& out) {
  for (const auto& line : Lines(text)) {
    char key[64];
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "%63[^:]: %llu kB", key, &kib) != 2) continue;
    const std::string k = key;
    if (k == "MemTotal") out.set_memory_total_bytes(kib * 1024);
    else if (k == "MemAvailable") out.set_memory_available_bytes(kib * 1024);
  }
}

void ParseCpuTimes(std::string_view text, long ticks_per_second, v1::GuestStatsResponse& out) {
  if (ticks_per_second <= 0) return;
  for (const auto& line : Lines(text)) {
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
    if (std::sscanf(line.c_str(), "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle,
                    &iowait, &irq, &softirq) != 7)
      continue;
    const auto usec = [&](unsigned long long ticks) {
      return static_cast<uint64_t>(ticks) * 1'000'000 / static_cast<uint64_t>(ticks_per_second);
    };
    out.set_cpu_user_usec(usec(user + nice));
    out.set_cpu_system_usec(usec(system + irq + softirq));
    out.set_cpu_idle_usec(usec(idle));
    out.set_cpu_iowait_usec(usec(iowait));
    return;
  }
}

void ParseLoadavg(std::string_view text, v1::GuestStatsResponse& out) {
  double l1 = 0, l5 = 0, l15 = 0;
  if (std::sscanf(std::string(text).c_str(), "%lf %lf %lf", &l1, &l5, &l15) != 3) return;
  out.set_load1(l1);
  out.set_load5(l5);
  out.set_load15(l15);
}

void ParseDiskstats(std::string_view text, v1::GuestStatsResponse& out) {
  // major minor name reads merged sectors-read ms writes merged sectors-written ...
  for (const auto& line : Lines(text)) {
    unsigned major = 0, minor = 0;
    char name[64];
    unsigned long long reads = 0, rmerged = 0, rsectors = 0, rms = 0, writes = 0, wmerged = 0, wsectors = 0;
    if (std::sscanf(line.c_str(), " %u %u %63s %llu %llu %llu %llu %llu %llu %llu", &major, &minor, name, &reads,
                    &rmerged, &rsectors, &rms, &writes, &wmerged, &wsectors) != 10 ||
        !WholeDisk(name))
      continue;
    auto* d = out.add_disks();
    d->set_name(name);
    d->set_reads(reads);
    d->set_read_bytes(rsectors * 512);  // the kernel counts 512-byte sectors here
    d->set_writes(writes);
    d->set_written_bytes(wsectors * 512);
  }
}

v1::GuestStatsResponse CollectGuestStats() {
  v1::GuestStatsResponse out;
  if (auto t = os::ReadFile("/proc/meminfo")) ParseMeminfo(*t, out);
  if (auto t = os::ReadFile("/proc/stat")) ParseCpuTimes(*t, ::sysconf(_SC_CLK_TCK), out);
  if (auto t = os::ReadFile("/proc/loadavg")) ParseLoadavg(*t, out);
  if (auto t = os::ReadFile("/proc/diskstats")) ParseDiskstats(*t, out);
  for (const auto& name : os::ListDir("/sys/class/net")) {
    if (name == "lo") continue;
    const std::string dir = "/sys/class/net/" + name + "/statistics/";
    auto* i = out.add_interfaces();
    i->set_name(name);
    i->set_rx_bytes(ReadCounter(dir + "rx_bytes"));
    i->set_rx_packets(ReadCounter(dir + "rx_packets"));
    i->set_rx_errors(ReadCounter(dir + "rx_errors"));
    i->set_rx_dropped(ReadCounter(dir + "rx_dropped"));
    i->set_tx_bytes(ReadCounter(dir + "tx_bytes"));
    i->set_tx_packets(ReadCounter(dir + "tx_packets"));
    i->set_tx_errors(ReadCounter(dir + "tx_errors"));
    i->set_tx_dropped(ReadCounter(dir + "tx_dropped"));
  }
  return out;
}

}  // namespace vc::agent
