// The one printer of statuses: JSON or a table, decided in Print().
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vc/vc.h"

namespace virtc {

// A status told both ways: as JSON and as a table of text lines.
struct Report {
  nlohmann::json json;
  std::string table;
};

// Sandboxes; with `with_containers`, a single sandbox also lists its containers.
Report SandboxesReport(const std::vector<vc::SandboxStatus>& list, bool with_containers);
Report ContainerReport(const vc::ContainerStatus& c);
Report StatsReport(const vc::ContainerStats& s);
Report InterfacesReport(const std::vector<vc::NetInterface>& list);
Report RoutesReport(const std::vector<vc::NetRoute>& list);

// Prints `report` to stdout as JSON (if `json`) or as its table.
void Print(const Report& report, bool json);

}  // namespace virtc
