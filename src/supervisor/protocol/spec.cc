#include "supervisor/protocol/spec.h"

#include "persist/config_json.h"

namespace vc {

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
