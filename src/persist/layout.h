// Where a sandbox's files live on the host: the one place that names them.
// The store, the backend, the supervisor and the shim all use it.
//
//   <state root>/sbs/<id>/          the sandbox directory (0700)
//     state.json, lock              the record and its lock (persist/)
//     supervisor.json               the supervisor's input, written by the launcher
//     resources.json                the sandbox's host resources (resource/)
//     pod_network.json              a namespace made for --net cni, and CNI's result
//     vc.sock                       the supervisor's agent socket for clients
//     control.sock                  the supervisor's control API (network hot-plug)
//     agent.sock, qmp.sock          QEMU's end of the agent port; its QMP socket
//     virtiofsd.sock                virtiofsd's vhost-user socket
//     console.sock, console.lock    QEMU's end of the debug console's port; held by its one session
//     initramfs.cpio                with the debug console: the guest's initramfs and its shell
//     shared/                       exported to the guest at agent::kGuestShareDir
//     *.log                         supervisor, qemu, console (guest serial), virtiofsd
#pragma once

#include <string>

#include "protocol/agent.h"

namespace vc {

struct SandboxLayout {
  // Documents kept beside the record (persist::Store::SaveItem): <item>.json.
  static constexpr const char* kSupervisorItem = "supervisor";
  static constexpr const char* kResourcesItem = "resources";
  static constexpr const char* kPodNetworkItem = "pod_network";

  std::string dir;

  static SandboxLayout Of(const std::string& state_root, const std::string& sandbox_id) {
    return {SandboxesDir(state_root) + "/" + sandbox_id};
  }
  static std::string SandboxesDir(const std::string& state_root) { return state_root + "/sbs"; }

  std::string StateFile() const { return dir + "/state.json"; }
  std::string LockFile() const { return dir + "/lock"; }
  std::string ClientSocket() const { return dir + "/vc.sock"; }
  std::string ControlSocket() const { return dir + "/control.sock"; }
  std::string AgentSocket() const { return dir + "/agent.sock"; }
  std::string QmpSocket() const { return dir + "/qmp.sock"; }
  std::string VirtiofsdSocket() const { return dir + "/virtiofsd.sock"; }
  std::string DebugConsoleSocket() const { return dir + "/console.sock"; }
  std::string DebugConsoleLock() const { return dir + "/console.lock"; }
  std::string DebugConsoleInitrd() const { return dir + "/initramfs.cpio"; }
  std::string SharedDir() const { return dir + "/shared"; }
  std::string SupervisorLog() const { return dir + "/supervisor.log"; }
  std::string QemuLog() const { return dir + "/qemu.log"; }
  std::string ConsoleLog() const { return dir + "/console.log"; }
  std::string VirtiofsdLog() const { return dir + "/virtiofsd.log"; }
};

}  // namespace vc
