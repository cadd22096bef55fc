// The guest's network, configured by the host through the agent: loopback at
// boot, then each pod interface (found by its MAC) with its addresses, MTU
// and name, static neighbours and routes. Over rtnetlink with the same code
// the host uses to read the pod's namespace (src/net/netlink.h).
#pragma once

#include <vector>

#include "vc/result.h"
#include "vc/types.h"

namespace vc::agent {

Result<> BringUpLoopback();

// The virtio-net driver (and what it needs beyond the boot modules), kept in
// memory from boot: loaded when the VM has a NIC at boot or is given one.
void KeepNetModules(std::vector<std::string> images);
// True if the VM has a virtio-net PCI device.
bool HasVirtioNet();
// Loads the kept modules the first time; later calls do nothing.
Result<> LoadNetModules();

// Configures the interface with `want.mac`. kNotFound if the guest has no
// such interface (yet: a hot-plugged NIC takes a moment to appear). Each of
// these checks all it is given before it changes anything.
Result<NetInterface> ConfigureInterface(const NetInterface& want);
Result<> AddRoutes(const std::vector<NetRoute>& routes);
Result<> AddNeighbors(const std::vector<NetNeighbor>& neighbors);
// Every interface but loopback; the main table's routes.
Result<std::vector<NetInterface>> ListInterfaces();
Result<std::vector<NetRoute>> ListRoutes();

}  // namespace vc::agent
