// Simulation reports as `lutsim report` reads them: the energy section and the HTML page's chart data.
#include <nlohmann/json.hpp>

#include "fuzz_common.h"
#include "lutsim/energy/energy.h"
#include "lutsim/energy/html_report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lutsim;
  static const energy::EnergyModel model = energy::load_energy_model("45nm");
  fuzz::expect_errors_only([&] {
    nlohmann::ordered_json rep;
    try {
      rep = nlohmann::ordered_json::parse(fuzz::text(data, size));
    } catch (const nlohmann::json::exception&) {
      return;  // lutsim report says "not valid JSON"
    }
    if (!rep.is_object()) return;
    if (!rep.contains("energy")) rep["energy"] = energy::energy_section(rep, model, "fuzz.json");
    (void)energy::html_page(energy::report_chart_data(rep, "fuzz.json"));
  });
  return 0;
}
