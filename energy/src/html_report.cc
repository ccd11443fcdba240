#include "lutsim/energy/html_report.h"

#include <algorithm>

#include "lutsim/energy/energy.h"
#include "lutsim/energy/report_access.h"
#include "lutsim/firmware/counters.h"
#include "lutsim/model/error.h"

namespace lutsim::energy {

using ojson = nlohmann::ordered_json;

namespace {

// Unit stall reason `reason` summed over the compute units (the compute queue runs one of them at a time).
double compute_stall(ReportReader& r, const ojson& units, const std::string& where, const char* reason) {
  double s = 0;
  for (const char* u : {"pe_array", "vector", "ppu"}) {
    const ojson& unit = r.object(units, where, u);
    s += r.number(r.object(unit, where + "." + u, "stall_reasons"), where + "." + u + ".stall_reasons", reason);
  }
  return s;
}

ojson layer_data(ReportReader& r, const ojson& l, const std::string& where, const ojson& energy, double clock_hz) {
  const double cycles = r.number(l, where, "cycles");
  const ojson& units = r.object(l, where, "units");
  const std::string uw = where + ".units";
  double busy = 0;
  for (const char* u : {"pe_array", "vector", "ppu"}) busy += r.number(r.object(units, uw, u), uw + "." + u, "busy");
  const double compute = std::min(busy, cycles);
  const double dma = std::min(compute_stall(r, units, uw, "dram"), cycles - compute);
  const double token = std::min(compute_stall(r, units, uw, "token"), cycles - compute - dma);
  const ojson& counters = r.object(l, where, "counters");
  auto count = [&](std::int64_t Counters::*field) {
    return r.counter(counters, where + ".counters", std::string(counter_path(field)));
  };
  const double macs = count(&Counters::macs);
  const double dram = count(&Counters::dram_read_bytes) + count(&Counters::dram_write_bytes);
  const double secs = clock_hz > 0 ? cycles / clock_hz : 0;
  return {{"name", l.value("name", "")},
          {"op", l.value("op", "")},
          {"cycles", cycles},
          {"compute", compute},
          {"dma_stall", dma},
          {"token_stall", token},
          {"other", std::max(0.0, cycles - compute - dma - token)},
          {"utilization", r.number(l, where, "pe_utilization")},
          {"macs", macs},
          {"dram_bytes", dram},
          {"intensity", dram > 0 ? ojson(macs / dram) : ojson(nullptr)},
          {"macs_per_s", secs > 0 ? macs / secs : 0.0},
          {"pj", energy.at("pj")},
          {"pj_per_mac", energy.at("pj_per_mac")},
          {"components", energy.at("components")}};
}

// The page's script: draws every chart from the JSON in <script id="lutsim-data">. Written for this page, no
// libraries.
constexpr const char* kScript = R"js(
const D = JSON.parse(document.getElementById('lutsim-data').textContent);
const NS = 'http://www.w3.org/2000/svg';
const PALETTE = ['#4e79a7','#f28e2b','#e15759','#76b7b2','#59a14f','#edc948','#b07aa1','#ff9da7','#9c755f','#bab0ac','#1f77b4','#8c564b'];
function el(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}
function text(parent, x, y, s, attrs) {
  const t = el('text', Object.assign({x: x, y: y, 'font-size': 11}, attrs || {}), parent);
  t.textContent = s;
  return t;
}
function fmt(v) {
  if (v === null || v === undefined) return '-';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-2)) return v.toExponential(3);
  return (Math.round(v * 1000) / 1000).toString();
}
function tick(v) { return v === 0 ? '0' : (Math.abs(v) >= 1e4 ? v.toExponential(1) : (+v.toPrecision(3)).toString()); }
function svg(id, w, h) {
  const s = el('svg', {id: id, width: w, height: h, viewBox: '0 0 ' + w + ' ' + h});
  document.getElementById(id + '-box').appendChild(s);
  return s;
}
function legend(s, names, x, y) {
  names.forEach((n, i) => {
    el('rect', {x: x, y: y + i * 16, width: 10, height: 10, fill: PALETTE[i % PALETTE.length]}, s);
    text(s, x + 14, y + i * 16 + 9, n);
  });
}
// Vertical stacked bars: one bar per layer, segments `keys` of each layer object.
function stacked(id, layers, keys, labels, ylabel) {
  const W = Math.max(640, 60 + layers.length * 22 + 160), H = 320, L = 70, B = 90, T = 10;
  const s = svg(id, W, H);
  const tot = layers.map(l => keys.reduce((a, k) => a + l[k], 0));
  const max = Math.max(1e-30, ...tot);
  const bw = Math.max(4, Math.min(18, (W - L - 170) / Math.max(1, layers.length) - 3));
  el('line', {x1: L, y1: T, x2: L, y2: H - B, stroke: '#333'}, s);
  el('line', {x1: L, y1: H - B, x2: W - 160, y2: H - B, stroke: '#333'}, s);
  for (let g = 0; g <= 4; ++g) {
    const y = H - B - (H - B - T) * g / 4;
    text(s, L - 4, y + 4, tick(max * g / 4), {'text-anchor': 'end'});
  }
  text(s, 12, T + (H - B) / 2, ylabel, {transform: 'rotate(-90 12 ' + (T + (H - B) / 2) + ')', 'text-anchor': 'middle'});
  layers.forEach((l, i) => {
    const x = L + 4 + i * (bw + 3);
    let y = H - B;
    keys.forEach((k, j) => {
      const h = (H - B - T) * l[k] / max;
      const r = el('rect', {x: x, y: y - h, width: bw, height: h, fill: PALETTE[j % PALETTE.length],
                            'class': 'seg', 'data-layer': l.name, 'data-key': k, 'data-value': l[k]}, s);
      el('title', {}, r).textContent = l.name + ' ' + labels[j] + ': ' + fmt(l[k]);
      y -= h;
    });
    text(s, x + bw / 2, H - B + 8, l.name, {transform: 'rotate(60 ' + (x + bw / 2) + ' ' + (H - B + 8) + ')', 'font-size': 9});
  });
  legend(s, labels, W - 150, T + 4);
}
function bars(id, layers, key, ylabel, maxv) {
  const W = Math.max(640, 60 + layers.length * 22 + 40), H = 280, L = 70, B = 90, T = 10;
  const s = svg(id, W, H);
  const max = maxv || Math.max(1e-30, ...layers.map(l => l[key]));
  el('line', {x1: L, y1: T, x2: L, y2: H - B, stroke: '#333'}, s);
  el('line', {x1: L, y1: H - B, x2: W - 20, y2: H - B, stroke: '#333'}, s);
  for (let g = 0; g <= 4; ++g) text(s, L - 4, H - B - (H - B - T) * g / 4 + 4, tick(max * g / 4), {'text-anchor': 'end'});
  text(s, 12, T + (H - B) / 2, ylabel, {transform: 'rotate(-90 12 ' + (T + (H - B) / 2) + ')', 'text-anchor': 'middle'});
  const bw = Math.max(4, Math.min(18, (W - L - 40) / Math.max(1, layers.length) - 3));
  layers.forEach((l, i) => {
    const x = L + 4 + i * (bw + 3), h = (H - B - T) * l[key] / max;
    const r = el('rect', {x: x, y: H - B - h, width: bw, height: h, fill: PALETTE[0], 'class': 'bar',
                          'data-layer': l.name, 'data-value': l[key]}, s);
    el('title', {}, r).textContent = l.name + ': ' + fmt(l[key]);
    text(s, x + bw / 2, H - B + 8, l.name, {transform: 'rotate(60 ' + (x + bw / 2) + ' ' + (H - B + 8) + ')', 'font-size': 9});
  });
}
function hbars(id, names, values, unit) {
  const W = 640, H = 30 + names.length * 20, L = 110;
  const s = svg(id, W, H);
  const max = Math.max(1e-30, ...values), total = values.reduce((a, b) => a + b, 0);
  names.forEach((n, i) => {
    const w = (W - L - 170) * values[i] / max;
    text(s, L - 6, 20 + i * 20 + 9, n, {'text-anchor': 'end'});
    const r = el('rect', {x: L, y: 20 + i * 20, width: w, height: 14, fill: PALETTE[i % PALETTE.length], 'class': 'bar',
                          'data-component': n, 'data-value': values[i]}, s);
    el('title', {}, r).textContent = n + ': ' + fmt(values[i]) + ' ' + unit;
    text(s, L + w + 4, 20 + i * 20 + 11, fmt(values[i]) + ' ' + unit + ' (' + (100 * values[i] / (total || 1)).toFixed(1) + '%)');
  });
}
// Log-log roofline: attainable MAC/s = min(peak, intensity x DRAM bytes/s); one point per layer.
function roofline(id) {
  const W = 640, H = 380, L = 80, B = 50, T = 10, R = 20;
  const s = svg(id, W, H);
  const pts = D.layers.filter(l => l.intensity !== null && l.macs > 0 && l.macs_per_s > 0);
  const xs = pts.map(l => l.intensity).concat([D.peak_macs_per_s / D.dram_bytes_per_s]);
  const ys = pts.map(l => l.macs_per_s).concat([D.peak_macs_per_s]);
  const x0 = Math.pow(10, Math.floor(Math.log10(Math.min(...xs)) - 0.5)), x1 = Math.pow(10, Math.ceil(Math.log10(Math.max(...xs)) + 0.5));
  const y0 = Math.pow(10, Math.floor(Math.log10(Math.min(...ys)) - 0.5)), y1 = Math.pow(10, Math.ceil(Math.log10(Math.max(...ys)) + 0.3));
  const X = v => L + (W - L - R) * (Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0));
  const Y = v => H - B - (H - B - T) * (Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0));
  el('rect', {x: L, y: T, width: W - L - R, height: H - B - T, fill: 'none', stroke: '#333'}, s);
  for (let e = Math.log10(x0); e <= Math.log10(x1) + 1e-9; ++e) text(s, X(Math.pow(10, e)), H - B + 14, '1e' + Math.round(e), {'text-anchor': 'middle'});
  for (let e = Math.log10(y0); e <= Math.log10(y1) + 1e-9; ++e) text(s, L - 4, Y(Math.pow(10, e)) + 4, '1e' + Math.round(e), {'text-anchor': 'end'});
  text(s, L + (W - L) / 2, H - 12, 'operational intensity (MACs per DRAM byte)', {'text-anchor': 'middle'});
  text(s, 14, T + (H - B) / 2, 'achieved MAC/s', {transform: 'rotate(-90 14 ' + (T + (H - B) / 2) + ')', 'text-anchor': 'middle'});
  const ridge = D.peak_macs_per_s / D.dram_bytes_per_s;
  el('line', {id: 'roof-dram', x1: X(x0), y1: Y(Math.max(y0, x0 * D.dram_bytes_per_s)), x2: X(ridge), y2: Y(D.peak_macs_per_s),
              stroke: '#e15759', 'stroke-width': 2, 'data-bytes-per-s': D.dram_bytes_per_s}, s);
  el('line', {id: 'roof-array', x1: X(ridge), y1: Y(D.peak_macs_per_s), x2: X(x1), y2: Y(D.peak_macs_per_s),
              stroke: '#4e79a7', 'stroke-width': 2, 'data-macs-per-s': D.peak_macs_per_s}, s);
  text(s, X(x1) - 4, Y(D.peak_macs_per_s) - 4, 'array peak ' + fmt(D.peak_macs_per_s) + ' MAC/s', {'text-anchor': 'end'});
  text(s, X(x0) + 4, Y(Math.max(y0, x0 * D.dram_bytes_per_s)) - 6, 'DRAM ' + fmt(D.dram_bytes_per_s) + ' B/s');
  pts.forEach(l => {
    const c = el('circle', {cx: X(l.intensity), cy: Y(l.macs_per_s), r: 4, fill: '#59a14f', stroke: '#222', 'class': 'pt',
                            'data-layer': l.name, 'data-intensity': l.intensity, 'data-value': l.macs_per_s}, s);
    el('title', {}, c).textContent = l.name + ': ' + fmt(l.intensity) + ' MAC/B, ' + fmt(l.macs_per_s) + ' MAC/s';
  });
}
function table() {
  const t = document.getElementById('layers');
  const cols = [['name', 'layer'], ['op', 'op'], ['cycles', 'cycles'], ['compute', 'compute'], ['dma_stall', 'DMA stall'],
                ['token_stall', 'token stall'], ['utilization', 'PE util.'], ['macs', 'MACs'], ['dram_bytes', 'DRAM bytes'],
                ['pj', 'energy pJ'], ['pj_per_mac', 'pJ/MAC']];
  const hr = t.insertRow();
  cols.forEach(c => { const th = document.createElement('th'); th.textContent = c[1]; hr.appendChild(th); });
  D.layers.forEach(l => {
    const r = t.insertRow();
    r.setAttribute('data-layer', l.name);
    cols.forEach(c => { const td = r.insertCell(); td.setAttribute('data-key', c[0]); td.textContent = typeof l[c[0]] === 'string' ? l[c[0]] : fmt(l[c[0]]); });
  });
}
stacked('cycles', D.layers, ['compute', 'dma_stall', 'token_stall', 'other'], ['compute', 'DMA stall', 'token stall', 'other'], 'cycles');
bars('util', D.layers, 'utilization', 'PE utilization', 1);
hbars('energy-components', D.components, D.components.map(c => D.total.components[c]), 'pJ');
const layerE = D.layers.map(l => Object.assign({name: l.name}, l.components));
stacked('energy-layers', layerE, D.components, D.components, 'pJ');
roofline('roofline');
table();
document.body.setAttribute('data-rendered', 'yes');
)js";

