// A pod network namespace the runtime makes itself, for standalone use
// (virtc --net cni): created and wired by the CNI plugins when the sandbox is
// created, torn down when it is deleted. Its state (the namespace, the CNI
// configuration used and ADD's result) is the sandbox's store item
// "pod_network", saved before each step, so a later process can undo it.
#pragma once

#include <string>

#include "persist/store.h"
#include "vc/types.h"

namespace vc::resource {

// The namespace's path. On failure nothing is left.
Result<std::string> CreatePodNetns(persist::Store& store, const std::string& sandbox_id, const NetworkConfig& config);
// CNI DEL, then the namespace removed. Nothing to do if none was made.
Result<> DeletePodNetns(persist::Store& store, const std::string& sandbox_id);

}  // namespace vc::resource
