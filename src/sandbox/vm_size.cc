#include "sandbox/vm_size.h"

#include "oci/convert.h"

namespace vc {

namespace {

void Add(hypervisor::VmSize& size, const oci::Resources& r) {
  if (r.cpu_quota && *r.cpu_quota > 0 && r.cpu_period && *r.cpu_period > 0)
    size.vcpus += static_cast<uint32_t>((static_cast<uint64_t>(*r.cpu_quota) + *r.cpu_period - 1) / *r.cpu_period);
  if (r.memory_limit && *r.memory_limit > 0)
    size.memory_mib += static_cast<uint32_t>((static_cast<uint64_t>(*r.memory_limit) + (1u << 20) - 1) >> 20);
}

}  // namespace

hypervisor::VmSize NeededVmSize(const SandboxRecord& record, const std::string& cid,
                                const oci::Resources& resources) {
  hypervisor::VmSize size{record.config.hypervisor.vcpus, record.config.hypervisor.memory_mib};
  Add(size, resources);
  for (const auto& [id, c] : record.containers) {
    if (id == cid || c.state == ContainerState::kStopped) continue;
    auto spec = oci::SpecOf(c.config);
    if (spec && spec->linux.resources) Add(size, *spec->linux.resources);
  }
  return size;
}

}  // namespace vc
