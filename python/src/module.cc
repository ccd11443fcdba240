// lutsim._lutsim: the C++ engines for Python. A thin layer: every function here calls the same library function as
// the command line, converts NumPy arrays to and from tensors, and releases the GIL while it works. The Python
// package (python/lutsim/__init__.py) wraps these in classes with documentation; docs/python.md is the tour.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "isolate.h"
#include "lutsim/energy/area.h"
#include "lutsim/energy/energy.h"
#include "lutsim/energy/html_report.h"
#include "lutsim/energy/sweep.h"
#include "lutsim/engines/engine.h"
#include "lutsim/engines/evaluate.h"
#include "lutsim/engines/summary.h"
#include "lutsim/engines/verify.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/isa.h"
#include "lutsim/firmware/program.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/error.h"
#include "lutsim/model/format.h"
#include "lutsim/model/network.h"
#include "lutsim/quant/onnx_import.h"
#include "lutsim/quant/options.h"
#include "lutsim/quant/quantize.h"
#include "lutsim/sim/simulator.h"
#include "lutsim/zoo/zoo.h"

namespace py = pybind11;
using nlohmann::ordered_json;

namespace lutsim::python {
namespace {

using NetworkPtr = std::shared_ptr<const Network>;
using ProgramPtr = std::shared_ptr<const Program>;

// ---- NumPy arrays and tensors ---------------------------------------------------------------------------------

std::optional<DType> dtype_of_array(const py::array& a) {
  const py::dtype d = a.dtype();
  if (d.is(py::dtype::of<std::uint8_t>())) return DType::U8;
  if (d.is(py::dtype::of<std::int8_t>())) return DType::S8;
  if (d.is(py::dtype::of<std::int32_t>())) return DType::S32;
  if (d.is(py::dtype::of<float>())) return DType::F32;
  // Equal dtypes that are not the same object (another byte order mark, a subclass).
  for (DType t : {DType::U8, DType::S8, DType::S32, DType::F32}) {
    const py::dtype want = t == DType::U8    ? py::dtype::of<std::uint8_t>()
                           : t == DType::S8  ? py::dtype::of<std::int8_t>()
                           : t == DType::S32 ? py::dtype::of<std::int32_t>()
                                             : py::dtype::of<float>();
    if (d.equal(want)) return t;
  }
  return std::nullopt;
}

std::string numpy_name(DType t) {
  switch (t) {
    case DType::U8: return "uint8";
    case DType::S8: return "int8";
    case DType::S32: return "int32";
    case DType::F32: return "float32";
  }
  return "?";
}

// A NumPy array as a tensor. `arg` names the argument in messages; `allowed` lists the dtypes it may have. A
// C-contiguous, 64-byte aligned array is used in place (the tensor keeps it alive); any other layout is copied once.
// A dtype outside `allowed`, or an object that is not an array, is a TypeError naming the argument.
Tensor to_tensor(const py::handle& obj, const std::string& arg, std::initializer_list<DType> allowed) {
  std::string names;
  for (DType t : allowed) names += (names.empty() ? "" : " or ") + numpy_name(t);
  if (!py::isinstance<py::array>(obj))
    throw py::type_error(arg + ": expected a numpy.ndarray of " + names + ", got " +
                         std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
  py::array a = py::reinterpret_borrow<py::array>(obj);
  const std::optional<DType> dt = dtype_of_array(a);
  bool ok = false;
  for (DType t : allowed) ok |= dt == t;
  if (!ok)
    throw py::type_error(arg + ": expected dtype " + names + ", got " + std::string(py::str(a.dtype())) +
                         " with shape " + std::string(py::str(a.attr("shape"))));
  Shape shape(a.shape(), a.shape() + a.ndim());
  const bool contiguous = (a.flags() & py::array::c_style) != 0;
  if (contiguous && reinterpret_cast<std::uintptr_t>(a.data()) % 64 == 0 && a.nbytes() > 0) {
    // The deleter holds a reference to the array; it may run without the GIL (in an engine), so it takes it.
    auto* keep = new py::object(a);
    std::shared_ptr<std::uint8_t> data(static_cast<std::uint8_t*>(const_cast<void*>(a.data())), [keep](std::uint8_t*) {
      py::gil_scoped_acquire gil;
      delete keep;
    });
    return Tensor::view(*dt, std::move(shape), std::move(data));
  }
  Tensor t(*dt, shape);
  if (contiguous) {
    if (t.nbytes()) std::memcpy(t.raw(), a.data(), t.nbytes());
  } else {
    // numpy.ascontiguousarray does the strided copy.
    py::array c = py::module_::import("numpy").attr("ascontiguousarray")(a);
    if (t.nbytes()) std::memcpy(t.raw(), c.data(), t.nbytes());
  }
  return t;
}

// A tensor as a NumPy array over the same memory (no copy): the array's base object holds the tensor.
py::array to_array(const Tensor& t) {
  auto* keep = new Tensor(t);
  py::capsule owner(keep, [](void* p) { delete static_cast<Tensor*>(p); });
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  py::dtype dt = t.dtype() == DType::U8    ? py::dtype::of<std::uint8_t>()
                 : t.dtype() == DType::S8  ? py::dtype::of<std::int8_t>()
                 : t.dtype() == DType::S32 ? py::dtype::of<std::int32_t>()
                                           : py::dtype::of<float>();
  return py::array(dt, shape, {}, keep->raw(), owner);
}

py::bytes to_bytes(const std::vector<std::uint8_t>& v) {
  return py::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

std::span<const std::uint8_t> byte_span(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string npy_bytes(const Tensor& t) {
  const std::vector<std::uint8_t> v = serialize_npy(t);
  return {v.begin(), v.end()};
}

Tensor from_npy_bytes(const std::string& s, const std::string& what) { return parse_npy(byte_span(s), what); }

// The JSON text as a Python object (through the json module, so numbers keep their exact values).
py::object json_to_python(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

// A network input checked as the command line checks it: a dtype mismatch is a TypeError, a shape mismatch a
// ValueError, both naming the argument and the expected and found dtype or shape.
Tensor input_of(const py::handle& x, const std::string& arg, const ValueInfo& in, bool* batched) {
  const Tensor t = to_tensor(x, arg, {DType::U8, DType::S8, DType::S32, DType::F32});
  if (t.dtype() != in.dtype)
    throw py::type_error(arg + ": expected dtype " + numpy_name(in.dtype) + " (the network input '" + in.name +
                         "' is " + std::string(dtype_name(in.dtype)) + "), got " + numpy_name(t.dtype()));
  try {
    return input_batch(t, in, arg, batched);
  } catch (const Error& e) {
    throw py::value_error(e.what());
  }
}

ValueInfo input_info(const Program& p) {
  const ValueRegion& v = p.values.at(static_cast<std::size_t>(p.input));
  return ValueInfo{v.name, v.dtype, v.h, v.w, v.c, v.exponent};
}

// ---- Engines --------------------------------------------------------------------------------------------------

// The engines that run in a worker process (isolate.h): SystemC (one elaboration per process) and the RTL (long).
bool runs_isolated(const std::string& engine) { return engine == "systemc" || engine == "rtl"; }

void check_engine(const std::string& engine) {
  if (!has_engine(engine)) throw py::value_error("engine: '" + engine + "' is not one of " + engine_list());
}

// The outputs of run(): the output, every value when asked, the engine's report and the golden statistics.
struct RunOut {
  Tensor y;
  std::vector<Tensor> values;
  std::string report;  // JSON; "null" when the engine has none
  std::vector<LayerStats> stats;
};

RunOut run_engine(const Network& net, const HwConfig& hw, const std::string& engine, const Tensor& x, int threads,
                  bool keep_values) {
  const std::unique_ptr<Engine> eng =
      make_engine(engine, net, hw, EngineOptions{.threads = threads, .quiet = true, .keep_values = keep_values});
  RunOut r;
  // A batch of up to kOneCall MACs runs in one engine call (at the golden model's speed, tens of milliseconds);
  // a longer one runs in chunks so that Ctrl-C is seen between them: `threads` images first, then as many as
  // take about 50 ms by the time per image so far.
  constexpr double kOneCall = 5e8;
  std::int64_t macs = 0;
  for (const Layer& l : net.layers) macs += layer_macs(net, l);
  if (keep_values || runs_isolated(engine) || static_cast<double>(macs) * static_cast<double>(x.dim(0)) <= kOneCall) {
    r.y = eng->run(x);
  } else {
    using Clock = std::chrono::steady_clock;
    const std::int64_t N = x.dim(0);
    const ValueInfo& ov = net.value(net.output);
    r.y = Tensor(ov.dtype, {N, ov.h, ov.w, ov.c}, ov.exponent);
    const std::size_t per = r.y.nbytes() / static_cast<std::size_t>(N);
    std::int64_t chunk = threads;
    for (std::int64_t first = 0; first < N;) {
      const std::int64_t n = std::min(chunk, N - first);
      const Clock::time_point t0 = Clock::now();
      const Tensor out = eng->run(n == N ? x : batch_slice(x, first, n));
      std::memcpy(r.y.raw() + per * static_cast<std::size_t>(first), out.raw(), per * static_cast<std::size_t>(n));
      first += n;
      const double per_image = std::chrono::duration<double>(Clock::now() - t0).count() / static_cast<double>(n);
      chunk = std::clamp<std::int64_t>(static_cast<std::int64_t>(0.05 / std::max(per_image, 1e-9)), threads, N);
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
  }
  if (keep_values) r.values = eng->last_values();
  r.report = eng->report().dump();
  r.stats = eng->layer_stats();
  return r;
}

py::tuple run(const NetworkPtr& net, const py::handle& x, const std::string& engine, const HwConfig& hw, int threads,
              bool keep_values) {
  check_engine(engine);
  if (threads < 1 || threads > 256) throw py::value_error("threads: " + std::to_string(threads) + " is outside [1, 256]");
  bool batched = true;
  const Tensor in = input_of(x, "x", net->value(net->input), &batched);
  RunOut r;
  if (runs_isolated(engine)) {
    const std::vector<std::string> parts = run_isolated(
        [&] {
          RunOut o = run_engine(*net, hw, engine, in, threads, keep_values);
          std::vector<std::string> v = {npy_bytes(o.y), o.report};
          for (const Tensor& t : o.values) v.push_back(npy_bytes(t));
          return v;
        },
        "run on the " + engine + " engine");
    r.y = from_npy_bytes(parts.at(0), engine + " output");
    r.report = parts.at(1);
    for (std::size_t i = 2; i < parts.size(); ++i) r.values.push_back(from_npy_bytes(parts[i], engine + " value"));
  } else {
    py::gil_scoped_release nogil;
    r = run_engine(*net, hw, engine, in, threads, keep_values);
  }
  const ValueInfo& ov = net->value(net->output);
  const Tensor y = batched ? r.y : r.y.reshaped({ov.h, ov.w, ov.c});
  py::object values = py::none();
  if (keep_values) {
    py::dict d;
    for (std::size_t id = 0; id < r.values.size() && id < net->values.size(); ++id)
      d[py::str(net->values[id].name)] = to_array(r.values[id]);
    values = d;
  }
  py::list stats;
  for (std::size_t i = 0; i < r.stats.size(); ++i) {
    py::dict s;
    s["name"] = net->layers.at(i).name;
    s["macs"] = r.stats[i].macs;
    s["outputs"] = r.stats[i].outputs;
    s["wraps"] = r.stats[i].wraps;
    s["clamped_low"] = r.stats[i].clamped_low;
    s["clamped_high"] = r.stats[i].clamped_high;
    stats.append(s);
  }
  return py::make_tuple(to_array(y), values, json_to_python(r.report), stats);
}

// ---- Simulation -----------------------------------------------------------------------------------------------

py::tuple simulate(const ProgramPtr& prog, const py::handle& x, const std::optional<std::string>& energy,
                   bool timeline, std::int64_t watchdog, const std::string& vcd) {
  if (watchdog < 1 || watchdog > (std::int64_t{1} << 40))
    throw py::value_error("watchdog: " + std::to_string(watchdog) + " is outside [1, 2^40]");
  // Loaded first, so that an unknown preset fails before the simulation.
  std::optional<energy::EnergyModel> model;
  if (energy) model = energy::load_energy_model(*energy);
  bool batched = true;
  const Tensor in = input_of(x, "x", input_info(*prog), &batched);
  // One simulation of `batch` on the program, in the process that runs it: the output, the report, the timeline.
  const Program* p = prog.get();
  // (The worker's copy of this function serves every later request for the program: all it takes from a call
  // comes through its arguments.)
  auto simulate_one = [p](const Tensor& batch, const std::optional<energy::EnergyModel>& em, bool tl,
                          std::int64_t wd, const std::string& vcd_path) {
    sim::Simulator s(*p, sim::SimOptions{.watchdog_cycles = wd, .timeline = tl, .vcd = vcd_path});
    const Tensor y = s.run(batch);
    ordered_json rep = s.report().to_json();
    if (em) rep["energy"] = energy::energy_section(rep, *em, "lutsim.simulate");
    return Parts{npy_bytes(y), rep.dump(), tl ? s.timeline_json().dump() : "null"};
  };
  Parts parts;
  if (!vcd.empty()) {
    // A VCD can only be written by the first simulation of a process: a fresh worker for this one.
    parts = run_isolated([&] { return simulate_one(in, model, timeline, watchdog, vcd); }, "simulate");
  } else {
    // A long-lived worker per program: repeated simulations of one program pay neither a fork nor a fresh
    // process's first-run costs.
    parts = run_in_worker(
        p, prog,
        [simulate_one](const Parts& req) {
          std::optional<energy::EnergyModel> em;
          if (!req.at(1).empty()) em = energy::load_energy_model(req[1]);
          return simulate_one(from_npy_bytes(req.at(0), "simulate input"), em, req.at(2) == "1",
                              std::stoll(req.at(3)), "");
        },
        Parts{npy_bytes(in), energy ? *energy : std::string(), timeline ? "1" : "0", std::to_string(watchdog)},
        "simulate");
  }
  const ValueRegion& ov = prog->values.at(static_cast<std::size_t>(prog->output));
  Tensor y = from_npy_bytes(parts.at(0), "simulated output");
  if (!batched) y = y.reshaped({ov.h, ov.w, ov.c});
  return py::make_tuple(to_array(y), parts.at(1), parts.at(2));
}

std::string energy_section(const std::string& report_json, const std::string& energy, const std::string& source) {
  const energy::EnergyModel m = energy::load_energy_model(energy);
  ordered_json rep;
  try {
    rep = ordered_json::parse(report_json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": not valid JSON (" + e.what() + ")");
  }
  return energy::energy_section(rep, m, source).dump();
}

std::string html_report(const std::string& report_json, const std::string& source) {
  ordered_json rep;
  try {
    rep = ordered_json::parse(report_json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": not valid JSON (" + e.what() + ")");
  }
  if (!rep.is_object()) throw Error(source + ": expected a JSON object (a lutsim sim report)");
  if (!rep.contains("energy")) rep["energy"] = energy::energy_section(rep, energy::load_energy_model("45nm"), source);
  return energy::html_page(energy::report_chart_data(rep, source));
}

// ---- Verify, evaluate, quantize, area -------------------------------------------------------------------------

std::string verify(const NetworkPtr& net, const HwConfig& hw, const py::handle& x, std::int64_t image,
                   const std::vector<std::string>& engines, double tolerance, const std::string& wave_window,
                   std::int64_t wave_cycles) {
  VerifyOptions o{.engines = engines, .cycle_tolerance = tolerance, .wave_window = wave_window,
                  .wave_cycles = wave_cycles};
  if (o.engines.empty()) o.engines = default_verify_engines();
  if (o.engines.size() < 2)
    throw py::value_error("engines: name at least two engines (built: " + engine_list() + ")");
  for (const std::string& e : o.engines) check_engine(e);
  if (!(tolerance >= 0)) throw py::value_error("cycle_tolerance: " + std::to_string(tolerance) + " is negative");
  const Tensor in = input_of(x, "x", net->value(net->input), nullptr);
  if (image < 0 || image >= in.dim(0))
    throw py::value_error("image: " + std::to_string(image) + " is outside the batch of " +
                          std::to_string(in.dim(0)) + " images");
  const Tensor one = batch_slice(in, image, 1);
  return run_isolated([&] { return std::vector<std::string>{lutsim::verify(*net, hw, one, o).dump()}; }, "verify").at(0);
}

py::dict evaluate(const NetworkPtr& net, const HwConfig& hw, const py::handle& x, const py::handle& labels,
                  const std::string& engine, std::int64_t batch, int threads) {
  check_engine(engine);
  if (batch < 1) throw py::value_error("batch: " + std::to_string(batch) + " is not a positive number of images");
  if (threads < 1 || threads > 256) throw py::value_error("threads: " + std::to_string(threads) + " is outside [1, 256]");
  const Tensor xs = input_of(x, "x", net->value(net->input), nullptr);
  const Tensor ys = to_tensor(labels, "labels", {DType::S32, DType::U8});
  if (ys.rank() != 1 || ys.dim(0) != xs.dim(0))
    throw py::value_error("labels: expected shape (" + std::to_string(xs.dim(0)) + ",) (one per image), got " +
                          shape_str(ys.shape()));
  EvalOptions o{.engine = engine, .batch = batch, .threads = threads, .data_what = "x", .labels_what = "labels"};
  EvalResult r;
  if (runs_isolated(engine)) {
    const std::vector<std::string> parts = run_isolated(
        [&] {
          const EvalResult e = lutsim::evaluate(*net, hw, xs, ys, o);
          Tensor conf(DType::S32, {e.classes, e.classes});
          for (std::size_t i = 0; i < e.confusion.size(); ++i) conf.set(static_cast<std::int64_t>(i), e.confusion[i]);
          return std::vector<std::string>{npy_bytes(e.predictions), npy_bytes(conf), std::to_string(e.seconds)};
        },
        "evaluate on the " + engine + " engine");
    r.predictions = from_npy_bytes(parts.at(0), "predictions");
    const Tensor conf = from_npy_bytes(parts.at(1), "confusion");
    r.images = xs.dim(0);
    r.classes = conf.dim(0);
    for (std::int64_t i = 0; i < conf.numel(); ++i) r.confusion.push_back(conf.get(i));
    for (std::int64_t c = 0; c < r.classes; ++c) r.correct += r.confusion[static_cast<std::size_t>(c * r.classes + c)];
    r.seconds = std::stod(parts.at(2));
  } else {
    o.progress = [](std::int64_t, std::int64_t) {
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      return true;
    };
    py::gil_scoped_release nogil;
    r = lutsim::evaluate(*net, hw, xs, ys, o);
  }
  Tensor conf(DType::S32, {r.classes, r.classes});
  for (std::size_t i = 0; i < r.confusion.size(); ++i) conf.set(static_cast<std::int64_t>(i), r.confusion[i]);
  py::dict d;
  d["images"] = r.images;
  d["correct"] = r.correct;
  d["accuracy"] = r.accuracy();
  d["predictions"] = to_array(r.predictions);
  d["confusion"] = to_array(conf);
  d["seconds"] = r.seconds;
  return d;
}

py::tuple quantize(const std::string& onnx_path, const py::handle& calib, const std::map<std::string, std::string>& options,
                   const HwConfig& hw, const py::object& progress) {
  quant::QuantOptions q;
  try {
    q = quant::parse_options(options);
  } catch (const quant::OptionError& e) {
    throw py::value_error(e.what());
  }
  q.arith = hw.arith();
  const Tensor c = to_tensor(calib, "calib", {DType::U8, DType::F32});
  if (!progress.is_none())
    q.progress = [&progress](const std::string& stage, double f) {
      py::gil_scoped_acquire gil;
      progress(stage, f);
    };
  auto net = std::make_shared<Network>();
  quant::QuantReport rep;
  {
    py::gil_scoped_release nogil;
    const quant::FloatGraph g = quant::import_onnx(onnx_path);
    const Tensor x = quant::to_network_input(c, g, q.input_exponent, "calib");
    *net = quant::quantize(g, x, q, &rep);
  }
  py::dict r;
  r["notes"] = rep.notes;
  r["loss_initial"] = rep.loss_initial;
  r["loss_final"] = rep.loss_final;
  r["layer_bits"] = rep.layer_bits;
  return py::make_tuple(NetworkPtr(net), r);
}

std::string area(const HwConfig& hw, const std::string& energy, const std::string& cells) {
  const energy::EnergyModel m = energy::load_energy_model(energy);
  nlohmann::json counts;
  if (!cells.empty()) counts = energy::load_cell_counts(cells);
  const energy::AreaEstimate a = energy::estimate_area(hw, m, cells.empty() ? nullptr : &counts, cells);
  ordered_json j = {{"hw", ordered_json::parse(hw.to_json())}, {"preset", m.name}};
  j.update(a.to_json());
  return j.dump();
}

// ---- Programs -------------------------------------------------------------------------------------------------

py::dict instruction_counts(const Program& p) {
  std::vector<std::int64_t> n(isa::kNumOpcodes, 0);
  for (const isa::Instruction& i : p.code) ++n[static_cast<std::size_t>(i.opcode())];
  py::dict d;
  for (int op = 0; op < isa::kNumOpcodes; ++op)
    d[py::str(std::string(isa::opcode_name(static_cast<isa::Opcode>(op))))] = n[static_cast<std::size_t>(op)];
  return d;
}

}  // namespace
}  // namespace lutsim::python

PYBIND11_MODULE(_lutsim, m) {
  using namespace lutsim;
  using namespace lutsim::python;
  m.doc() = "lutsim's C++ engines; use the lutsim package, which documents and wraps them.";
  py::register_exception<Error>(m, "Error", PyExc_RuntimeError);

  py::class_<Network, std::shared_ptr<Network>>(m, "_Network")
      .def_property_readonly("name", [](const Network& n) { return n.name; })
      .def("summary", [](const Network& n) { return json_to_python(network_summary(n).dump()); })
      .def("to_bytes", [](const Network& n) { return to_bytes(serialize_network(n)); })
      .def("save", [](const Network& n, const std::string& path) { save_network(n, path); });
  m.def("load_network", [](const std::string& path) { return std::make_shared<Network>(load_network(path)); });
  m.def("parse_network", [](const std::string& bytes, const std::string& what) {
    return std::make_shared<Network>(parse_network(byte_span(bytes), what));
  });

  // The struct's own fields, read-only; a changed config comes from apply_overrides, validated as a file is.
  py::class_<HwConfig>(m, "_HwConfig")
      .def_readonly("name", &HwConfig::name)
      .def_readonly("rows", &HwConfig::rows)
      .def_readonly("cols", &HwConfig::cols)
      .def_readonly("acc_bits", &HwConfig::acc_bits)
      .def_property_readonly("rounding", [](const HwConfig& h) { return std::string(rounding_name(h.rounding)); })
      .def_readonly("lut_per_layer", &HwConfig::lut_per_layer)
      .def_readonly("lut_per_channel", &HwConfig::lut_per_channel)
      .def_readonly("act_sram_bytes", &HwConfig::act_sram_bytes)
      .def_readonly("weight_sram_bytes", &HwConfig::weight_sram_bytes)
      .def_readonly("acc_sram_bytes", &HwConfig::acc_sram_bytes)
      .def_readonly("param_sram_bytes", &HwConfig::param_sram_bytes)
      .def_readonly("dram_bytes_per_cycle", &HwConfig::dram_bytes_per_cycle)
      .def_readonly("dram_latency_cycles", &HwConfig::dram_latency_cycles)
      .def_readonly("dram_max_outstanding", &HwConfig::dram_max_outstanding)
      .def_readonly("dram_burst_bytes", &HwConfig::dram_burst_bytes)
      .def_readonly("queue_depth", &HwConfig::queue_depth)
      .def_readonly("clock_mhz", &HwConfig::clock_mhz)
      .def("to_json", &HwConfig::to_json)
      .def("fingerprint", &HwConfig::fingerprint);
  m.def("load_hw", &load_hw_config);
  m.def("parse_hw", [](const std::string& text, const std::string& source) { return parse_hw_config(text, source); });
  m.def("hw_presets", &hw_presets);
  m.def("apply_overrides", [](const HwConfig& base, const std::vector<std::pair<std::string, std::string>>& overrides,
                              const std::string& where) {
    std::vector<std::pair<std::string, nlohmann::json>> o;
    for (const auto& [path, value] : overrides) o.emplace_back(path, nlohmann::json::parse(value));
    return parse_hw_config(energy::apply_overrides(base.to_json(), o, where), where);
  });

  py::class_<Program, std::shared_ptr<Program>>(m, "_Program")
      .def_property_readonly("network", [](const Program& p) { return p.network; })
      .def_property_readonly("hw", [](const Program& p) { return p.hw; })
      .def("__len__", [](const Program& p) { return p.code.size(); })
      .def("disassemble", [](const Program& p) { return disassemble(p); })
      .def("instruction_counts", &instruction_counts)
      .def("to_bytes", [](const Program& p) { return to_bytes(serialize_program(p)); })
      .def("save", [](const Program& p, const std::string& path) { save_program(p, path); });
  m.def("compile", [](const NetworkPtr& net, const HwConfig& hw) {
    py::gil_scoped_release nogil;
    return std::make_shared<Program>(compile(*net, hw));
  });
  m.def("load_program", [](const std::string& path, const std::optional<HwConfig>& hw) {
    return std::make_shared<Program>(load_program(path, hw ? &*hw : nullptr));
  });

  m.def("arch_names", &zoo::arch_names);
  m.def("generate", [](const std::string& arch, int input_size, int weight_bits, bool lut_per_channel,
                       bool shift_per_channel, std::uint64_t seed, double width, int classes, bool s8_logits,
                       int acc_bits) {
    zoo::ZooOptions o;
    if (!zoo::parse_arch(arch, &o.arch)) {
      std::string names;
      for (const std::string& n : zoo::arch_names()) names += (names.empty() ? "" : ", ") + n;
      throw py::value_error("arch: unknown architecture '" + arch + "' (expected " + names + ")");
    }
    o.input_size = input_size;
    o.weight_bits = weight_bits;
    o.lut_mode = lut_per_channel ? LutMode::PerChannel : LutMode::PerLayer;
    o.shift_per_channel = shift_per_channel;
    o.seed = seed;
    o.width = width;
    o.classes = classes;
    o.logits = s8_logits ? DType::S8 : DType::S32;
    o.acc_bits = acc_bits;
    try {
      return std::make_shared<Network>(zoo::build(o));
    } catch (const Error& e) {
      throw py::value_error(e.what());  // build() reads no file: every failure is an option out of range
    }
  });
  m.def("random_input", [](const NetworkPtr& net, std::int64_t n, std::uint64_t seed) {
    if (n < 1) throw py::value_error("n: " + std::to_string(n) + " is not a positive number of images");
    return to_array(zoo::random_input(*net, n, seed));
  });
  m.def("engine_names", &engine_names);
  m.def("default_verify_engines", &default_verify_engines);
  m.def("run", &run);
  m.def("simulate", &simulate);
  m.def("energy_section", &energy_section);
  m.def("energy_presets", &energy::energy_presets);
  m.def("html_report", &html_report);
  m.def("verify", &lutsim::python::verify);
  m.def("verify_text", [](const std::string& report, bool quiet) {
    return verify_text(ordered_json::parse(report), quiet);
  });
  m.def("evaluate", &lutsim::python::evaluate);
  m.def("quantize", &lutsim::python::quantize);
  m.def("quantize_option_names", [] {
    std::vector<std::pair<std::string, bool>> v;  // (name, takes a value)
    for (const quant::OptionSpec& o : quant::option_specs()) v.emplace_back(o.name, o.value_name != nullptr);
    return v;
  });
  m.def("area", &area);
  m.def("write_file", [](const std::string& path, const py::bytes& data) {
    const std::string bytes = data;
    py::gil_scoped_release nogil;
    write_file(path, std::string_view(bytes));
  });
}
