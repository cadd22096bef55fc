// Value types of the public API: configurations in, statuses out.
// Plain data; copy freely. Thread-safety: none needed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vc/result.h"

namespace vc {

// A process to run in a container.
struct Cmd {
  std::vector<std::string> args;  // args[0] is looked up in the container's PATH
  std::vector<std::string> env;   // "NAME=value"
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  // Run on a pseudo-terminal in the guest: stdout carries the terminal's
  // output, stderr stays empty, and the window size can be changed.
  bool terminal = false;
};

struct HypervisorConfig {
  std::string type = "qemu";  // "qemu", or "mock" for tests of code above the hypervisor
  std::string binary_path;    // empty: qemu-system-x86_64 from PATH
  // Guest kernel: an uncompressed ELF kernel with a PVH entry point (QEMU
  // boots it directly, the fastest way) or a bzImage.
  std::string kernel_path;
  std::string initrd_path;    // guest initramfs with vc-agent as /init; empty: initramfs.cpio beside the kernel
  std::vector<std::string> kernel_params;
  uint32_t vcpus = 1;
  uint32_t memory_mib = 256;
  std::string accel = "auto";  // "auto" (KVM when /dev/kvm is usable, else TCG), "kvm", "tcg"
  // How container roots and volumes reach the guest: "virtio-fs" (virtiofsd,
  // the faster) or "virtio-9p" (served by QEMU itself; what VM templates use).
  std::string shared_fs = "virtio-fs";
  std::string virtiofsd_path = "/usr/lib/qemu/virtiofsd";
  // QEMU's machine: "q35" (PCI, ACPI hot-plug) or "microvm" (virtio-mmio,
  // no PCI: boots faster, but nothing is hot-plugged into it: no NICs added
  // to a running sandbox, no growth for containers' limits, no templates).
  std::string machine_type = "q35";
  // QEMU runs as a user of its own (a uid and gid picked per sandbox, with no
  // other rights on the host) instead of root: the sockets, console and share
  // it uses are opened by the supervisor and passed to it. Needs shared_fs =
  // "virtio-fs" (a 9p share would be served with that user's rights); no VM
  // templates; NICs without vhost-net (QEMU could not open /dev/vhost-net).
  bool rootless = false;
  uint32_t pcie_root_ports = 2;  // q35: empty PCIe slots for devices hot-plugged later (NICs, disks)
  // How disks (block container roots, block volumes) are attached: "virtio-blk"
  // (a PCI device each, in an empty root port) or "virtio-scsi" (disks on one
  // SCSI controller: no PCIe slot each, also on microvm).
  std::string block_device_driver = "virtio-blk";
  // How far a running VM grows for its containers' limits (vCPUs and memory
  // hot-plugged): 0 takes the host's CPU count and memory. Memory comes in
  // DIMMs, one per growth, at most memory_slots of them (0: the boot memory
  // stays).
  uint32_t max_vcpus = 0;
  uint32_t max_memory_mib = 0;
  uint32_t memory_slots = 10;
  // Under TCG (no KVM), QEMU's cache of translated guest code: its pages
  // count as the VMM's memory once used. 0: the runtime's default.
  uint32_t tcg_cache_mib = 0;
};

struct AgentConfig {
  std::string transport = "auto";  // "auto", "serial" (virtio-serial) or "vsock"
  uint32_t start_timeout_ms = 120000;  // VM boot until the agent answers
  // A shell in the guest, outside every container, for Runtime::OpenDebugConsole
  // (`virtc sandbox console`). Off by default: whoever can reach the sandbox's
  // state directory then gets a root shell in the guest, beside the containers.
  // The VM boots cold (a template has no console port).
  bool debug_console = false;
};

struct ContainerConfig {
  std::string id;
  std::string rootfs;  // host directory shared into the VM as the container's root
  // Or a root on a disk: a block device or an image file holding one file
  // system (ext2/3/4 or xfs), attached to the VM and mounted in the guest as
  // the root (read-only if the spec's root is); `rootfs` is then unused.
  std::string rootfs_disk;
  Cmd cmd;
  std::map<std::string, std::string> annotations;
  // The container's whole OCI runtime spec (config.json text), when it has
  // one (ContainerConfigFromBundle). Its root path and process are replaced
  // by `rootfs` and `cmd`; empty: a spec with only those.
  std::string oci_spec;
  // The bundle directory it came from, if any: OCI hooks see it in the state.
  std::string bundle;
  // The host process that stands for the container, if its caller keeps one
  // (vc-runtime's monitor): OCI hooks see it as the state's pid. 0: the VM's
  // process.
  int32_t host_pid = 0;
};

// A direct volume (Kata's direct-assigned volume): a block device or image
// file registered under a host path. A container whose spec bind-mounts that
// path gets the disk, attached to its VM and mounted in the guest, instead of
// the path being shared.
struct DirectVolume {
  std::string device;
  std::string fstype;                // "ext4" or "xfs"; empty: as found on the disk
  std::vector<std::string> options;  // mount options in the guest ("ro", "noatime", ...)
};

// A disk volume's file system as the guest sees it, and who has it.
struct VolumeStats {
  std::string sandbox_id;
  std::string container_id;
  std::string guest_path;  // where the guest mounted it
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t available_bytes = 0;
  uint64_t inodes = 0;
  uint64_t inodes_used = 0;
};

// Limits of a container's processes (its cgroup in the guest); unset fields
// stay as they are. The OCI runtime spec's linux.resources, in its units.
struct ContainerResources {
  std::optional<int64_t> memory_limit_bytes;  // -1: unlimited
  std::optional<int64_t> memory_swap_bytes;   // memory + swap, as the OCI spec's memory.swap; -1: unlimited
  std::optional<uint64_t> cpu_shares;
  std::optional<int64_t> cpu_quota_usec;      // per period; -1: unlimited
  std::optional<uint64_t> cpu_period_usec;
  std::optional<int64_t> pids_limit;          // -1 or 0: unlimited
};

// A sandbox's network: the host network namespace whose interfaces it takes
// over, and how each interface is connected to the VM.
struct NetworkConfig {
  std::string netns_path;  // e.g. /var/run/netns/pod1 or /proc/PID/ns/net; empty: loopback only
  // "tcfilter": a tap beside each interface, tc redirects both ways;
  // "macvtap": a macvtap device on each interface; "none": no NIC.
  std::string model = "tcfilter";
  // Standalone CNI, when netns_path is empty: the runtime makes a namespace
  // for the sandbox (/var/run/netns/vc-<id>) and runs the CNI plugins of the
  // first network configuration in cni_conf_dir on it: ADD when the sandbox
  // is created, DEL when it is deleted.
  bool cni = false;
  std::string cni_conf_dir = "/etc/cni/net.d";
  std::string cni_bin_dir = "/usr/lib/cni";  // Debian's containernetworking-plugins
};

// A network interface as the guest sees it.
struct NetInterface {
  std::string name;                    // e.g. "eth0": the pod interface's name
  std::string mac;                     // "aa:bb:cc:dd:ee:ff"
  uint32_t mtu = 0;
  std::vector<std::string> addresses;  // CIDR: "10.88.0.5/16", "fd00::5/64"
};

struct NetRoute {
  std::string destination;  // CIDR; empty: the default route
  std::string gateway;      // empty: none (a directly connected network)
  std::string device;       // interface name
  std::string source;       // preferred source address; empty: none
  uint32_t scope = 0;       // RT_SCOPE_*: 0 universe, 253 link, 254 host
  int family = 0;           // AF_INET or AF_INET6; 0: from the addresses
};

// A static ARP/NDP entry.
struct NetNeighbor {
  std::string address;
  std::string mac;
  std::string device;
};

struct SandboxConfig {
  std::string id;        // empty: CreateSandbox generates one
  std::string hostname;  // empty: the sandbox id, cut to 63 characters
  HypervisorConfig hypervisor;
  AgentConfig agent;
  NetworkConfig network;
  std::vector<ContainerConfig> containers;
  std::map<std::string, std::string> annotations;
  // The host cgroup the VM's processes (supervisor, QEMU, virtiofsd) live
  // in, as OCI's linux.cgroupsPath in cgroupfs form: absolute from each
  // hierarchy's root, or relative to the caller's cgroup. Made if missing,
  // removed with the sandbox (only what was made). Empty: the caller's.
  std::string cgroup_path;
  // true (Kata's sandbox_cgroup_only): all of them in cgroup_path. false:
  // only the VMM's vCPU threads there, the rest in an overhead cgroup
  // (/vc_overhead/<id>), so the pod's limits count the guest's work and not
  // the VMM's own; cgroup v1 only (v2 keeps a process's threads together).
  bool sandbox_cgroup_only = true;
  // Start from the VM template (Runtime::InitFactory) instead of booting,
  // when one fits this configuration; else boot, with a warning that says
  // why. Needs hypervisor.shared_fs = "virtio-9p" and the agent on
  // virtio-serial.
  bool enable_template = false;
};

enum class SandboxState { kReady, kRunning, kPaused, kStopped };
enum class ContainerState { kReady, kRunning, kPaused, kStopped };

VC_EXPORT const char* ToString(SandboxState state);
VC_EXPORT const char* ToString(ContainerState state);

struct ContainerStatus {
  std::string id;
  ContainerState state = ContainerState::kReady;
  std::string rootfs;
  Cmd cmd;
  int32_t pid = 0;                     // in the guest; 0 before start
  std::optional<int32_t> exit_status;  // set once the init process exited
};

// One step of a sandbox's start: its name and when it ended, in milliseconds
// since StartSandbox (or RunSandbox) began. In order:
//   config        the call checked the sandbox and wrote the supervisor's spec
//   supervisor    vc-supervisor runs
//   share-fs      the shared file system daemon (virtiofsd) is ready
//   vmm           QEMU runs and answers on QMP
//   restore       (instead of vmm, guest-kernel and agent-start, for a
//                 sandbox started from a VM template) QEMU runs the template's
//                 copy
//   guest-kernel  the guest kernel started its clock (firmware, loader done)
//   agent-start   the kernel booted and started vc-agent as /init
//   agent-ready   the agent answered its first request
//   sandbox       the sandbox is set up in the guest (mounts, network)
//   created:ID, started:ID   the first container(s), until one has started
// The guest phases are read from the guest's clock (CLOCK_BOOTTIME) as the
// agent reports it, mapped onto the host's.
struct StartPhase {
  std::string name;
  double at_ms = 0;
};

// What a container's cgroup in the guest says.
struct ContainerStats {
  uint64_t cpu_usage_usec = 0;
  uint64_t memory_bytes = 0;
  uint64_t pids = 0;
  uint64_t memory_limit_bytes = 0;  // 0: unlimited
  uint64_t pids_limit = 0;          // 0: unlimited
};

// A sandbox's process on the host (the supervisor, QEMU, virtiofsd), for
// monitoring.
struct ProcessSample {
  std::string role;  // "supervisor", or the program's name ("qemu-system-x86", "virtiofsd")
  int32_t pid = 0;
  double cpu_seconds = 0;  // user + system so far
  uint64_t rss_bytes = 0;
  uint64_t pss_bytes = 0;  // shared pages split among their users
  uint32_t threads = 0;
  uint32_t fds = 0;
};
struct ContainerSample {
  std::string id;
  ContainerState state = ContainerState::kReady;
  bool has_stats = false;  // running, and the guest answered
  ContainerStats stats;
};
// The guest as its kernel counts it (its /proc), for monitoring.
struct GuestInterfaceStats {
  std::string name;
  uint64_t rx_bytes = 0, rx_packets = 0, rx_errors = 0, rx_dropped = 0;
  uint64_t tx_bytes = 0, tx_packets = 0, tx_errors = 0, tx_dropped = 0;
};
struct GuestDiskStats {
  std::string name;  // vda, sda
  uint64_t reads = 0, read_bytes = 0, writes = 0, written_bytes = 0;
};
struct GuestStats {
  uint64_t memory_total_bytes = 0;
  uint64_t memory_available_bytes = 0;
  // Time of all vCPUs: user (and nice), system (and interrupts), idle, I/O wait.
  uint64_t cpu_user_usec = 0, cpu_system_usec = 0, cpu_idle_usec = 0, cpu_iowait_usec = 0;
  double load1 = 0, load5 = 0, load15 = 0;
  std::vector<GuestInterfaceStats> interfaces;  // loopback aside
  std::vector<GuestDiskStats> disks;
};
// One sandbox as Runtime::SampleSandboxes saw it.
struct SandboxSample {
  std::string id;
  SandboxState state = SandboxState::kReady;
  std::vector<ProcessSample> processes;
  bool guest_reachable = false;  // running, and its agent answered
  uint64_t agent_rss_bytes = 0;
  bool has_guest_stats = false;  // reachable, and it answered GuestStats
  GuestStats guest;
  std::vector<ContainerSample> containers;
  std::vector<StartPhase> timeline;  // of the last start (SandboxStatus::timeline)
  std::string problem;  // what could not be read, if anything
};

// Counts every program driving a state root (virtc, the shim, vc-runtime)
// keeps under it, since the root was made (Runtime::Counts).
struct RuntimeCounts {
  // Failed calls: operation ("start sandbox") -> error code name -> count.
  std::map<std::string, std::map<std::string, uint64_t>> errors;
  // VMs started: restored from the template, or booted.
  uint64_t vm_starts_template = 0;
  uint64_t vm_starts_boot = 0;
};

// What this library was built from.
struct BuildInfo {
  std::string version;  // the project's version
  std::string commit;   // the git commit; "-dirty" with uncommitted changes; "unknown" outside git
};

// One requirement of running sandboxes, as Runtime::CheckHost found it.
enum class CheckLevel {
  kOk,
  kWarning,  // sandboxes run, without this (slower, or a feature missing)
  kError,    // no sandbox can start
};
struct HostCheck {
  std::string name;    // "accelerator", "qemu", "guest kernel", ...
  CheckLevel level = CheckLevel::kOk;
  std::string found;   // what is there ("tcg", QEMU's version, a path)
  std::string detail;  // why, and what to do about it
};
VC_EXPORT const char* ToString(CheckLevel level);

// The VM template of a runtime's state root (Runtime::InitFactory).
struct FactoryStatus {
  bool exists = false;
  std::string path;             // its directory
  std::string guest_kernel;     // the kernel release it booted
  std::string kernel_path;
  uint32_t vcpus = 0;
  uint32_t memory_mib = 0;
  uint64_t memory_bytes = 0;    // guest memory it holds (what the guest touched)
  // For the configuration asked about: whether sandboxes would start from it,
  // else why not.
  bool fits = false;
  std::string reason;
};

struct SandboxStatus {
  std::string id;
  SandboxState state = SandboxState::kReady;
  std::string hypervisor;  // backend name
  std::string accel;       // "kvm" or "tcg" once started
  std::string agent = "vc-agent";
  int32_t hypervisor_pid = 0;
  // Reported by the agent while the sandbox runs (empty/0 otherwise).
  std::string guest_kernel;
  std::string agent_version;
  std::string agent_commit;
  uint64_t agent_rss_bytes = 0;
  std::vector<ContainerStatus> containers;
  std::vector<StartPhase> timeline;  // of the last start; empty before one
  // ListSandbox only: why this sandbox's state could not be read (then only
  // id is known; DeleteSandbox with force removes it).
  std::string problem;
};

}  // namespace vc
