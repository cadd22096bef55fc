// The spec a container gets when it brings none (virtc --rootfs, the
// library's ContainerConfig without oci_spec): what containerd's default
// spec gives a container, so that a container started from an image
// directory is confined as it would be under containerd and runc.
#pragma once

#include "oci/spec.h"

namespace vc::oci {

// Namespaces pid, ipc, uts, mount and cgroup (the network is the pod's, the
// guest's own); proc, /dev (tmpfs, devpts, shm, mqueue), sysfs, cgroup and
// /run mounts; containerd's 14 default capabilities; RLIMIT_NOFILE 1024;
// noNewPrivileges; containerd's masked and read-only paths. No process and
// an empty root: the caller fills them in.
Spec DefaultSpec();

}  // namespace vc::oci
