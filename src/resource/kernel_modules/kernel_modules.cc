#include "resource/kernel_modules/kernel_modules.h"

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "os/file.h"

namespace vc::resource {

namespace {

// "kernel/net/bridge/br_netfilter.ko" -> "br_netfilter"; the kernel treats
// '-' and '_' in module names alike.
std::string NameOf(std::string_view path) {
  path = path.substr(path.rfind('/') + 1);
  std::string name(path.substr(0, path.find(".ko")));
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

struct Index {
  std::set<std::string> builtin;
  // name -> its file and the files it needs (modules.dep: the last loads first)
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> modules;
};

Result<Index> ReadIndex(const std::string& dir) {
  auto dep = os::ReadFile(dir + "/modules.dep");
  if (!dep)
    return Fail(ErrorCode::kNotFound, "the guest kernel has no modules directory (" + dir +
                                          "/modules.dep): build the lean kernel (scripts/build.sh) or load none");
  Index index;
  std::istringstream lines(*dep);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::vector<std::string> needs;
    std::istringstream rest(line.substr(colon + 1));
    for (std::string file; rest >> file;) needs.push_back(file);
    const std::string file = line.substr(0, colon);
    index.modules[NameOf(file)] = {file, needs};
  }
  if (auto builtin = os::ReadFile(dir + "/modules.builtin")) {
    std::istringstream names(*builtin);
    for (std::string line; std::getline(names, line);)
      if (!line.empty()) index.builtin.insert(NameOf(line));
  }
  return index;
}

}  // namespace

std::string ModulesDirOf(const std::string& kernel_path) {
  const size_t slash = kernel_path.rfind('/');
  return (slash == std::string::npos ? std::string(".") : kernel_path.substr(0, slash)) + "/modules";
}

Result<std::vector<KernelModule>> ModulesToLoad(const std::map<std::string, std::string>& annotations,
                                                const std::string& dir) {
  auto request = annotations.find(kModulesAnnotation);
  if (request == annotations.end()) return std::vector<KernelModule>{};
  std::optional<Index> index;  // read at the first module named
  std::vector<KernelModule> out;
  std::set<std::string> queued;
  std::istringstream items(request->second);
  for (std::string item; std::getline(items, item, ';');) {
    std::istringstream words(item);
    std::string name, parameters;
    if (!(words >> name)) continue;
    for (std::string word; words >> word;) parameters += (parameters.empty() ? "" : " ") + word;
    if (!index) {
      auto read = ReadIndex(dir);
      if (!read) return std::unexpected(read.error().Wrap(std::string(kModulesAnnotation) + " " + name));
      index = std::move(*read);
    }
    const std::string key = NameOf(name);
    if (index->builtin.contains(key)) continue;
    auto found = index->modules.find(key);
    if (found == index->modules.end())
      return Fail(ErrorCode::kInvalidArgument, std::string(kModulesAnnotation) + ": kernel module '" + name +
                                                   "' does not exist in the guest kernel (neither built in nor in " +
                                                   dir + ")");
    const auto& [file, needs] = found->second;
    for (auto it = needs.rbegin(); it != needs.rend(); ++it)
      if (queued.insert(NameOf(*it)).second) out.push_back({NameOf(*it), dir + "/" + *it, ""});
    if (queued.insert(key).second) {
      out.push_back({key, dir + "/" + file, parameters});
    } else if (!parameters.empty()) {
      // Asked for after something that needed it: its parameters still count.
      for (auto& m : out)
        if (m.name == key) m.parameters = parameters;
    }
  }
  return out;
}

}  // namespace vc::resource
