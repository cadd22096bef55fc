#include "resource/network/pod_netns.h"

#include "net/cni.h"
#include "net/netns.h"
#include "persist/layout.h"

namespace vc::resource {

namespace {

constexpr const char* kItem = SandboxLayout::kPodNetworkItem;

}  // namespace

Result<std::string> CreatePodNetns(persist::Store& store, const std::string& sandbox_id, const NetworkConfig& config) {
  auto network = net::LoadCniNetwork(config.cni_conf_dir);
  if (!network) return std::unexpected(network.error());
  // Interface names are at most 15 characters: so are namespace names here.
  const std::string path = "/var/run/netns/vc-" + sandbox_id.substr(0, 24);
  nlohmann::json state = {{"netns", path}, {"network", network->config}, {"file", network->file},
                          {"bin_dir", config.cni_bin_dir}, {"result", nullptr}};
  if (auto r = store.SaveItem(sandbox_id, kItem, state); !r) return std::unexpected(r.error());
  if (auto r = net::CreateNamedNetns(path); !r) {
    (void)store.SaveItem(sandbox_id, kItem, nlohmann::json::object());
    return std::unexpected(r.error());
  }
  auto result = net::CniAdd(*network, config.cni_bin_dir, {sandbox_id, path, "eth0"});
  if (!result) {
    (void)DeletePodNetns(store, sandbox_id);
    return std::unexpected(result.error());
  }
  state["result"] = *result;
  if (auto r = store.SaveItem(sandbox_id, kItem, state); !r) {
    (void)DeletePodNetns(store, sandbox_id);
    return std::unexpected(r.error());
  }
  return path;
}

Result<> DeletePodNetns(persist::Store& store, const std::string& sandbox_id) {
  auto state = store.LoadItem(sandbox_id, kItem);
  if (!state) return state.error().code == ErrorCode::kNotFound ? Result<>{} : std::unexpected(state.error());
  const std::string path = state->value("netns", std::string());
  if (path.empty()) return {};
  net::CniNetwork network{state->value("file", std::string()), state->value("network", nlohmann::json::object())};
  Result<> deleted = net::CniDel(network, state->value("bin_dir", std::string()), {sandbox_id, path, "eth0"},
                                 state->value("result", nlohmann::json()));
  if (auto r = net::RemoveNamedNetns(path); !r) return r;
  if (auto r = store.SaveItem(sandbox_id, kItem, nlohmann::json::object()); !r) return r;
  return deleted;
}

}  // namespace vc::resource
