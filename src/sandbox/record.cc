#include "sandbox/record.h"


namespace vc {

using nlohmann::json;

NLOHMANN_JSON_SERIALIZE_ENUM(SandboxState, {{SandboxState::kReady, "ready"},
                                            {SandboxState::kRunning, "running"},
                                            {SandboxState::kPaused, "paused"},
                                            {SandboxState::kStopped, "stopped"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ContainerState, {{ContainerState::kReady, "ready"},
                                              {ContainerState::kRunning, "running"},
                                              {ContainerState::kPaused, "paused"},
                                              {ContainerState::kStopped, "stopped"}})

json ToJson(const SandboxRecord& r) {
  json containers = json::object();
  for (const auto& [id, c] : r.containers) {
    json cj = {{"config", c.config}, {"state", c.state}, {"pid", c.pid},
               {"rootfs_mounted", c.rootfs_mounted}};
    if (!c.disks.empty()) cj["disks"] = c.disks;
    if (!c.vfio_groups.empty()) cj["vfio_groups"] = c.vfio_groups;
    if (c.exit_status) cj["exit_status"] = *c.exit_status;
    containers[id] = cj;
  }
  json phases = json::array();
  for (const auto& p : r.timeline.phases) phases.push_back({{"phase", p.name}, {"at_ms", p.at_ms}});
  return {{"version", 1},           {"config", r.config},
          {"state", r.state},       {"supervisor_pid", r.supervisor_pid},
          {"hypervisor", r.hypervisor}, {"accel", r.accel},
          {"containers", containers}, {"boot_disks", r.boot_disks},
          {"timeline", {{"start_mono_ns", r.timeline.start_ns}, {"phases", phases}}}};
}

Result<SandboxRecord> SandboxRecordFromJson(const json& j) {
  try {
    SandboxRecord r;
    r.config = j.at("config").get<SandboxConfig>();
    r.state = j.at("state").get<SandboxState>();
    r.supervisor_pid = j.value("supervisor_pid", 0);
    r.hypervisor = j.value("hypervisor", json::object());
    r.accel = j.value("accel", std::string());
    for (const auto& [id, cj] : j.at("containers").items()) {
      ContainerRecord c;
      c.config = cj.at("config").get<ContainerConfig>();
      c.state = cj.at("state").get<ContainerState>();
      c.pid = cj.value("pid", 0);
      if (cj.contains("exit_status")) c.exit_status = cj["exit_status"].get<int32_t>();
      c.rootfs_mounted = cj.value("rootfs_mounted", false);
      c.disks = cj.value("disks", std::vector<std::string>{});
      c.vfio_groups = cj.value("vfio_groups", std::vector<std::string>{});
      r.containers[id] = std::move(c);
    }
    r.boot_disks = j.value("boot_disks", std::vector<BootDisk>{});
    const json timeline = j.value("timeline", json::object());
    r.timeline.start_ns = timeline.value("start_mono_ns", int64_t{0});
    for (const auto& p : timeline.value("phases", json::array()))
      r.timeline.phases.push_back({p.at("phase").get<std::string>(), p.at("at_ms").get<double>()});
    return r;
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kDataLoss, std::string("sandbox record: ") + e.what());
  }
}

}  // namespace vc