constexpr const char* kStyle = R"css(
body { font-family: sans-serif; margin: 20px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 12px; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
td:first-child, td:nth-child(2) { text-align: left; }
.summary td { text-align: left; }
)css";

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

// JSON inside <script>: "</" must not appear literally.
std::string script_json(const ojson& j) {
  std::string s = j.dump();
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') o += "\\u003c";
    else o += s[i];
  }
  return o;
}

std::string num(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

}  // namespace

// An energy section (energy_section()'s fields that the page reads) checked field by field, since a report file may
// carry one written by anything: pj, pj_per_mac (a number or null) and every component, per layer and in total.
void check_energy_part(const ReportReader& r, const ojson& e, const std::string& where, bool total) {
  r.number(e, where, "pj");
  if (!e.contains("pj_per_mac") || !(e["pj_per_mac"].is_number() || e["pj_per_mac"].is_null()))
    throw Error(r.source() + ": " + where + ".pj_per_mac: missing, or neither a number nor null");
  const ojson& comps = r.object(e, where, "components");
  for (const std::string& c : energy_components()) r.number(comps, where + ".components", c);
  if (!total) return;
  for (const char* k : {"tops_per_w", "inferences_per_joule"}) r.number(e, where, k);
  if (e.contains("seconds")) r.number(e, where, "seconds");
}

