#include "metrics.h"

#include <cstdio>
#include <functional>
#include <map>
#include <sstream>

namespace vcmon {
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

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
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
    out_ << name_;
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

}  // namespace

std::string Exposition(const std::vector<vc::SandboxSample>& samples, double scrape_seconds) {
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
  w.Family("vc_scrape_duration_seconds", "gauge", "How long this scrape took to sample every sandbox.",
           [&] { w.Row({}, scrape_seconds); });
  return w.Text();
}

}  // namespace vcmon
