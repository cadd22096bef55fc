// The one printer of statuses: JSON or a table, decided in Print().
#include "print.h"

#include <iomanip>
#include <iostream>
#include <sstream>

namespace vc::virtc {
namespace {

nlohmann::json ContainerJson(const vc::ContainerStatus& c) {
  nlohmann::json j = {{"id", c.id}, {"state", vc::ToString(c.state)}, {"pid", c.pid},
                      {"rootfs", c.rootfs}, {"command", c.cmd.args}};
  j["exit_status"] = c.exit_status ? nlohmann::json(*c.exit_status) : nlohmann::json();
  return j;
}

nlohmann::json TimelineJson(const std::vector<vc::StartPhase>& phases) {
  nlohmann::json json = nlohmann::json::array();
  for (const auto& p : phases) json.push_back({{"phase", p.name}, {"at_ms", p.at_ms}});
  return json;
}

std::string ExitOf(const vc::ContainerStatus& c) {
  return c.exit_status ? std::to_string(*c.exit_status) : "-";
}

}  // namespace

Report SandboxesReport(const std::vector<vc::SandboxStatus>& list, bool with_containers) {
  nlohmann::json json = nlohmann::json::array();
  for (const auto& s : list) {
    nlohmann::json containers = nlohmann::json::array();
    for (const auto& c : s.containers) containers.push_back(ContainerJson(c));
    json.push_back({{"id", s.id}, {"state", vc::ToString(s.state)}, {"hypervisor", s.hypervisor},
                    {"accel", s.accel}, {"agent", s.agent}, {"hypervisor_pid", s.hypervisor_pid},
                    {"guest_kernel", s.guest_kernel}, {"agent_version", s.agent_version},
                    {"agent_commit", s.agent_commit},
                    {"agent_rss_bytes", s.agent_rss_bytes}, {"containers", containers},
                    {"timeline", TimelineJson(s.timeline)}});
    if (!s.problem.empty()) json.back() = {{"id", s.id}, {"state", "unreadable"}, {"problem", s.problem}};
  }
  if (with_containers && json.size() == 1) json = json[0];

  std::ostringstream table;
  table << std::left << std::setw(36) << "SANDBOX ID" << "  " << std::setw(8) << "STATE" << "  "
        << std::setw(10) << "HYPERVISOR" << "  " << std::setw(5) << "ACCEL" << "  " << "AGENT"
        << "\n";
  for (const auto& s : list) {
    if (!s.problem.empty()) {
      table << std::setw(36) << s.id << "  " << s.problem << " (virtc sandbox delete --force removes it)\n";
      continue;
    }
    table << std::setw(36) << s.id << "  " << std::setw(8) << vc::ToString(s.state) << "  "
          << std::setw(10) << s.hypervisor << "  " << std::setw(5)
          << (s.accel.empty() ? "-" : s.accel) << "  " << s.agent << "\n";
  }
  if (with_containers && list.size() == 1) {
    if (!list[0].agent_version.empty())
      table << "guest kernel " << list[0].guest_kernel << ", agent " << list[0].agent_version << " (commit "
            << list[0].agent_commit << ")\n";
    table << "\n" << std::setw(20) << "CONTAINER ID" << "  " << std::setw(8) << "STATE" << "  "
          << std::setw(6) << "PID" << "  " << std::setw(4) << "EXIT" << "  COMMAND\n";
    for (const auto& c : list[0].containers) {
      std::string cmd;
      for (const auto& a : c.cmd.args) cmd += (cmd.empty() ? "" : " ") + a;
      table << std::setw(20) << c.id << "  " << std::setw(8) << vc::ToString(c.state) << "  "
            << std::setw(6) << c.pid << "  " << std::setw(4) << ExitOf(c) << "  " << cmd << "\n";
    }
  }
  return {std::move(json), table.str()};
}

Report TimelineReport(const std::vector<vc::StartPhase>& phases) {
  std::ostringstream table;
  table << std::left << std::setw(20) << "PHASE" << std::right << "  " << std::setw(8) << "AT(ms)" << "  "
        << std::setw(8) << "TOOK(ms)" << "\n"
        << std::fixed << std::setprecision(1);
  double last = 0;
  for (const auto& p : phases) {
    table << std::left << std::setw(20) << p.name << std::right << "  " << std::setw(8) << p.at_ms << "  "
          << std::setw(8) << p.at_ms - last << "\n";
    last = p.at_ms;
  }
  return {TimelineJson(phases), table.str()};
}

Report FactoryReport(const vc::FactoryStatus& s) {
  nlohmann::json json = {{"exists", s.exists},           {"path", s.path},
                         {"guest_kernel", s.guest_kernel}, {"kernel_path", s.kernel_path},
                         {"vcpus", s.vcpus},             {"memory_mib", s.memory_mib},
                         {"memory_bytes", s.memory_bytes}, {"fits", s.fits}, {"reason", s.reason}};
  std::ostringstream table;
  if (!s.exists) {
    table << "no template in " << s.path << "\n";
  } else {
    table << "template  " << s.path << "\nkernel    " << s.guest_kernel << " (" << s.kernel_path << ")\nvm        "
          << s.vcpus << " vCPU, " << s.memory_mib << " MiB (" << s.memory_bytes / (1024 * 1024)
          << " MiB of it in use)\nfits      " << (s.fits ? "yes" : "no: " + s.reason) << "\n";
  }
  return {std::move(json), table.str()};
}

Report ContainerReport(const vc::ContainerStatus& c) {
  std::ostringstream table;
  table << std::left << std::setw(20) << "CONTAINER ID" << "  " << std::setw(8) << "STATE" << "  "
        << std::setw(6) << "PID" << "  EXIT\n"
        << std::setw(20) << c.id << "  " << std::setw(8) << vc::ToString(c.state) << "  "
        << std::setw(6) << c.pid << "  " << ExitOf(c) << "\n";
  return {ContainerJson(c), table.str()};
}

Report StatsReport(const vc::ContainerStats& s) {
  std::ostringstream table;
  table << "CPU " << s.cpu_usage_usec / 1000 << " ms  MEMORY " << s.memory_bytes / 1024
        << " KiB  PIDS " << s.pids << "\n";
  nlohmann::json json = {
      {"cpu_usage_usec", s.cpu_usage_usec}, {"memory_bytes", s.memory_bytes}, {"pids", s.pids}};
  return {std::move(json), table.str()};
}

Report VolumeStatsReport(const vc::VolumeStats& s) {
  std::ostringstream table;
  table << "SANDBOX " << s.sandbox_id << "  CONTAINER " << s.container_id << "  GUEST PATH " << s.guest_path << "\n"
        << "SIZE " << s.capacity_bytes / 1024 << " KiB  USED " << s.used_bytes / 1024 << " KiB  AVAILABLE "
        << s.available_bytes / 1024 << " KiB  INODES " << s.inodes_used << "/" << s.inodes << "\n";
  nlohmann::json json = {{"sandbox_id", s.sandbox_id},         {"container_id", s.container_id},
                         {"guest_path", s.guest_path},         {"capacity_bytes", s.capacity_bytes},
                         {"used_bytes", s.used_bytes},         {"available_bytes", s.available_bytes},
                         {"inodes", s.inodes},                 {"inodes_used", s.inodes_used}};
  return {std::move(json), table.str()};
}

Report InterfacesReport(const std::vector<vc::NetInterface>& list) {
  nlohmann::json json = nlohmann::json::array();
  std::ostringstream table;
  table << std::left << std::setw(16) << "NAME" << "  " << std::setw(17) << "MAC" << "  " << std::setw(5)
        << "MTU" << "  ADDRESSES\n";
  for (const auto& i : list) {
    json.push_back({{"name", i.name}, {"mac", i.mac}, {"mtu", i.mtu}, {"addresses", i.addresses}});
    std::string addresses;
    for (const auto& a : i.addresses) addresses += (addresses.empty() ? "" : " ") + a;
    table << std::setw(16) << i.name << "  " << std::setw(17) << i.mac << "  " << std::setw(5) << i.mtu << "  "
          << addresses << "\n";
  }
  return {std::move(json), table.str()};
}

Report RoutesReport(const std::vector<vc::NetRoute>& list) {
  nlohmann::json json = nlohmann::json::array();
  std::ostringstream table;
  table << std::left << std::setw(24) << "DESTINATION" << "  " << std::setw(16) << "GATEWAY" << "  "
        << std::setw(16) << "DEVICE" << "  SOURCE\n";
  for (const auto& r : list) {
    json.push_back({{"destination", r.destination}, {"gateway", r.gateway}, {"device", r.device},
                    {"source", r.source}, {"scope", r.scope}});
    table << std::setw(24) << (r.destination.empty() ? "default" : r.destination) << "  " << std::setw(16)
          << (r.gateway.empty() ? "-" : r.gateway) << "  " << std::setw(16) << r.device << "  "
          << (r.source.empty() ? "-" : r.source) << "\n";
  }
  return {std::move(json), table.str()};
}

void Print(const Report& report, bool json, std::ostream& out) {
  if (json)
    out << report.json.dump(2) << std::endl;
  else
    out << report.table << std::flush;
}

}  // namespace vc::virtc
