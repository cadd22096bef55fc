#include "net/json.h"

namespace vc {

using nlohmann::json;

void to_json(json& j, const NetworkConfig& c) {
  j = {{"netns_path", c.netns_path}, {"model", c.model}, {"cni", c.cni},
       {"cni_conf_dir", c.cni_conf_dir}, {"cni_bin_dir", c.cni_bin_dir}};
}

void from_json(const json& j, NetworkConfig& c) {
  NetworkConfig d;
  c.netns_path = j.value("netns_path", d.netns_path);
  c.model = j.value("model", d.model);
  c.cni = j.value("cni", d.cni);
  c.cni_conf_dir = j.value("cni_conf_dir", d.cni_conf_dir);
  c.cni_bin_dir = j.value("cni_bin_dir", d.cni_bin_dir);
}

void to_json(json& j, const NetInterface& i) {
  j = {{"name", i.name}, {"mac", i.mac}, {"mtu", i.mtu}, {"addresses", i.addresses}};
}

void from_json(const json& j, NetInterface& i) {
  i.name = j.value("name", std::string());
  i.mac = j.value("mac", std::string());
  i.mtu = j.value("mtu", 0u);
  i.addresses = j.value("addresses", std::vector<std::string>{});
}

void to_json(json& j, const NetRoute& r) {
  j = {{"destination", r.destination}, {"gateway", r.gateway}, {"device", r.device},
       {"source", r.source}, {"scope", r.scope}, {"family", r.family}};
}

void from_json(const json& j, NetRoute& r) {
  r.destination = j.value("destination", std::string());
  r.gateway = j.value("gateway", std::string());
  r.device = j.value("device", std::string());
  r.source = j.value("source", std::string());
  r.scope = j.value("scope", 0u);
  r.family = j.value("family", 0);
}

void to_json(json& j, const NetNeighbor& n) {
  j = {{"address", n.address}, {"mac", n.mac}, {"device", n.device}};
}

void from_json(const json& j, NetNeighbor& n) {
  n.address = j.value("address", std::string());
  n.mac = j.value("mac", std::string());
  n.device = j.value("device", std::string());
}

}  // namespace vc