ojson report_chart_data(const ojson& rep, const std::string& source) {
  ReportReader r(rep, source);
  const HwConfig hw = r.hw();
  const ojson& energy = r.object(rep, "", "energy");
  check_energy_part(r, r.object(energy, "energy", "total"), "energy.total", true);
  if (energy.contains("model") && !energy["model"].is_string())
    throw Error(source + ": energy.model: expected a string");
  const ojson& elayers = r.array(energy, "energy", "layers");
  const ojson& layers = r.array(rep, "", "layers");
  if (elayers.size() != layers.size())
    throw Error(source + ": energy.layers: " + std::to_string(elayers.size()) + " entries for " +
                std::to_string(layers.size()) + " layers");
  const double clock_hz = r.number(rep, "", "clock_mhz") * 1e6;
  ojson out_layers = ojson::array();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    check_energy_part(r, elayers[i], "energy.layers[" + std::to_string(i) + "]", false);
    out_layers.push_back(layer_data(r, layers[i], ReportReader::layer_where(layers[i], i), elayers[i], clock_hz));
  }
  const ojson& total = r.object(rep, "", "total");
  ojson comps = ojson::array();
  for (const std::string& c : energy_components()) comps.push_back(c);
  return {{"title", "lutsim report: " + rep.value("network", std::string("?"))},
          {"network", rep.value("network", std::string("?"))},
          {"hw", ojson::parse(hw.to_json())},  // the validated config, every field present
          {"clock_mhz", clock_hz / 1e6},
          {"images", r.number(rep, "", "images")},
          {"peak_macs_per_s", static_cast<double>(hw.rows) * hw.cols * clock_hz},
          {"dram_bytes_per_s", hw.dram_bytes_per_cycle * clock_hz},
          {"cycles", r.number(total, "total", "cycles")},
          {"pe_utilization", r.number(total, "total", "pe_utilization")},
          {"total", energy.at("total")},
          {"energy_model", energy.value("model", std::string("?"))},
          {"components", comps},
          {"layers", out_layers}};
}

