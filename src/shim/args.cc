#include "shim/args.h"

#include <map>
#include <optional>

namespace vc::shim {

Result<Args> ParseArgs(const std::vector<std::string>& argv) {
  Args a;
  const std::map<std::string, std::string*> values = {{"namespace", &a.ns},
                                                      {"address", &a.address},
                                                      {"publish-binary", &a.publish_binary},
                                                      {"id", &a.id},
                                                      {"bundle", &a.bundle}};
  std::vector<std::string> positional;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "debug") {
      a.debug = !inline_value || *inline_value == "true" || *inline_value == "1";
      continue;
    }
    if (name == "v" || name == "version") {
      a.action = Action::kVersion;
      continue;
    }
    auto it = values.find(name);
    if (it == values.end()) return Fail(ErrorCode::kInvalidArgument, "unknown flag -" + name);
    if (inline_value) {
      *it->second = *inline_value;
    } else if (i + 1 < argv.size()) {
      *it->second = argv[++i];
    } else {
      return Fail(ErrorCode::kInvalidArgument, "flag -" + name + " needs a value");
    }
  }
  if (positional.size() > 1)
    return Fail(ErrorCode::kInvalidArgument, "more than one action given");
  if (a.action == Action::kVersion) return a;
  if (!positional.empty()) {
    if (positional[0] == "start") a.action = Action::kStart;
    else if (positional[0] == "delete") a.action = Action::kDelete;
    else return Fail(ErrorCode::kInvalidArgument, "unknown action '" + positional[0] + "'");
  }
  if (a.id.empty()) return Fail(ErrorCode::kInvalidArgument, "-id is required");
  if (a.ns.empty()) return Fail(ErrorCode::kInvalidArgument, "-namespace is required");
  return a;
}

std::vector<std::string> ServeArgs(const Args& a) {
  std::vector<std::string> out = {"-namespace", a.ns, "-address", a.address, "-publish-binary",
                                  a.publish_binary, "-id", a.id};
  if (a.debug) out.push_back("-debug");
  return out;
}

}  // namespace vc::shim
