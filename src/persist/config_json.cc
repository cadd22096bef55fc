#include "persist/config_json.h"

#include "net/json.h"

namespace vc {

using nlohmann::json;

void to_json(json& j, const Cmd& c) {
  j = {{"args", c.args}, {"env", c.env},           {"cwd", c.cwd},
       {"uid", c.uid},   {"gid", c.gid},           {"terminal", c.terminal}};
}
void from_json(const json& j, Cmd& c) {
  c.args = j.value("args", std::vector<std::string>{});
  c.env = j.value("env", std::vector<std::string>{});
  c.cwd = j.value("cwd", std::string("/"));
  c.uid = j.value("uid", 0u);
  c.gid = j.value("gid", 0u);
  c.terminal = j.value("terminal", false);
}

void to_json(json& j, const HypervisorConfig& c) {
  j = {{"type", c.type},           {"binary_path", c.binary_path}, {"kernel_path", c.kernel_path},
       {"initrd_path", c.initrd_path}, {"kernel_params", c.kernel_params}, {"vcpus", c.vcpus},
       {"memory_mib", c.memory_mib}, {"accel", c.accel}, {"virtiofsd_path", c.virtiofsd_path},
       {"shared_fs", c.shared_fs}, {"machine_type", c.machine_type}, {"rootless", c.rootless},
       {"block_device_driver", c.block_device_driver}, {"pcie_root_ports", c.pcie_root_ports}, {"max_vcpus", c.max_vcpus},
       {"max_memory_mib", c.max_memory_mib}, {"memory_slots", c.memory_slots},
       {"tcg_cache_mib", c.tcg_cache_mib}};
}
void from_json(const json& j, HypervisorConfig& c) {
  HypervisorConfig d;
  c.type = j.value("type", d.type);
  c.binary_path = j.value("binary_path", d.binary_path);
  c.kernel_path = j.value("kernel_path", d.kernel_path);
  c.initrd_path = j.value("initrd_path", d.initrd_path);
  c.kernel_params = j.value("kernel_params", d.kernel_params);
  c.vcpus = j.value("vcpus", d.vcpus);
  c.memory_mib = j.value("memory_mib", d.memory_mib);
  c.accel = j.value("accel", d.accel);
  c.virtiofsd_path = j.value("virtiofsd_path", d.virtiofsd_path);
  c.shared_fs = j.value("shared_fs", d.shared_fs);
  c.machine_type = j.value("machine_type", d.machine_type);
  c.rootless = j.value("rootless", d.rootless);
  c.pcie_root_ports = j.value("pcie_root_ports", d.pcie_root_ports);
  c.block_device_driver = j.value("block_device_driver", d.block_device_driver);
  c.max_vcpus = j.value("max_vcpus", d.max_vcpus);
  c.max_memory_mib = j.value("max_memory_mib", d.max_memory_mib);
  c.memory_slots = j.value("memory_slots", d.memory_slots);
  c.tcg_cache_mib = j.value("tcg_cache_mib", d.tcg_cache_mib);
}

void to_json(json& j, const AgentConfig& c) {
  j = {{"transport", c.transport}, {"start_timeout_ms", c.start_timeout_ms}, {"debug_console", c.debug_console}};
}
void from_json(const json& j, AgentConfig& c) {
  AgentConfig d;
  c.transport = j.value("transport", d.transport);
  c.start_timeout_ms = j.value("start_timeout_ms", d.start_timeout_ms);
  c.debug_console = j.value("debug_console", d.debug_console);
}

void to_json(json& j, const ContainerConfig& c) {
  j = {{"id", c.id}, {"rootfs", c.rootfs}, {"cmd", c.cmd}, {"annotations", c.annotations}};
  if (!c.rootfs_disk.empty()) j["rootfs_disk"] = c.rootfs_disk;
  if (!c.bundle.empty()) j["bundle"] = c.bundle;
  if (c.host_pid > 0) j["host_pid"] = c.host_pid;
  // Kept as an object, so the record stays readable; ContainerConfigFromBundle made it valid JSON.
  if (!c.oci_spec.empty()) j["oci_spec"] = json::parse(c.oci_spec, nullptr, false);
}
void from_json(const json& j, ContainerConfig& c) {
  c.id = j.value("id", std::string());
  c.rootfs = j.value("rootfs", std::string());
  c.rootfs_disk = j.value("rootfs_disk", std::string());
  c.cmd = j.value("cmd", Cmd{});
  c.annotations = j.value("annotations", std::map<std::string, std::string>{});
  c.bundle = j.value("bundle", std::string());
  c.host_pid = j.value("host_pid", 0);
  if (auto spec = j.find("oci_spec"); spec != j.end() && spec->is_object()) c.oci_spec = spec->dump();
}

void to_json(json& j, const SandboxConfig& c) {
  j = {{"id", c.id},         {"hostname", c.hostname},     {"hypervisor", c.hypervisor},
       {"agent", c.agent},   {"containers", c.containers}, {"annotations", c.annotations},
       {"network", c.network}, {"cgroup_path", c.cgroup_path}, {"sandbox_cgroup_only", c.sandbox_cgroup_only},
       {"enable_template", c.enable_template}};
}
void from_json(const json& j, SandboxConfig& c) {
  c.id = j.value("id", std::string());
  c.hostname = j.value("hostname", std::string());
  c.hypervisor = j.value("hypervisor", HypervisorConfig{});
  c.agent = j.value("agent", AgentConfig{});
  c.containers = j.value("containers", std::vector<ContainerConfig>{});
  c.annotations = j.value("annotations", std::map<std::string, std::string>{});
  c.network = j.value("network", NetworkConfig{});
  c.cgroup_path = j.value("cgroup_path", std::string());
  c.sandbox_cgroup_only = j.value("sandbox_cgroup_only", true);
  c.enable_template = j.value("enable_template", false);
}

}  // namespace vc