std::string html_page(const ojson& d) {
  const ojson& t = d.at("total");
  const double secs = t.value("seconds", 0.0);
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(d.at("title").get<std::string>()) +
       "</title><style>" + kStyle + "</style></head>\n<body>\n";
  h += "<h1>" + escape(d.at("title").get<std::string>()) + "</h1>\n<table class=\"summary\" id=\"summary\">\n";
  auto row = [&](const std::string& k, const std::string& v, const std::string& key) {
    h += "<tr data-key=\"" + key + "\"><td>" + k + "</td><td>" + escape(v) + "</td></tr>\n";
  };
  const ojson& hw = d.at("hw");
  row("hardware", hw.value("name", std::string("?")) + ": " + std::to_string(hw.at("array").value("rows", 0)) + " x " +
                      std::to_string(hw.at("array").value("cols", 0)) + " PEs, A = " + std::to_string(hw.value("acc_bits", 0)) +
                      " bits, " + num(d.at("clock_mhz").get<double>()) + " MHz", "hw");
  row("images", num(d.at("images").get<double>()), "images");
  row("cycles", num(d.at("cycles").get<double>()) + " (" + num(secs * 1e3) + " ms)", "cycles");
  row("PE utilization", num(d.at("pe_utilization").get<double>()), "pe_utilization");
  row("energy model", d.at("energy_model").get<std::string>(), "energy_model");
  row("energy", num(t.at("pj").get<double>()) + " pJ", "pj");
  row("pJ per MAC", t.at("pj_per_mac").is_number() ? num(t.at("pj_per_mac").get<double>()) : "-", "pj_per_mac");
  row("TOPS/W", num(t.at("tops_per_w").get<double>()), "tops_per_w");
  row("inferences per joule", num(t.at("inferences_per_joule").get<double>()), "inferences_per_joule");
  h += "</table>\n";
  h += "<h2>Cycles per layer</h2><p>Compute: the PE array, vector unit and PPU busy; DMA stall and token stall: the "
       "compute units stalled waiting for DRAM data or a dependency token; other: idle.</p><div id=\"cycles-box\"></div>\n";
  h += "<h2>PE utilization per layer</h2><div id=\"util-box\"></div>\n";
  h += "<h2>Energy per component</h2><div id=\"energy-components-box\"></div>\n";
  h += "<h2>Energy per layer</h2><div id=\"energy-layers-box\"></div>\n";
  h += "<h2>Roofline</h2><div id=\"roofline-box\"></div>\n";
  h += "<h2>Layers</h2><table id=\"layers\"></table>\n";
  h += "<script type=\"application/json\" id=\"lutsim-data\">" + script_json(d) + "</script>\n";
  h += std::string("<script>") + kScript + "</script>\n</body></html>\n";
  return h;
}

