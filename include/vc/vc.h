// libvirtcontainers: run containers inside lightweight virtual machines.
//
// A sandbox is one VM; its containers are process trees inside it. A Runtime
// manages the sandboxes recorded under its state root. State lives on disk,
// so separate processes (and separate Runtime objects) can drive the same
// sandbox; each call takes the sandbox's lock while it changes state.
//
// Thread-safety: a Runtime may be used from several threads at once. A
// Process handle may be used from several threads at once (e.g. one pumping
// stdin, one stdout, one waiting).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vc/result.h"
#include "vc/types.h"

namespace vc {

struct RuntimeOptions {
  std::string state_root = "/run/vc";
  // vc-supervisor binary; empty: next to the running program, then $PATH.
  std::string supervisor_path;
  // The supervisors of sandboxes this Runtime starts also write their guest's
  // log lines (the agent's and the kernel's, as in supervisor.log) to this
  // descriptor, which they inherit: the shim gives containerd's log. -1: not.
  int guest_log_fd = -1;
};

struct OutputChunk {
  std::string data;
  bool eof = false;  // the stream ended; no more data will come
};

// A process in a container: the init process or one added by EnterContainer.
class VC_EXPORT Process {
 public:
  virtual ~Process() = default;
  virtual const std::string& exec_id() const = 0;  // "" for the init process
  virtual Result<size_t> WriteStdin(std::string_view data) = 0;
  virtual Result<> CloseStdin() = 0;
  // Block until output is available or the stream ends.
  virtual Result<OutputChunk> ReadStdout() = 0;
  virtual Result<OutputChunk> ReadStderr() = 0;
  // Blocks until the process exits: its exit code, or 128 + signal number.
  virtual Result<int> Wait() = 0;
  virtual Result<> Signal(int signal) = 0;
};

// What the debug console's shell wrote, or that it ended.
struct ConsoleOutput {
  std::string data;
  bool ended = false;  // the shell exited; exit_code is its code (or 128 + signal)
  int exit_code = 0;
};

// A shell in a sandbox's guest, outside every container, on a terminal
// (Runtime::OpenDebugConsole). Destroying the handle hangs the terminal up,
// which ends the shell. Write and Resize may be called from one thread while
// another blocks in Read.
class VC_EXPORT DebugConsole {
 public:
  virtual ~DebugConsole() = default;
  // What the user typed, as bytes for the terminal.
  virtual Result<> Write(std::string_view keys) = 0;
  virtual Result<> Resize(uint16_t rows, uint16_t columns) = 0;
  // No more input: a shell without a terminal reads end-of-file (and ends
  // once its script is done); on a terminal, the user's keys decide.
  virtual Result<> CloseInput() = 0;
  // Blocks until the shell wrote something or ended.
  virtual Result<ConsoleOutput> Read() = 0;
};

class VC_EXPORT Runtime {
 public:
  explicit Runtime(RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // --- sandboxes ---
  // Validates the whole configuration and records the sandbox (state ready);
  // no VM runs yet. An empty id gets a generated one (see the returned status).
  Result<SandboxStatus> CreateSandbox(const SandboxConfig& config);
  // Boots the VM and starts the sandbox's containers.
  Result<SandboxStatus> StartSandbox(const std::string& sandbox_id);
  // CreateSandbox + StartSandbox; nothing is left behind if the start fails.
  Result<SandboxStatus> RunSandbox(const SandboxConfig& config);
  // Stops every container and shuts the VM down.
  Result<> StopSandbox(const std::string& sandbox_id);
  Result<> PauseSandbox(const std::string& sandbox_id);
  Result<> ResumeSandbox(const std::string& sandbox_id);
  // REQUIRES: the sandbox is not running, or force. Removes all its state.
  // force, as `runc delete --force`: a running or paused sandbox is stopped
  // first, and a sandbox whose state cannot be read (truncated, edited by
  // hand) is torn down by what can be found without it (its supervisor by
  // its command line, its host resources and pod network by the sandbox id).
  Result<> DeleteSandbox(const std::string& sandbox_id, bool force = false);
  Result<SandboxStatus> StatusSandbox(const std::string& sandbox_id);
  Result<std::vector<SandboxStatus>> ListSandbox();

  // --- containers ---
  Result<ContainerStatus> CreateContainer(const std::string& sandbox_id,
                                          const ContainerConfig& config);
  Result<ContainerStatus> StartContainer(const std::string& sandbox_id,
                                         const std::string& container_id);
  // Kills every process of the container and waits for them.
  Result<ContainerStatus> StopContainer(const std::string& sandbox_id,
                                        const std::string& container_id);
  Result<> PauseContainer(const std::string& sandbox_id, const std::string& container_id);
  Result<> ResumeContainer(const std::string& sandbox_id, const std::string& container_id);
  // REQUIRES: the container is not running.
  Result<> DeleteContainer(const std::string& sandbox_id, const std::string& container_id);
  // Runs a further process in a running container. `exec_id` names it
  // (unique in the container); empty: a generated one.
  Result<std::unique_ptr<Process>> EnterContainer(const std::string& sandbox_id,
                                                  const std::string& container_id,
                                                  const Cmd& cmd, const std::string& exec_id = "");
  Result<ContainerStatus> StatusContainer(const std::string& sandbox_id,
                                          const std::string& container_id);
  Result<> KillContainer(const std::string& sandbox_id, const std::string& container_id,
                         int signal, bool all);
  Result<ContainerStats> StatsContainer(const std::string& sandbox_id,
                                        const std::string& container_id);
  // Changes the limits of a container's processes, now and for later starts.
  Result<> UpdateContainer(const std::string& sandbox_id, const std::string& container_id,
                           const ContainerResources& resources);
  // Guest pids of every process of a running container.
  Result<std::vector<int32_t>> PidsContainer(const std::string& sandbox_id,
                                             const std::string& container_id);
  // Sends `signal` to one process (exec_id "": the init process).
  Result<> SignalProcess(const std::string& sandbox_id, const std::string& container_id,
                         const std::string& exec_id, int signal);
  // Window size of a process started with Cmd::terminal.
  Result<> ResizeTerminal(const std::string& sandbox_id, const std::string& container_id,
                          const std::string& exec_id, uint32_t rows, uint32_t columns);
  // A handle on a container's process (exec_id "": its init process), e.g. to
  // read a detached container's output and exit status later.
  Result<std::unique_ptr<Process>> AttachProcess(const std::string& sandbox_id,
                                                 const std::string& container_id,
                                                 const std::string& exec_id = "");

  // --- network (the sandbox's guest, as configured from its pod namespace) ---
  // Connects interface `name` of the sandbox's pod network namespace (added
  // there after the sandbox started, e.g. by another CNI ADD) to the running
  // VM as a hot-plugged NIC, configured in the guest with the interface's
  // MAC, addresses, routes and static neighbours. Returns it as the guest has it.
  Result<NetInterface> AddInterface(const std::string& sandbox_id, const std::string& name);
  // Unplugs the NIC of pod interface `name` and removes what connected it.
  Result<> RemoveInterface(const std::string& sandbox_id, const std::string& name);
  // Interfaces of a running sandbox's guest, loopback aside.
  Result<std::vector<NetInterface>> ListInterfaces(const std::string& sandbox_id);
  // Adds `routes` to the guest (replacing those with the same destination);
  // returns the guest's routes.
  Result<std::vector<NetRoute>> UpdateRoutes(const std::string& sandbox_id, const std::vector<NetRoute>& routes);
  Result<std::vector<NetRoute>> ListRoutes(const std::string& sandbox_id);

  // --- direct volumes (disks that stand for a host path) ---
  // Registers `device` (a block device or image file holding ext4 or xfs)
  // under `volume_path`; checked now. kAlreadyExists if the path is registered.
  Result<> AddDirectVolume(const std::string& volume_path, const DirectVolume& volume);
  // Forgets the registration; kFailedPrecondition while a container has the disk.
  Result<> RemoveDirectVolume(const std::string& volume_path);
  // What the guest of the container that has the volume reports of its file
  // system; kFailedPrecondition if no running container has it.
  Result<VolumeStats> DirectVolumeStats(const std::string& volume_path);
  // Grows the direct volume at `volume_path`, which a running container has,
  // to `bytes`: the image file is extended (a block device must have grown
  // already), then its ext4 or xfs file system in the guest. Never shrinks.
  Result<> ResizeDirectVolume(const std::string& volume_path, uint64_t bytes);

  // --- VM templates (the factory) ---
  // Boots a VM for `config` to where its agent answers and saves it as the
  // state root's template, replacing an earlier one. Sandboxes with
  // enable_template and the same hypervisor configuration then start from it.
  Result<FactoryStatus> InitFactory(const HypervisorConfig& config, const AgentConfig& agent = {});
  // The template, and whether sandboxes with `config` would start from it.
  FactoryStatus StatusFactory(const HypervisorConfig& config);
  // Removes the template (sandboxes started from it keep running).
  Result<> DestroyFactory();

  // --- host cgroups ---
  // Moves host process `pid` into the cgroups of the running sandbox's VM
  // (the shim joins its pod's accounting); the cgroups it left, for
  // LeaveSandboxCgroup, empty if it was there already.
  Result<std::vector<std::string>> JoinSandboxCgroup(const std::string& sandbox_id, int32_t pid);
  // Moves `pid` back into `cgroups` (what JoinSandboxCgroup returned).
  Result<> LeaveSandboxCgroup(const std::vector<std::string>& cgroups, int32_t pid);

  // --- the debug console ---
  // A new shell in the running sandbox's guest, outside every container, on
  // a terminal of `rows` x `columns`, or with 0 x 0 on no terminal (its input
  // a script, its output without prompts or echo). Only for a sandbox
  // started with AgentConfig::debug_console; one session at a time.
  Result<std::unique_ptr<DebugConsole>> OpenDebugConsole(const std::string& sandbox_id, uint16_t rows = 0,
                                                         uint16_t columns = 0);

  // --- monitoring ---
  // Every sandbox under the state root with its host processes and, where
  // the guest answers within `guest_timeout_ms`, its agent and containers.
  // Takes no sandbox's lock: records are read as last saved (each save
  // replaces the file whole), so a long operation never delays a sample.
  std::vector<SandboxSample> SampleSandboxes(uint32_t guest_timeout_ms = 1000);
  // The counts kept under the state root (failed calls, VM starts).
  RuntimeCounts Counts();

  // --- the host ---
  // Whether sandboxes with `config` can run here, requirement by requirement
  // (accelerator, QEMU, virtiofsd, guest kernel and initramfs, supervisor,
  // state root, vhost, IOMMU, cgroups, CNI plugins, the template).
  std::vector<HostCheck> CheckHost(const HypervisorConfig& config);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The version of this library and the commit it was built from.
VC_EXPORT BuildInfo Build();

// Whether `id` is a valid identifier of a sandbox, container or process
// (`kind` names which in the error): 1 to 64 characters from [A-Za-z0-9_.-],
// starting with a letter or digit (so never "", ".", ".." or a path).
VC_EXPORT Result<> ValidateId(const std::string& kind, const std::string& id);

// Reads an OCI bundle (config.json + root filesystem) into a ContainerConfig.
VC_EXPORT Result<ContainerConfig> ContainerConfigFromBundle(const std::string& bundle_dir);

}  // namespace vc
