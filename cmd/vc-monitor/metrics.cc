#include "metrics.h"

#include <charconv>
#include <functional>
#include <map>
#include <sstream>

namespace vc::monitor {
namespace {

// A label value with \, " and newlines escaped.
std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// The shortest text that reads back as `v` (0.95, not 0.94999999999999996).
std::string Number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

class Writer {
 public:
  // A metric family: its HELP and TYPE, then `rows` adds its samples.
  void Family(const std::string& name, const char* type, const std::string& help,
              const std::function<void()>& rows) {
    out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    name_ = name;
    rows();
  }
  void Row(const std::vector<std::pair<const char*, std::string>>& labels, double value) {
    Sample("", labels, value);
  }
  // A histogram's or summary's own series: the family name with `suffix`.
  void Sample(const char* suffix, const std::vector<std::pair<const char*, std::string>>& labels, double value) {
    out_ << name_ << suffix;
    if (!labels.empty()) {
      out_ << "{";
      for (size_t i = 0; i < labels.size(); ++i)
        out_ << (i ? "," : "") << labels[i].first << "=\"" << Escape(labels[i].second) << "\"";
      out_ << "}";
    }
    out_ << " " << Number(value) << "\n";
  }
  std::string Text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::string name_;
};

// The phases of a start as durations: each from the end of the one before
// (created:ID and started:ID as created and started).
std::vector<std::pair<std::string, double>> PhaseSeconds(const std::vector<vc::StartPhase>& timeline) {
  std::vector<std::pair<std::string, double>> out;
  double before = 0;
  for (const auto& p : timeline) {
    out.emplace_back(p.name.substr(0, p.name.find(':')), (p.at_ms - before) / 1000);
    before = p.at_ms;
  }
  return out;
}

constexpr double kPhaseBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

}  // namespace

std::string Exposition(const std::vector<vc::SandboxSample>& samples, const vc::RuntimeCounts& counts,
                       double scrape_seconds) {
  Writer w;
  w.Family("vc_sandboxes", "gauge", "Sandboxes under the state root, by state.", [&] {
    std::map<std::string, int> by_state{{"ready", 0}, {"running", 0}, {"paused", 0}, {"stopped", 0}};
    for (const auto& s : samples) ++by_state[s.problem.starts_with("state") ? "unreadable" : vc::ToString(s.state)];
    for (const auto& [state, n] : by_state) w.Row({{"state", state}}, n);
  });
  w.Family("vc_sandbox_info", "gauge", "One per sandbox, with its state.", [&] {
    for (const auto& s : samples) w.Row({{"sandbox", s.id}, {"state", vc::ToString(s.state)}}, 1);
  });
  auto per_process = [&](const char* name, const char* type, const char* help,
                         const std::function<double(const vc::ProcessSample&)>& value) {
    w.Family(name, type, help, [&] {
      for (const auto& s : samples)
        for (const auto& p : s.processes) w.Row({{"sandbox", s.id}, {"process", p.role}}, value(p));
    });
  };
  per_process("vc_process_cpu_seconds_total", "counter", "CPU time (user and system) of a sandbox's host process.",
              [](const auto& p) { return p.cpu_seconds; });
  per_process("vc_process_resident_memory_bytes", "gauge", "Resident memory of a sandbox's host process.",
              [](const auto& p) { return static_cast<double>(p.rss_bytes); });
  per_process("vc_process_proportional_memory_bytes", "gauge",
              "Proportional set size (shared pages split among their users) of a sandbox's host process.",
              [](const auto& p) { return static_cast<double>(p.pss_bytes); });
  per_process("vc_process_threads", "gauge", "Threads of a sandbox's host process.",
              [](const auto& p) { return static_cast<double>(p.threads); });
  per_process("vc_process_open_fds", "gauge", "Open file descriptors of a sandbox's host process.",
              [](const auto& p) { return static_cast<double>(p.fds); });
  w.Family("vc_guest_up", "gauge", "1 when a running sandbox's agent answered this scrape.", [&] {
    for (const auto& s : samples)
      if (s.state == vc::SandboxState::kRunning) w.Row({{"sandbox", s.id}}, s.guest_reachable ? 1 : 0);
  });
  w.Family("vc_agent_resident_memory_bytes", "gauge", "Resident memory of the guest agent.", [&] {
    for (const auto& s : samples)
      if (s.guest_reachable) w.Row({{"sandbox", s.id}}, static_cast<double>(s.agent_rss_bytes));
  });
  auto per_container = [&](const char* name, const char* type, const char* help,
                           const std::function<double(const vc::ContainerStats&)>& value) {
    w.Family(name, type, help, [&] {
      for (const auto& s : samples)
        for (const auto& c : s.containers)
          if (c.has_stats) w.Row({{"sandbox", s.id}, {"container", c.id}}, value(c.stats));
    });
  };
  per_container("vc_container_cpu_seconds_total", "counter", "CPU time of a container's cgroup in the guest.",
                [](const auto& st) { return static_cast<double>(st.cpu_usage_usec) / 1e6; });
  per_container("vc_container_memory_bytes", "gauge", "Memory charged to a container's cgroup in the guest.",
                [](const auto& st) { return static_cast<double>(st.memory_bytes); });
  per_container("vc_container_pids", "gauge", "Processes and threads in a container's cgroup in the guest.",
                [](const auto& st) { return static_cast<double>(st.pids); });
  w.Family("vc_container_info", "gauge", "One per container, with its state.", [&] {
    for (const auto& s : samples)
      for (const auto& c : s.containers)
        w.Row({{"sandbox", s.id}, {"container", c.id}, {"state", vc::ToString(c.state)}}, 1);
  });
  auto per_guest = [&](const char* name, const char* type, const char* help,
                       const std::function<double(const vc::GuestStats&)>& value) {
    w.Family(name, type, help, [&] {
      for (const auto& s : samples)
        if (s.has_guest_stats) w.Row({{"sandbox", s.id}}, value(s.guest));
    });
  };
  per_guest("vc_guest_memory_total_bytes", "gauge", "Memory the guest kernel manages (MemTotal).",
            [](const auto& g) { return static_cast<double>(g.memory_total_bytes); });
  per_guest("vc_guest_memory_available_bytes", "gauge", "Memory available to the guest's programs (MemAvailable).",
            [](const auto& g) { return static_cast<double>(g.memory_available_bytes); });
  per_guest("vc_guest_load1", "gauge", "The guest's load average over 1 minute.", [](const auto& g) { return g.load1; });
  per_guest("vc_guest_load5", "gauge", "The guest's load average over 5 minutes.", [](const auto& g) { return g.load5; });
  per_guest("vc_guest_load15", "gauge", "The guest's load average over 15 minutes.",
            [](const auto& g) { return g.load15; });
  w.Family("vc_guest_cpu_seconds_total", "counter", "Time of all the guest's vCPUs, by mode.", [&] {
    for (const auto& s : samples) {
      if (!s.has_guest_stats) continue;
      const vc::GuestStats& g = s.guest;
      for (const auto& [mode, usec] : {std::pair{"user", g.cpu_user_usec}, std::pair{"system", g.cpu_system_usec},
                                       std::pair{"idle", g.cpu_idle_usec}, std::pair{"iowait", g.cpu_iowait_usec}})
        w.Row({{"sandbox", s.id}, {"mode", mode}}, static_cast<double>(usec) / 1e6);
    }
  });
  // A counter per item of each guest (its interfaces, its disks), labelled
  // `label` with the item's name: `field` of each of `items`.
  auto per_guest_item = [&](const char* name, const char* help, const char* label, auto items, auto field) {
    w.Family(name, "counter", help, [&] {
      for (const auto& s : samples)
        for (const auto& item : s.guest.*items)
          w.Row({{"sandbox", s.id}, {label, item.name}}, static_cast<double>(item.*field));
    });
  };
  auto per_interface = [&](const char* name, const char* help, uint64_t vc::GuestInterfaceStats::*field) {
    per_guest_item(name, help, "interface", &vc::GuestStats::interfaces, field);
  };
  per_interface("vc_guest_network_receive_bytes_total", "Bytes a guest interface received.",
                &vc::GuestInterfaceStats::rx_bytes);
  per_interface("vc_guest_network_receive_packets_total", "Packets a guest interface received.",
                &vc::GuestInterfaceStats::rx_packets);
  per_interface("vc_guest_network_receive_errors_total", "Receive errors of a guest interface.",
                &vc::GuestInterfaceStats::rx_errors);
  per_interface("vc_guest_network_receive_drop_total", "Received packets a guest interface dropped.",
                &vc::GuestInterfaceStats::rx_dropped);
  per_interface("vc_guest_network_transmit_bytes_total", "Bytes a guest interface sent.",
                &vc::GuestInterfaceStats::tx_bytes);
  per_interface("vc_guest_network_transmit_packets_total", "Packets a guest interface sent.",
                &vc::GuestInterfaceStats::tx_packets);
  per_interface("vc_guest_network_transmit_errors_total", "Transmit errors of a guest interface.",
                &vc::GuestInterfaceStats::tx_errors);
  per_interface("vc_guest_network_transmit_drop_total", "Packets a guest interface dropped instead of sending.",
                &vc::GuestInterfaceStats::tx_dropped);
  auto per_disk = [&](const char* name, const char* help, uint64_t vc::GuestDiskStats::*field) {
    per_guest_item(name, help, "disk", &vc::GuestStats::disks, field);
  };
  per_disk("vc_guest_disk_reads_completed_total", "Reads a guest disk completed.", &vc::GuestDiskStats::reads);
  per_disk("vc_guest_disk_read_bytes_total", "Bytes read from a guest disk.", &vc::GuestDiskStats::read_bytes);
  per_disk("vc_guest_disk_writes_completed_total", "Writes a guest disk completed.", &vc::GuestDiskStats::writes);
  per_disk("vc_guest_disk_written_bytes_total", "Bytes written to a guest disk.", &vc::GuestDiskStats::written_bytes);
  w.Family("vc_sandbox_start_seconds", "gauge", "How long a sandbox's last start took, to its last phase.", [&] {
    for (const auto& s : samples)
      if (!s.timeline.empty()) w.Row({{"sandbox", s.id}}, s.timeline.back().at_ms / 1000);
  });
  w.Family("vc_sandbox_from_template", "gauge", "1 when a sandbox's last start restored the VM template.", [&] {
    for (const auto& s : samples) {
      if (s.timeline.empty()) continue;
      bool restored = false;
      for (const auto& p : s.timeline) restored = restored || p.name == "restore";
      w.Row({{"sandbox", s.id}}, restored ? 1 : 0);
    }
  });
  w.Family("vc_start_phase_seconds", "histogram",
           "Durations of the start phases (vc::StartPhase) of the sandboxes under the state root, each one's last "
           "start.",
           [&] {
             std::map<std::string, std::vector<double>> by_phase;
             for (const auto& s : samples)
               for (const auto& [phase, seconds] : PhaseSeconds(s.timeline)) by_phase[phase].push_back(seconds);
             for (const auto& [phase, durations] : by_phase) {
               double sum = 0;
               for (double d : durations) sum += d;
               for (double le : kPhaseBuckets) {
                 size_t n = 0;
                 for (double d : durations) n += d <= le ? 1 : 0;
                 w.Sample("_bucket", {{"phase", phase}, {"le", Number(le)}}, static_cast<double>(n));
               }
               w.Sample("_bucket", {{"phase", phase}, {"le", "+Inf"}}, static_cast<double>(durations.size()));
               w.Sample("_sum", {{"phase", phase}}, sum);
               w.Sample("_count", {{"phase", phase}}, static_cast<double>(durations.size()));
             }
           });
  w.Family("vc_vm_starts_total", "counter", "VMs started under the state root: restored from the template, or booted.",
           [&] {
             w.Row({{"source", "template"}}, static_cast<double>(counts.vm_starts_template));
             w.Row({{"source", "boot"}}, static_cast<double>(counts.vm_starts_boot));
           });
  w.Family("vc_operation_errors_total", "counter",
           "Calls of the runtime that failed under the state root (any program), by operation and error code.", [&] {
             for (const auto& [operation, by_code] : counts.errors)
               for (const auto& [code, n] : by_code)
                 w.Row({{"operation", operation}, {"code", code}}, static_cast<double>(n));
           });
  w.Family("vc_scrape_duration_seconds", "gauge", "How long this scrape took to sample every sandbox.",
           [&] { w.Row({}, scrape_seconds); });
  return w.Text();
}

}  // namespace vc::monitor