std::string pareto_page(const ojson& points, const std::string& title) {
  static constexpr const char* kPareto = R"js(
const P = JSON.parse(document.getElementById('lutsim-data').textContent);
const NS = 'http://www.w3.org/2000/svg';
function el(tag, attrs, parent) { const e = document.createElementNS(NS, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; }
function text(p, x, y, s, a) { const t = el('text', Object.assign({x: x, y: y, 'font-size': 11}, a || {}), p); t.textContent = s; return t; }
const W = 720, H = 460, L = 90, B = 50, T = 10, R = 130;
const s = el('svg', {id: 'pareto', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H});
document.getElementById('pareto-box').appendChild(s);
const pts = P.filter(p => p.latency_s > 0 && p.energy_pj > 0);
const lx = pts.map(p => Math.log10(p.latency_s)), ly = pts.map(p => Math.log10(p.energy_pj));
const x0 = Math.min(...lx) - 0.05, x1 = Math.max(...lx) + 0.05, y0 = Math.min(...ly) - 0.05, y1 = Math.max(...ly) + 0.05;
const areas = pts.map(p => p.area_mm2 || 0), a0 = Math.min(...areas), a1 = Math.max(...areas);
const X = v => L + (W - L - R) * (Math.log10(v) - x0) / ((x1 - x0) || 1);
const Y = v => H - B - (H - B - T) * (Math.log10(v) - y0) / ((y1 - y0) || 1);
const col = a => { const f = a1 > a0 ? (a - a0) / (a1 - a0) : 0; return 'hsl(' + Math.round(240 - 240 * f) + ',70%,45%)'; };
el('rect', {x: L, y: T, width: W - L - R, height: H - B - T, fill: 'none', stroke: '#333'}, s);
text(s, L + (W - L - R) / 2, H - 12, 'latency per network run (s, log)', {'text-anchor': 'middle'});
text(s, 14, T + (H - B) / 2, 'energy (pJ, log)', {transform: 'rotate(-90 14 ' + (T + (H - B) / 2) + ')', 'text-anchor': 'middle'});
for (let i = 0; i <= 4; ++i) {
  const vx = Math.pow(10, x0 + (x1 - x0) * i / 4), vy = Math.pow(10, y0 + (y1 - y0) * i / 4);
  text(s, X(vx), H - B + 14, vx.toExponential(2), {'text-anchor': 'middle'});
  text(s, L - 4, Y(vy) + 4, vy.toExponential(2), {'text-anchor': 'end'});
}
// One Pareto front per network, labelled at its lowest-latency end.
[...new Set(pts.map(p => p.network))].forEach(n => {
  const front = pts.filter(p => p.pareto && p.network === n).sort((a, b) => a.latency_s - b.latency_s);
  if (front.length > 1) el('polyline', {points: front.map(p => X(p.latency_s) + ',' + Y(p.energy_pj)).join(' '), fill: 'none', stroke: '#999', 'stroke-dasharray': '4 3', 'class': 'front', 'data-network': n}, s);
  const first = pts.filter(p => p.network === n).sort((a, b) => a.energy_pj - b.energy_pj)[0];
  if (first) text(s, X(first.latency_s) + 8, Y(first.energy_pj) + 16, n, {'font-size': 10, fill: '#444'});
});
pts.forEach(p => {
  const c = el('circle', {cx: X(p.latency_s), cy: Y(p.energy_pj), r: p.pareto ? 6 : 4, fill: col(p.area_mm2 || 0), stroke: p.pareto ? '#000' : 'none',
                          'class': 'pt', 'data-label': p.label, 'data-network': p.network, 'data-latency': p.latency_s, 'data-energy': p.energy_pj, 'data-area': p.area_mm2}, s);
  el('title', {}, c).textContent = p.label + ': ' + p.latency_s.toExponential(3) + ' s, ' + p.energy_pj.toExponential(3) + ' pJ, ' + (p.area_mm2 || 0).toFixed(3) + ' mm2';
});
for (let i = 0; i <= 10; ++i) el('rect', {x: W - R + 20, y: T + 20 + (10 - i) * 20, width: 16, height: 20, fill: col(a0 + (a1 - a0) * i / 10)}, s);
text(s, W - R + 40, T + 34 + 200, a0.toFixed(3) + ' mm2');
text(s, W - R + 40, T + 34, a1.toFixed(3) + ' mm2');
text(s, W - R + 20, T + 12, 'area');
const t = document.getElementById('points');
const hr = t.insertRow(); ['point', 'latency s', 'energy pJ', 'area mm2', 'Pareto'].forEach(c => { const th = document.createElement('th'); th.textContent = c; hr.appendChild(th); });
P.forEach(p => { const r = t.insertRow(); [p.label, p.latency_s, p.energy_pj, p.area_mm2, p.pareto ? 'yes' : ''].forEach(v => { r.insertCell().textContent = (typeof v === 'number') ? v.toPrecision(4) : (v === null ? '-' : v); }); });
document.body.setAttribute('data-rendered', 'yes');
)js";
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title><style>" +
                  kStyle + "</style></head>\n<body>\n<h1>" + escape(title) +
                  "</h1>\n<p>Energy against latency for every point with both; colour is the area, black rings mark the "
                  "Pareto front (no other point is at least as good in energy and latency).</p><div id=\"pareto-box\"></div>\n"
                  "<h2>Points</h2><table id=\"points\"></table>\n";
  h += "<script type=\"application/json\" id=\"lutsim-data\">" + script_json(points) + "</script>\n";
  h += std::string("<script>") + kPareto + "</script>\n</body></html>\n";
  return h;
}

}  // namespace lutsim::energy
