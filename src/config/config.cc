#include "config/config.h"

#include <set>
#include <string_view>

#include <toml++/toml.h>

#include "os/file.h"

namespace vc::config {

namespace {

// Reads the keys of one table into fields, refusing unknown keys and wrong types.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string name, std::string origin)
      : table_(table), name_(std::move(name)), origin_(std::move(origin)) {}

  template <typename T>
  void Get(const char* key, T& out) {
    seen_.insert(key);
    if (!table_ || error_) return;
    const toml::node* node = table_->get(key);
    if (!node) return;
    if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      const toml::array* array = node->as_array();
      if (!array) return Wrong(key, "an array of strings");
      out.clear();
      for (const auto& item : *array) {
        auto s = item.value<std::string>();
        if (!s) return Wrong(key, "an array of strings");
        out.push_back(*s);
      }
    } else if constexpr (std::is_same_v<T, std::string>) {
      auto v = node->value<std::string>();
      if (!v) return Wrong(key, "a string");
      out = *v;
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!node->is_boolean()) return Wrong(key, "true or false");
      out = **node->as_boolean();
    } else {
      auto v = node->value<int64_t>();
      if (!v || *v < 0 || *v > static_cast<int64_t>(std::numeric_limits<T>::max()))
        return Wrong(key, "a non-negative integer");
      out = static_cast<T>(*v);
    }
  }

  Result<> Finish() {
    if (error_) return std::unexpected(*error_);
    if (table_)
      for (const auto& [key, node] : *table_)
        if (!seen_.contains(std::string(key.str())))
          return Fail(ErrorCode::kInvalidArgument,
                      origin_ + ": unknown key " + name_ + "." + std::string(key.str()));
    return {};
  }

 private:
  void Wrong(const char* key, const char* what) {
    error_ = Error{ErrorCode::kInvalidArgument,
                   origin_ + ": " + name_ + "." + key + " must be " + what};
  }

  const toml::table* table_;
  std::string name_;
  std::string origin_;
  std::set<std::string> seen_;
  std::optional<Error> error_;
};

}  // namespace

Config Defaults(const std::string& guest_dir) {
  Config c;
  c.hypervisor.kernel_path = guest_dir + "/vmlinux";
  c.hypervisor.initrd_path = guest_dir + "/initramfs.cpio";
  return c;
}

// TOML has characters beyond ASCII only inside strings and comments.
// Debian's toml++ (3.3) reaches __builtin_unreachable (undefined behaviour)
// when it meets some of them elsewhere, in its check for Unicode whitespace
// (U+00E9 between tokens, say; found by fuzz/config_toml), so such a byte is
// refused here, with its line, before toml++ sees it.
namespace {
Result<> CheckBeyondAscii(const std::string& text, const std::string& origin) {
  size_t line = 1;
  char before = '\n';  // the last character outside strings, blanks aside
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    // A string starts where a key or a value can: at the start of a line or
    // after = [ , { or the dot of a dotted key; elsewhere a quote is a stray
    // character, as toml++ sees it.
    const bool string_start =
        (c == '"' || c == '\'') && std::string_view("\n=[,{.").find(before) != std::string_view::npos;
    if (c != ' ' && c != '\t') before = c;
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (string_start) {
      // Basic ("...", """...""") or literal ('...', '''...''') string; an
      // unterminated one is toml++'s to report.
      const std::string close(text.compare(i, 3, std::string(3, c)) == 0 ? 3 : 1, c);
      i += close.size();
      while (i < text.size()) {
        if (text[i] == '\n') {
          if (close.size() == 1) break;
          ++line;
        } else if (c == '"' && text[i] == '\\' && i + 1 < text.size()) {
          // toml++ reads the blanks after a backslash as a line-ending
          // backslash's, with the same check for Unicode whitespace.
          size_t next = i + 1;
          while (next < text.size() && (text[next] == ' ' || text[next] == '\t')) ++next;
          if (next < text.size() && static_cast<unsigned char>(text[next]) >= 0x80)
            return Fail(ErrorCode::kInvalidArgument, origin + ":" + std::to_string(line) +
                                                         ": a character beyond ASCII after a backslash");
          if (text[++i] == '\n') ++line;
        } else if (text.compare(i, close.size(), close) == 0) {
          i += close.size();
          break;
        }
        ++i;
      }
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      return Fail(ErrorCode::kInvalidArgument, origin + ":" + std::to_string(line) +
                                                   ": a character beyond ASCII outside a string or comment");
    } else {
      ++i;
    }
  }
  return {};
}
}  // namespace

