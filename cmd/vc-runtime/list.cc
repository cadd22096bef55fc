// `list`: every container under --root.
#include <cstdio>
#include <iostream>

#include "context.h"

namespace vc::vcrt {

void AddList(CLI::App& app, Context& ctx) {
  struct Options {
    std::string format = "table";
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("list", "list the containers");
  cmd->add_option("-f,--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "ids only");
  cmd->callback([&ctx, o] {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const std::string& id : ListIds(ctx.g.root))
      if (auto e = ctx.Find(id)) all.push_back(StateJson(ctx, *e));
    if (o->quiet) {
      for (const auto& s : all) std::cout << s["id"].get<std::string>() << "\n";
    } else if (o->format == "json") {
      std::cout << all.dump() << "\n";
    } else {
      std::printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
      for (const auto& s : all)
        std::printf("%-20s %-8d %-10s %-40s %-32s %s\n", s["id"].get<std::string>().c_str(), s["pid"].get<int>(),
                    s["status"].get<std::string>().c_str(), s["bundle"].get<std::string>().c_str(),
                    s["created"].get<std::string>().c_str(), "root");
    }
    std::cout.flush();
  });
}

}  // namespace vc::vcrt
