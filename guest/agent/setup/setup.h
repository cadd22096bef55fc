// A container process's setup, as a list of steps with one file each. The
// agent prepares what can fail on bad input before it forks (Prepare), so a
// bad spec is refused at create with a clear message; the child then runs
// the steps between fork and exec, in the order runc runs them:
//
//   init only:  join cgroup, hostname, EnterRootfs (mounts, devices,
//               pivot_root, sysctls, read-only and masked paths)
//   every process: rlimits, oom_score_adj, umask, seccomp (early when
//               noNewPrivileges is off: loading it then needs CAP_SYS_ADMIN),
//               bounding set, user ids, capability sets, noNewPrivileges,
//               seccomp (late), exec.
//
// The child-side functions return errors instead of exiting, so that the
// caller reports them over its pipe. REQUIRES for those: the calling
// process is the forked child of a single-threaded agent.
#pragma once

#include <sys/resource.h>

#include <memory>
#include <string>
#include <vector>

#include "oci/spec.h"
#include "vc/result.h"

namespace vc::agent::setup {

// --- mounts.cc, devices.cc, rootfs.cc, paths.cc, sysctl.cc (init only) ------

// What the guest refuses before it forks: the spec's own rules
// (oci::Validate), mount types the guest kernel lacks (/proc/filesystems),
// namespaces it does not provide.
Result<> CheckContainer(const oci::Spec& spec);
// The flags `path`'s mount has now. A remount must keep them: in a user
// namespace the kernel refuses one that would drop a flag it locked.
unsigned long LockedFlags(const std::string& path);
// Every entry of spec.mounts, in order, at its destination resolved inside
// the root. A "cgroup" mount is cgroup v2 (the guest has no v1): inside a
// cgroup namespace it shows the container's own cgroup as its root.
Result<> MountAll(const oci::Spec& spec);
// The default device nodes (null, zero, full, random, urandom, tty), the
// spec's linux.devices and /dev's usual symlinks, under root/dev, and the
// terminal as /dev/console. In a user namespace, where mknod is refused,
// each node is the guest's, bound.
Result<> CreateDevices(const oci::Spec& spec);
// The whole filesystem view, in a new mount namespace: root bound on
// itself, MountAll, CreateDevices, pivot_root, then sysctls, read-only and
// masked paths, root.readonly and rootfsPropagation.
Result<> EnterRootfs(const oci::Spec& spec);
// linux.readonlyPaths and linux.maskedPaths (missing paths are skipped, as
// runc does). After pivot_root.
Result<> ProtectPaths(const oci::Linux& linux);
// linux.sysctl, written under /proc/sys. After pivot_root.
Result<> WriteSysctls(const oci::Linux& linux);

// --- capabilities.cc, rlimits.cc, seccomp.cc, user.cc (every process) --------

struct CapabilitySets {
  std::vector<int> bounding, effective, inheritable, permitted, ambient;
};

struct Seccomp;  // a filter built by libseccomp, ready to load (seccomp.cc)
struct SeccompDeleter {
  void operator()(Seccomp* s) const;
};

struct Rlimit {
  std::string name;  // as in the spec, for messages
  int resource = 0;
  rlimit limit{};
};

struct Prepared {
  std::vector<Rlimit> rlimits;
  CapabilitySets capabilities;  // a spec without the section: all empty, as in runc
  std::unique_ptr<Seccomp, SeccompDeleter> seccomp;
  bool no_new_privileges = false;
};

// Resolves names (capabilities, rlimits, syscalls, architectures, actions)
// and builds the seccomp filter. Errors name the field.
Result<Prepared> Prepare(const oci::Process& process, const std::optional<oci::Seccomp>& seccomp);
Result<CapabilitySets> ResolveCapabilities(const oci::Capabilities& caps);
Result<std::unique_ptr<Seccomp, SeccompDeleter>> BuildSeccomp(const oci::Seccomp& profile);

// Child side.
Result<> SetRlimits(const Prepared& prepared);
Result<> SetOomScoreAdj(const oci::Process& process);
Result<> LoadSeccomp(const Seccomp& filter);
Result<> DropBoundingSet(const CapabilitySets& caps);
// setgroups, setgid, setuid and umask (0022 unless the spec sets one). The
// capabilities survive the change of uid, so that SetCapabilities decides them.
Result<> SetUser(const oci::User& user);
Result<> SetCapabilities(const CapabilitySets& caps);
// The process-security steps after the start signal, in order.
Result<> ApplyProcess(const oci::Process& process, const Prepared& prepared);

}  // namespace vc::agent::setup
