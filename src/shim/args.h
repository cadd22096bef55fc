// The shim binary's command line, as containerd runs it (Go flag syntax:
// "-name value", "--name value" or "-name=value", then the action):
//   -namespace NS -address ADDR -publish-binary BIN -id ID [-debug] start
//   -namespace NS -address ADDR -publish-binary BIN -id ID -bundle DIR delete
// and, from our own `start`, the same flags without an action: serve.
// (CLI11 has no single-dash long options, hence this small parser.)
#pragma once

#include <string>
#include <vector>

#include "vc/result.h"

namespace vc::shim {

enum class Action { kServe, kStart, kDelete, kVersion };

struct Args {
  std::string ns;              // containerd namespace
  std::string address;         // containerd's gRPC socket
  std::string publish_binary;  // containerd binary (unused: events go over ttRPC)
  std::string id;
  std::string bundle;          // delete: the bundle; otherwise the working directory
  bool debug = false;
  Action action = Action::kServe;
};

Result<Args> ParseArgs(const std::vector<std::string>& argv);

// The arguments that start the serving process: the same flags, no action.
std::vector<std::string> ServeArgs(const Args& args);

}  // namespace vc::shim
