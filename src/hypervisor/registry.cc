// The one place that maps a hypervisor type name to its backend.
#include "hypervisor/hypervisor.h"
#include "hypervisor/mock/mock.h"
#include "hypervisor/qemu/qemu.h"

namespace vc::hypervisor {

Result<std::unique_ptr<Hypervisor>> New(const std::string& type) {
  if (type == "qemu") return std::make_unique<qemu::QemuHypervisor>();
  if (type == "mock") return std::make_unique<mock::MockHypervisor>();
  return Fail(ErrorCode::kInvalidArgument, "unknown hypervisor type '" + type + "' (known: qemu, mock)");
}

Result<std::unique_ptr<Hypervisor>> Attach(const std::string& type, const nlohmann::json& state) {
  auto hv = New(type);
  if (!hv) return hv;
  if (auto ok = (*hv)->Attach(state); !ok) return std::unexpected(ok.error());
  return hv;
}

Result<> CheckType(const std::string& type) {
  if (auto hv = New(type); !hv) return std::unexpected(hv.error());
  return {};
}

}  // namespace vc::hypervisor