Result<Config> Parse(const std::string& text, const std::string& origin, Config c) {
  if (auto r = CheckBeyondAscii(text, origin); !r) return std::unexpected(r.error());
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Fail(ErrorCode::kInvalidArgument, origin + ":" + std::to_string(where.line) + ":" +
                                                 std::to_string(where.column) + ": " +
                                                 std::string(e.description()));
  }
  for (const auto& [key, node] : doc) {
    std::string k(key.str());
    if (k != "hypervisor" && k != "agent" && k != "runtime" && k != "factory")
      return Fail(ErrorCode::kInvalidArgument, origin + ": unknown section [" + k + "]");
    if (!node.is_table())
      return Fail(ErrorCode::kInvalidArgument, origin + ": " + k + " must be a table");
  }
  TableReader h(doc["hypervisor"].as_table(), "hypervisor", origin);
  h.Get("path", c.hypervisor.binary_path);
  h.Get("kernel", c.hypervisor.kernel_path);
  h.Get("initrd", c.hypervisor.initrd_path);
  h.Get("kernel_params", c.hypervisor.kernel_params);
  h.Get("memory_mib", c.hypervisor.memory_mib);
  h.Get("vcpus", c.hypervisor.vcpus);
  h.Get("accel", c.hypervisor.accel);
  h.Get("virtiofsd", c.hypervisor.virtiofsd_path);
  h.Get("shared_fs", c.hypervisor.shared_fs);
  h.Get("machine_type", c.hypervisor.machine_type);
  h.Get("rootless", c.hypervisor.rootless);
  h.Get("pcie_root_ports", c.hypervisor.pcie_root_ports);
  h.Get("max_vcpus", c.hypervisor.max_vcpus);
  h.Get("max_memory_mib", c.hypervisor.max_memory_mib);
  h.Get("memory_slots", c.hypervisor.memory_slots);
  h.Get("tcg_cache_mib", c.hypervisor.tcg_cache_mib);
  if (auto r = h.Finish(); !r) return std::unexpected(r.error());
  // A kernel named alone brings the initramfs beside it (guest/debian/...).
  if (doc["hypervisor"]["kernel"] && !doc["hypervisor"]["initrd"]) c.hypervisor.initrd_path.clear();
  TableReader a(doc["agent"].as_table(), "agent", origin);
  a.Get("transport", c.agent.transport);
  a.Get("start_timeout_ms", c.agent.start_timeout_ms);
  if (auto r = a.Finish(); !r) return std::unexpected(r.error());
  TableReader r(doc["runtime"].as_table(), "runtime", origin);
  r.Get("state_root", c.runtime.state_root);
  r.Get("internetworking_model", c.network.model);
  r.Get("sandbox_cgroup_only", c.sandbox_cgroup_only);
  if (auto ok = r.Finish(); !ok) return std::unexpected(ok.error());
  TableReader f(doc["factory"].as_table(), "factory", origin);
  f.Get("enable_template", c.enable_template);
  if (auto ok = f.Finish(); !ok) return std::unexpected(ok.error());
  // Templates share files over 9p (factory/template.h); a configuration that
  // names another share is refused when a sandbox is created.
  if (c.enable_template && !doc["hypervisor"]["shared_fs"]) c.hypervisor.shared_fs = "virtio-9p";
  if (c.hypervisor.memory_mib < 64)
    return Fail(ErrorCode::kInvalidArgument, origin + ": hypervisor.memory_mib must be at least 64");
  if (c.hypervisor.vcpus < 1)
    return Fail(ErrorCode::kInvalidArgument, origin + ": hypervisor.vcpus must be at least 1");
  if (c.network.model != "tcfilter" && c.network.model != "macvtap" && c.network.model != "none")
    return Fail(ErrorCode::kInvalidArgument,
                origin + ": runtime.internetworking_model must be tcfilter, macvtap or none");
  if (c.runtime.state_root.empty() || c.runtime.state_root[0] != '/')
    return Fail(ErrorCode::kInvalidArgument, origin + ": runtime.state_root must be an absolute path");
  return c;
}

Result<Config> Load(const std::string& path, Config defaults) {
  std::string file = path;
  if (file.empty()) {
    if (!os::Exists(kDefaultPath)) return defaults;
    file = kDefaultPath;
  }
  auto text = os::ReadFile(file);
  if (!text) return std::unexpected(text.error().Wrap("configuration"));
  return Parse(*text, file, std::move(defaults));
}

}  // namespace vc::config
