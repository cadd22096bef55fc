#include "sandbox/supervisor_spec.h"

#include "sandbox/record.h"

namespace vc {

SupervisorSpec SupervisorSpecOf(const SandboxConfig& config) {
  SupervisorSpec spec;
  spec.sandbox_id = config.id;
  spec.hypervisor = config.hypervisor;
  spec.agent = config.agent;
  spec.resources.virtiofsd_path = config.hypervisor.virtiofsd_path;
  spec.resources.share_fs = config.hypervisor.shared_fs;
  spec.resources.network = config.network;
  spec.resources.net_queues = config.hypervisor.vcpus;
  spec.resources.cgroup_path = config.cgroup_path;
  spec.resources.cgroup_only = config.sandbox_cgroup_only;
  return spec;
}

void to_json(nlohmann::json& j, const SupervisorSpec& s) {
  j = {{"sandbox_id", s.sandbox_id},
       {"hypervisor", s.hypervisor},
       {"agent", s.agent},
       {"resources", s.resources},
       {"template_dir", s.template_dir},
       {"disks", s.disks}};
}

void from_json(const nlohmann::json& j, SupervisorSpec& s) {
  s.sandbox_id = j.at("sandbox_id").get<std::string>();
  s.hypervisor = j.value("hypervisor", HypervisorConfig{});
  s.agent = j.value("agent", AgentConfig{});
  s.resources = j.value("resources", resource::Config{});
  s.template_dir = j.value("template_dir", std::string());
  s.disks = j.value("disks", std::vector<BootDisk>{});
}

}  // namespace vc
