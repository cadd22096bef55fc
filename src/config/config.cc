#include "config/config.h"

#include <cstdio>
#include <functional>
#include <set>

#include <toml++/toml.h>

#include "os/file.h"

namespace vc::config {

namespace {

// Keys as read, with how to print the value each ended with.
using Listing = std::vector<std::pair<Setting, std::function<std::string()>>>;

template <typename T>
std::string Text(const T& v) {
  if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
    return out;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else {
    return std::to_string(v);
  }
}

// Reads the keys of one table into fields, refusing unknown keys and wrong types.
class TableReader {
 public:
  // Each key read is listed in `listed` (its value taken when the caller calls
  // the function, once the whole file is applied).
  TableReader(const toml::table* table, std::string name, std::string origin, Listing& listed)
      : table_(table), name_(std::move(name)), origin_(std::move(origin)), listed_(listed) {}

  template <typename T>
  void Get(const char* key, T& out) {
    seen_.insert(key);
    const toml::node* node = table_ ? table_->get(key) : nullptr;
    listed_.push_back({{name_ + "." + key, "", node ? "file" : "default"}, [&out] { return Text(out); }});
    if (!node || error_) return;
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
  Listing& listed_;
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

// Debian's toml++ (3.3) decides whether a character beyond ASCII is Unicode
// whitespace with a generated table that reaches __builtin_unreachable
// (undefined behaviour) for every code point in U+00A1-U+0499,
// U+2C5E-U+3057 (bar U+3000) and U+FB26-U+FEFE, wherever its parser asks:
// between tokens, after a stray quote, after a backslash in a string, and
// more (fuzz/config_toml found one place after another). Such a character
// is refused anywhere in the file, with its line, before toml++ sees it; in
// a basic string it can be written as an escape ("\u00e9"), which toml++
// decodes without that check. Others reach toml++, which reads or refuses
// them safely.
namespace {
bool TomlppMisreads(uint32_t c) {
  return (c >= 0xA1 && c <= 0x499) || (c >= 0x2C5E && c <= 0x3057 && c != 0x3000) || (c >= 0xFB26 && c <= 0xFEFE);
}

Result<> CheckCharacters(const std::string& text, const std::string& origin) {
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') ++line;
    if (byte < 0xC0) continue;
    // The code point of a sequence, read leniently (an overlong one counts
    // as what it spells): a broken sequence is toml++'s to refuse.
    const size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
    uint32_t c = byte & (0x7F >> length);
    size_t n = 1;
    for (; n < length && i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80; ++n)
      c = (c << 6) | (static_cast<unsigned char>(text[i + n]) & 0x3F);
    if (n == length && TomlppMisreads(c)) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", c);
      return Fail(ErrorCode::kInvalidArgument,
                  origin + ":" + std::to_string(line) + ": character " + code +
                      " is one the TOML parser (toml++ 3.3) cannot read safely; in a basic string write it as \\u" +
                      std::string(code + 2));
    }
  }
  return {};
}
}  // namespace

Result<Config> Parse(const std::string& text, const std::string& origin, Config c) {
  if (auto r = CheckCharacters(text, origin); !r) return std::unexpected(r.error());
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
  Listing listed;
  TableReader h(doc["hypervisor"].as_table(), "hypervisor", origin, listed);
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
  h.Get("block_device_driver", c.hypervisor.block_device_driver);
  h.Get("max_vcpus", c.hypervisor.max_vcpus);
  h.Get("max_memory_mib", c.hypervisor.max_memory_mib);
  h.Get("memory_slots", c.hypervisor.memory_slots);
  h.Get("tcg_cache_mib", c.hypervisor.tcg_cache_mib);
  if (auto r = h.Finish(); !r) return std::unexpected(r.error());
  // A kernel named alone brings the initramfs beside it (guest/debian/...).
  if (doc["hypervisor"]["kernel"] && !doc["hypervisor"]["initrd"]) c.hypervisor.initrd_path.clear();
  TableReader a(doc["agent"].as_table(), "agent", origin, listed);
  a.Get("transport", c.agent.transport);
  a.Get("start_timeout_ms", c.agent.start_timeout_ms);
  a.Get("debug_console", c.agent.debug_console);
  if (auto r = a.Finish(); !r) return std::unexpected(r.error());
  TableReader r(doc["runtime"].as_table(), "runtime", origin, listed);
  r.Get("state_root", c.runtime.state_root);
  r.Get("internetworking_model", c.network.model);
  r.Get("sandbox_cgroup_only", c.sandbox_cgroup_only);
  if (auto ok = r.Finish(); !ok) return std::unexpected(ok.error());
  TableReader f(doc["factory"].as_table(), "factory", origin, listed);
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
  c.settings.clear();
  for (auto& [setting, value] : listed) {
    setting.value = value();
    c.settings.push_back(std::move(setting));
  }
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
