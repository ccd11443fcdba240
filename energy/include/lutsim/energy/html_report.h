// `lutsim report R.json -o report.html`: a self-contained HTML page (inline SVG drawn by inline JavaScript, no
// network) with per-layer cycles as stacked bars (compute, DMA stall, token stall, other), PE utilization per
// layer, energy per component and per layer, a roofline and a table of layers. Every chart element carries its
// number in data-* attributes, so a test can read the rendered DOM back.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lutsim::energy {

// The data the page draws, derived from a simulation report that has an "energy" section (energy_section()):
// {"title", "network", "hw", "clock_mhz", "images", "peak_macs_per_s", "dram_bytes_per_s", "total": {...},
//  "layers": [{"name", "op", "cycles", "compute", "dma_stall", "token_stall", "other", "utilization", "macs",
//  "dram_bytes", "intensity", "macs_per_s", "pj", "pj_per_mac", "components": {...}}], "components": [...]}.
// Throws lutsim::Error naming the field when the report lacks one.
nlohmann::ordered_json report_chart_data(const nlohmann::ordered_json& sim_report, const std::string& source);

// The whole page for chart data from report_chart_data().
std::string html_page(const nlohmann::ordered_json& chart_data);

// A Pareto page for sweep results: energy vs latency, coloured by area; points as given in `points`
// ([{"label", "network", "latency_s", "energy_pj", "area_mm2", "pareto"}]).
std::string pareto_page(const nlohmann::ordered_json& points, const std::string& title);

}  // namespace lutsim::energy
