// The one printer of statuses: JSON or a table, decided in Print().
#pragma once

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vc/vc.h"

namespace vc::virtc {

// A status told both ways: as JSON and as a table of text lines.
struct Report {
  nlohmann::json json;
  std::string table;
};

// Sandboxes; with `with_containers`, a single sandbox also lists its containers.
Report SandboxesReport(const std::vector<vc::SandboxStatus>& list, bool with_containers);
// The phases of a sandbox's start, with the time each took.
Report TimelineReport(const std::vector<vc::StartPhase>& phases);
Report ContainerReport(const vc::ContainerStatus& c);
Report FactoryReport(const vc::FactoryStatus& s);
Report StatsReport(const vc::ContainerStats& s);
Report VolumeStatsReport(const vc::VolumeStats& s);
Report InterfacesReport(const std::vector<vc::NetInterface>& list);
Report RoutesReport(const std::vector<vc::NetRoute>& list);

// Prints `report` as JSON (if `json`) or as its table.
void Print(const Report& report, bool json, std::ostream& out = std::cout);

}  // namespace vc::virtc
