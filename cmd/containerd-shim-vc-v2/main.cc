// containerd-shim-vc-v2: the containerd runtime shim v2 of virtcontainers
// (runtime name io.containerd.vc.v2). One shim process and one VM per pod.
#include <iostream>
#include <string>
#include <vector>

#include "shim/args.h"
#include "shim/lifecycle.h"
#include "vc/vc.h"

int main(int argc, char** argv) {
  std::vector<std::string> raw(argv + 1, argv + argc);
  auto args = vc::shim::ParseArgs(raw);
  if (!args) {
    std::cerr << "containerd-shim-vc-v2: " << args.error().message << "\n"
              << "usage: containerd-shim-vc-v2 -namespace NS -address ADDR -id ID "
                 "[-bundle DIR] [-debug] start|delete" << std::endl;
    return 2;
  }
  switch (args->action) {
    case vc::shim::Action::kVersion:
      // containerd's shims print this form.
      std::cout << "containerd-shim-vc-v2:\n  Version:  " << vc::Build().version
                << "\n  Revision: " << vc::Build().commit << "\n" << std::endl;
      return 0;
    case vc::shim::Action::kStart: return vc::shim::StartShim(*args);
    case vc::shim::Action::kDelete: return vc::shim::DeleteShim(*args);
    case vc::shim::Action::kServe: return vc::shim::ServeShim(*args);
  }
  return 2;
}
