"""lutsim: a bit-accurate simulator of a CNN accelerator without high-precision multipliers, from Python.

Weights are 1-4 bit codes expanded by a lookup table (LUT) into s8 weights, activations are 8-bit, accumulators
A-bit integers and every rescale a power-of-two shift. lutsim runs such networks on four engines that agree bit
for bit: the golden integer model ("golden", and its plain "reference" kernels), the ISA interpreter ("isa"), the
SystemC timing model ("systemc") and the Verilated RTL ("rtl").

The functions here call the same C++ code as the ``lutsim`` command line, so the same inputs give the same bits,
cycles, energy figures and verdicts. Errors lutsim finds in its input raise :class:`lutsim.Error` (a
``RuntimeError``) with the command line's one-line message; a wrong dtype raises ``TypeError`` and a wrong shape
``ValueError``, both naming the argument. See docs/python.md for a tour.

    >>> import lutsim
    >>> net = lutsim.Network.load("traces/lenet5_4b_pl/network.npz")
    >>> net.input.shape
    (28, 28, 1)
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _lutsim

__all__ = [
    "Error", "HwConfig", "Network", "Value", "Layer", "Program", "SimReport", "LayerReport", "VerifyResult",
    "LayerVerdict", "Mismatch", "EvalResult", "run", "compile", "simulate", "verify", "quantize", "evaluate", "area",
    "engines", "energy_presets", "hw_presets", "generate", "random_input",
]

Error = _lutsim.Error
Error.__module__ = "lutsim"
Error.__doc__ = "An error in lutsim's input: a file, layer, field or program counter, named in the message."

PathLike = Union[str, "os.PathLike[str]"]


def engines() -> List[str]:
    """The engines built into this lutsim, e.g. ``['golden', 'reference', 'isa', 'systemc', 'rtl']``."""
    return list(_lutsim.engine_names())


def energy_presets() -> List[str]:
    """The energy-model presets (``['45nm', '7nm']``); ``simulate(energy=...)`` also takes a JSON file."""
    return list(_lutsim.energy_presets())


def hw_presets() -> List[str]:
    """The hardware-config presets (``default`` 16x16, ``small`` 4x4, ``large`` 64x64)."""
    return list(_lutsim.hw_presets())


# ---- Hardware configs -----------------------------------------------------------------------------------------

class HwConfig:
    """A validated hardware config: PE array size, SRAM sizes, accumulator width, rounding, DRAM timing, clock.

    The fields are read-only attributes named as in C++ (``hw.rows``, ``hw.cols``, ``hw.acc_bits``,
    ``hw.rounding``, ``hw.act_sram_bytes``, ``hw.dram_bytes_per_cycle`` ...); ``to_dict()`` is the config file's
    JSON. ``replace()`` returns a changed copy, with the parameter names of a sweep file (docs/energy.md),
    validated exactly as a config file is.

        >>> hw = lutsim.HwConfig.load("small")
        >>> (hw.rows, hw.cols)
        (4, 4)
        >>> hw.replace({"array.rows": 8}, acc_bits=16).rows
        8
    """

    _FIELDS = ("name", "rows", "cols", "acc_bits", "rounding", "lut_per_layer", "lut_per_channel", "act_sram_bytes",
               "weight_sram_bytes", "acc_sram_bytes", "param_sram_bytes", "dram_bytes_per_cycle",
               "dram_latency_cycles", "dram_max_outstanding", "dram_burst_bytes", "queue_depth", "clock_mhz")

    def __init__(self, native: Any):
        self._native = native

    @staticmethod
    def load(preset_or_path: Union[str, PathLike] = "default") -> "HwConfig":
        """A preset name (``hw_presets()``) or a JSON config file."""
        return HwConfig(_lutsim.load_hw(os.fspath(preset_or_path)))

    @staticmethod
    def from_dict(fields: Mapping[str, Any], source: str = "HwConfig.from_dict") -> "HwConfig":
        """A config from the JSON fields of a config file; ``source`` names it in error messages."""
        return HwConfig(_lutsim.parse_hw(json.dumps(dict(fields)), source))

    def replace(self, parameters: Optional[Mapping[str, Any]] = None, **fields: Any) -> "HwConfig":
        """A copy with parameters changed, as a sweep changes them.

        ``parameters`` maps sweep parameter paths (``"array.rows"``, ``"sram_kib.weight"``, ``"dram.latency_cycles"``)
        to values; keyword arguments set top-level fields (``acc_bits=16``, ``rounding="floor"``, ``name="x"``,
        ``array={"rows": 8, "cols": 8}``, objects merged into the field). An unknown parameter or a value out of its
        range raises :class:`Error` naming it."""
        items = list((parameters or {}).items()) + list(fields.items())
        where = "HwConfig.replace(" + ", ".join(k for k, _ in items) + ")"
        return HwConfig(_lutsim.apply_overrides(self._native, [(k, json.dumps(v)) for k, v in items], where))

    @property
    def fingerprint(self) -> int:
        """The 64-bit FNV-1a hash of the canonical JSON text; a program file records its config's."""
        return int(self._native.fingerprint())

    def to_dict(self) -> Dict[str, Any]:
        """The config as its JSON file spells it."""
        return json.loads(self._native.to_json())

    def to_json(self) -> str:
        """The config as canonical JSON text (sorted keys)."""
        return self._native.to_json()

    def __getattr__(self, name: str) -> Any:
        if name in HwConfig._FIELDS:
            return getattr(self.__dict__["_native"], name)
        raise AttributeError(f"HwConfig has no field '{name}' (fields: {', '.join(HwConfig._FIELDS)})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HwConfig) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return self.fingerprint

    def __repr__(self) -> str:
        return f"HwConfig({self.name!r}, {self.rows}x{self.cols}, acc_bits={self.acc_bits}, rounding={self.rounding!r})"


def _hw(hw: Union[None, str, PathLike, HwConfig]) -> HwConfig:
    if hw is None:
        return HwConfig.load("default")
    if isinstance(hw, HwConfig):
        return hw
    if isinstance(hw, (str, os.PathLike)):
        return HwConfig.load(hw)
    raise TypeError(f"hw: expected a preset name, a config file path or a lutsim.HwConfig, got {type(hw).__name__}")


# ---- Networks -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """An activation value (an edge of the graph): per-image shape (h, w, c), dtype, power-of-two exponent."""
    name: str
    dtype: str
    shape: Tuple[int, int, int]
    exponent: int


@dataclass(frozen=True)
class Layer:
    """A layer: its op, input and output value names, its attributes (graph.json's fields) and parameters."""
    name: str
    op: str
    inputs: Tuple[str, ...]
    output: str
    attrs: Dict[str, Any]
    params: Dict[str, np.ndarray]


class Network:
    """A quantized network: the graph (``graph``, ``values``, ``layers``) and every parameter tensor (``params``).

    Load one with ``Network.load(path)``, or build one with ``Network.from_graph(graph, params)``, which validates
    it exactly as loading a file does, with the same messages. Parameters are NumPy arrays named as the network
    file's members (``"conv1.weights"``, ``"conv1.lut"``, ``"conv1.bias"``, ``"conv1.shift"``).
    """

    def __init__(self, native: Any):
        self._native = native
        with zipfile.ZipFile(io.BytesIO(native.to_bytes())) as z:
            self.graph: Dict[str, Any] = json.loads(z.read("graph.json"))
            self.params: Dict[str, np.ndarray] = {}
            for n in z.namelist():
                if n.endswith(".npy"):
                    a = np.load(io.BytesIO(z.read(n)), allow_pickle=False)
                    a.flags.writeable = False
                    self.params[n[: -len(".npy")]] = a
        self.values: List[Value] = [
            Value(v["name"], v["dtype"], tuple(v["shape"]), v["exponent"]) for v in self.graph["values"]]
        common = {"name", "op", "inputs", "output"}
        self.layers: List[Layer] = []
        for l in self.graph["layers"]:
            prefix = l["name"] + "."
            self.layers.append(Layer(
                l["name"], l["op"], tuple(l["inputs"]), l["output"],
                {k: v for k, v in l.items() if k not in common},
                {k[len(prefix):]: a for k, a in self.params.items() if k.startswith(prefix)}))

    @staticmethod
    def load(path: PathLike) -> "Network":
        """Reads a network file (``.npz``, docs/format.md); a malformed file raises :class:`Error` naming it."""
        return Network(_lutsim.load_network(os.fspath(path)))

    @staticmethod
    def from_graph(graph: Mapping[str, Any], params: Mapping[str, np.ndarray],
                   source: str = "Network.from_graph") -> "Network":
        """A network from a ``graph.json`` dict and its parameter arrays, validated as the file loader does.

        ``params`` maps member names without ``.npy`` (``"conv1.weights"``) to arrays of the dtypes docs/format.md
        gives (u8 codes or s8 weights, s8 LUT, s32 bias, s8 shift)."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            z.writestr("graph.json", json.dumps(dict(graph)))
            for name, a in params.items():
                if not isinstance(a, np.ndarray):
                    raise TypeError(f"params['{name}']: expected a numpy.ndarray, got {type(a).__name__}")
                m = io.BytesIO()
                np.save(m, np.ascontiguousarray(a), allow_pickle=False)
                z.writestr(name + ".npy", m.getvalue())
        return Network(_lutsim.parse_network(buf.getvalue(), source))

    def save(self, path: PathLike) -> None:
        """Writes the network file atomically (a temporary file, then a rename)."""
        self._native.save(os.fspath(path))

    def to_bytes(self) -> bytes:
        """The network file's bytes; the same network always gives the same bytes."""
        return self._native.to_bytes()

    @property
    def name(self) -> str:
        return self.graph["name"]

    @property
    def input(self) -> Value:
        """The value the network reads."""
        return self.value(self.graph["input"])

    @property
    def output(self) -> Value:
        """The value the network produces."""
        return self.value(self.graph["output"])

    def value(self, name: str) -> Value:
        for v in self.values:
            if v.name == name:
                return v
        raise KeyError(f"network '{self.name}' has no value '{name}'")

    def _program(self, hw: "HwConfig") -> "Program":
        # The network is immutable: its program for a config is compiled once, and repeated simulations of it reuse
        # one worker process (docs/python.md).
        cache = self.__dict__.setdefault("_programs", {})
        key = hw.to_json()
        if key not in cache:
            cache[key] = compile(self, hw)
        return cache[key]

    def info(self) -> Dict[str, Any]:
        """What ``lutsim info`` prints: per layer op, values, bits, LUT and shift granularity, MACs and weight bytes
        as stored on the accelerator, and the totals ``macs``, ``weight_bytes``, ``parameters``."""
        return self._native.summary()

    def __repr__(self) -> str:
        return f"Network({self.name!r}, {len(self.layers)} layers, input {self.input.shape} {self.input.dtype})"


def _native_net(net: Network) -> Any:
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a lutsim.Network, got {type(net).__name__}")
    return net._native


def generate(arch: str, input_size: int = 0, weight_bits: int = 4, lut: str = "per-layer", shift: str = "per-layer",
             seed: int = 1, width: float = 1.0, classes: int = 0, logits: str = "s32", acc_bits: int = 32) -> Network:
    """A network with the real layer shapes of ``arch`` (``lutsim gen``): random LUT codes, sorted non-uniform s8
    LUTs, biases and shifts chosen so that activations stay in range. The same arguments give the same network.

    ``arch`` is one of lenet5, resnet18, resnet50, mobilenetv2; ``input_size`` 0 is its own (32 or 224); ``lut``
    and ``shift`` are ``"per-layer"`` or ``"per-channel"``; ``logits`` ``"s32"`` or ``"s8"``."""
    for arg, v in (("lut", lut), ("shift", shift)):
        if v not in ("per-layer", "per-channel"):
            raise ValueError(f"{arg}: '{v}' is not one of per-layer, per-channel")
    if logits not in ("s32", "s8"):
        raise ValueError(f"logits: '{logits}' is not one of s32, s8")
    return Network(_lutsim.generate(arch, input_size, weight_bits, lut == "per-channel", shift == "per-channel",
                                    seed, float(width), classes, logits == "s8", acc_bits))


def random_input(net: Network, n: int = 1, seed: int = 1) -> np.ndarray:
    """``n`` random images for ``net``, uniform over its input dtype (``lutsim gen --sample-input``)."""
    return _lutsim.random_input(_native_net(net), n, seed)


# ---- Running --------------------------------------------------------------------------------------------------

def run(net: Network, x: np.ndarray, engine: str = "golden", hw: Union[None, str, HwConfig] = None,
        threads: int = 1, return_values: bool = False) -> Union[np.ndarray, Tuple[np.ndarray, Dict[str, np.ndarray]]]:
    """Runs ``x`` (NHWC ``[N, h, w, c]``, or one image ``[h, w, c]``, of the input's dtype) on one engine.

    Returns the output array (the same bits as ``lutsim run``); with ``return_values=True`` also every value of
    the network by name, ``[N, h, w, c]``. The accumulator width and rounding are the hardware config's. The
    golden and isa engines run in this process with the GIL released; systemc and rtl run in a worker process
    (SystemC allows one simulation per process), so Python threads can run several at once. Ctrl-C interrupts
    any of them with ``KeyboardInterrupt``.

        >>> y = lutsim.run(net, x[:2])
        >>> y.shape, y.dtype
        ((2, 1, 1, 10), dtype('int32'))
    """
    y, values, _report, _stats = _lutsim.run(_native_net(net), x, engine, _hw(hw)._native, threads, return_values)
    return (y, values) if return_values else y


# ---- Programs -------------------------------------------------------------------------------------------------

class Program:
    """A compiled program: instructions for the load, compute and store queues, the DRAM image and the layer map.

        >>> p = lutsim.compile(net, "small")
        >>> p.instruction_counts()["GEMM"] > 0
        True
    """

    def __init__(self, native: Any):
        self._native = native

    @staticmethod
    def load(path: PathLike, hw: Union[None, str, HwConfig] = None) -> "Program":
        """Reads a program file (``lutsim compile -o``); with ``hw``, its config must match it."""
        return Program(_lutsim.load_program(os.fspath(path), None if hw is None else _hw(hw)._native))

    def save(self, path: PathLike) -> None:
        """Writes the program file atomically."""
        self._native.save(os.fspath(path))

    def to_bytes(self) -> bytes:
        return self._native.to_bytes()

    @property
    def hw(self) -> HwConfig:
        """The hardware config the program was compiled for."""
        return HwConfig(self._native.hw)

    @property
    def network(self) -> str:
        """The name of the network it was compiled from."""
        return self._native.network

    def disassembly(self) -> str:
        """The listing ``lutsim disasm`` prints, annotated with layers."""
        return self._native.disassemble()

    def instruction_counts(self) -> Dict[str, int]:
        """Instructions by opcode (SYNC, LOAD, STORE, WCFG, GEMM, PPU, VEC)."""
        return dict(self._native.instruction_counts())

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return f"Program({self.network!r}, {len(self)} instructions, hw {self.hw.name!r})"


def compile(net: Network, hw: Union[None, str, HwConfig] = None) -> Program:  # noqa: A001 (the command's name)
    """Compiles a network for a hardware config (``lutsim compile``)."""
    return Program(_lutsim.compile(_native_net(net), _hw(hw)._native))


# ---- Simulation reports ---------------------------------------------------------------------------------------

@dataclass
class LayerReport:
    """One layer of a simulation: its window of cycles, utilization, traffic, stalls and energy."""
    name: str
    op: str
    cycles: int
    pe_utilization: float
    dram_read_bytes: int
    dram_write_bytes: int
    stalls: Dict[str, int]
    energy_pj: Optional[float]
    raw: Dict[str, Any] = field(repr=False)


class SimReport:
    """The SystemC model's report (docs/sim.md, format ``lutsim-sim-report``) with the network output.

    Attributes: ``cycles``, ``images``, ``layers`` (:class:`LayerReport`), ``stalls`` (cycles by reason over every
    unit), ``units`` (busy, stalled, idle per unit), ``pe_utilization``, ``dram_read_bytes``,
    ``dram_write_bytes``, ``energy_pj`` and ``energy_components`` (with an energy model), ``output`` (the output
    array). ``to_dict()`` is the JSON report as ``lutsim sim --report`` writes it.
    """

    def __init__(self, report: Dict[str, Any], output: Optional[np.ndarray] = None,
                 timeline: Optional[Dict[str, Any]] = None):
        self._r = report
        self.output = output
        self._timeline = timeline
        total = report["total"]
        self.network: str = report["network"]
        self.images: int = report["images"]
        self.cycles: int = total["cycles"]
        self.pe_utilization: float = total["pe_utilization"]
        self.dram_read_bytes: int = total["counters"]["dram"]["read_bytes"]
        self.dram_write_bytes: int = total["counters"]["dram"]["write_bytes"]
        self.units: Dict[str, Dict[str, int]] = {
            u: {k: t[k] for k in ("busy", "stalled", "idle")} for u, t in total["units"].items()}
        self.stalls: Dict[str, int] = _stalls(total["units"])
        energy = report.get("energy")
        self.energy_pj: Optional[float] = energy["total"]["pj"] if energy else None
        self.energy_components: Optional[Dict[str, float]] = dict(energy["total"]["components"]) if energy else None
        self.layers: List[LayerReport] = []
        for i, l in enumerate(report["layers"]):
            c = l["counters"]
            self.layers.append(LayerReport(
                l["name"], l["op"], l["cycles"], l["pe_utilization"], c["dram"]["read_bytes"],
                c["dram"]["write_bytes"], _stalls(l["units"]),
                energy["layers"][i]["pj"] if energy else None, l))

    def to_dict(self) -> Dict[str, Any]:
        """The report as JSON data, the same as ``lutsim sim --report`` writes."""
        return json.loads(json.dumps(self._r))

    def save(self, path: PathLike) -> None:
        """Writes the JSON report (readable by ``lutsim report``)."""
        _write_text(path, json.dumps(self._r, indent=1) + "\n")

    def write_timeline(self, path: PathLike) -> None:
        """Writes the first image's timeline as Chrome trace-event JSON (needs ``simulate(timeline=True)``)."""
        if self._timeline is None:
            raise ValueError("write_timeline: simulate() was called without timeline=True")
        _write_text(path, json.dumps(self._timeline, indent=1) + "\n")

    def html(self) -> str:
        """The self-contained HTML page ``lutsim report`` writes (45nm energy when the report has none)."""
        return _lutsim.html_report(json.dumps(self._r), "SimReport.html")

    def write_html(self, path: PathLike) -> None:
        _write_text(path, self.html())

    def __repr__(self) -> str:
        return f"SimReport({self.network!r}, {self.cycles} cycles, {len(self.layers)} layers)"


def _stalls(units: Mapping[str, Any]) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for t in units.values():
        for reason, n in t["stall_reasons"].items():
            out[reason] = out.get(reason, 0) + n
    return out


def _write_text(path: PathLike, text: str) -> None:
    # As every lutsim output: a temporary file beside it, then a rename (lutsim::write_file).
    _lutsim.write_file(os.fspath(path), text.encode("utf-8"))


def simulate(net_or_program: Union[Network, Program], x: np.ndarray, hw: Union[None, str, HwConfig] = None,
             energy: Optional[Union[str, PathLike]] = None, timeline: bool = False, watchdog: int = 1_000_000,
             vcd: Optional[PathLike] = None) -> SimReport:
    """Runs ``x`` on the SystemC model (``lutsim sim``) and returns its :class:`SimReport`.

    A network is compiled for ``hw`` first (``default`` when not given); a program runs on its own config, which
    ``hw`` must then equal. ``energy`` (a preset of ``energy_presets()`` or a JSON file) adds the energy section.
    Each call runs in a worker process, so Python threads simulate in parallel; Ctrl-C interrupts it.
    """
    if isinstance(net_or_program, Program):
        if hw is not None and _hw(hw).fingerprint != net_or_program.hw.fingerprint:
            raise Error(f"simulate: the program was compiled for hw '{net_or_program.hw.name}', not for "
                        f"'{_hw(hw).name}'")
        prog = net_or_program._native
    elif isinstance(net_or_program, Network):
        prog = net_or_program._program(_hw(hw))._native
    else:
        raise TypeError(f"net_or_program: expected a lutsim.Network or lutsim.Program, got "
                        f"{type(net_or_program).__name__}")
    y, rep, tl = _lutsim.simulate(prog, x, None if energy is None else os.fspath(energy), timeline, watchdog,
                                  "" if vcd is None else os.fspath(vcd))
    return SimReport(json.loads(rep), y, json.loads(tl) if timeline else None)


# ---- Verify ---------------------------------------------------------------------------------------------------

@dataclass
class LayerVerdict:
    """One layer of a verify run: differing elements per engine and, with systemc and rtl, both cycle counts."""
    name: str
    op: str
    differing: Dict[str, int]
    systemc_cycles: Optional[int]
    rtl_cycles: Optional[int]
    cycle_diff_percent: Optional[float]


@dataclass
class Mismatch:
    """The first divergence: layer, coordinate (n, y, x, c), each engine's value, and where the RTL wrote it."""
    layer: str
    layer_index: int
    op: str
    value: str
    coordinate: Tuple[int, int, int, int]
    values: Dict[str, Optional[int]]
    first_engine: str
    rtl_write: Optional[Dict[str, Any]]


class VerifyResult:
    """The verdict of :func:`verify` (docs/verify.md, format ``lutsim-verify``).

    ``passed`` is ``bit_exact and cycles_within_tolerance``; ``layers`` holds a :class:`LayerVerdict` per layer,
    ``first_mismatch`` a :class:`Mismatch` or None; ``text()`` is what ``lutsim verify`` prints.
    """

    def __init__(self, report: Dict[str, Any]):
        self._r = report
        self.engines: List[str] = report["engines"]
        self.bit_exact: bool = report["bit_exact"]
        self.cycles_within_tolerance: bool = report["cycles_within_tolerance"]
        self.passed: bool = report["pass"]
        self.cycles: Optional[Dict[str, Any]] = report.get("cycles")
        self.layers: List[LayerVerdict] = [
            LayerVerdict(l["name"], l["op"], dict(l["differing_elements"]), l.get("systemc_cycles"),
                         l.get("rtl_cycles"), l.get("cycle_diff_percent")) for l in report["layers"]]
        m = report["first_mismatch"]
        self.first_mismatch: Optional[Mismatch] = None if m is None else Mismatch(
            m["layer"], m["layer_index"], m["op"], m["value"],
            tuple(m["coordinate"][k] for k in ("n", "y", "x", "c")), dict(m["values"]), m["first_engine"],
            m.get("rtl_write"))

    def to_dict(self) -> Dict[str, Any]:
        """The report as ``lutsim verify --report`` writes it."""
        return json.loads(json.dumps(self._r))

    def text(self, quiet: bool = False) -> str:
        """What ``lutsim verify`` prints for this result."""
        return _lutsim.verify_text(json.dumps(self._r), quiet)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"VerifyResult(passed={self.passed}, bit_exact={self.bit_exact}, engines={self.engines})"


def verify(net: Network, x: np.ndarray, engines: Optional[Sequence[str]] = None,
           hw: Union[None, str, HwConfig] = None, cycle_tolerance: float = 5.0, image: int = 0,
           wave_window: Optional[PathLike] = None, wave_cycles: int = 500) -> VerifyResult:
    """Runs image ``image`` of ``x`` on every engine of ``engines`` (the first is the reference; by default every
    built engine but ``reference``) and compares every layer bit for bit (``lutsim verify``).

    A mismatch does not raise: the result says where. Runs in a worker process; Ctrl-C interrupts it.
    """
    names = list(engines) if engines is not None else []
    rep = _lutsim.verify(_native_net(net), _hw(hw)._native, x, image, names, float(cycle_tolerance),
                         "" if wave_window is None else os.fspath(wave_window), wave_cycles)
    return VerifyResult(json.loads(rep))


# ---- Quantize, evaluate, area ---------------------------------------------------------------------------------

def quantize(onnx_path: PathLike, calib: np.ndarray, hw: Union[None, str, HwConfig] = None,
             progress: Optional[Callable[[str, float], None]] = None, **options: Any) -> Network:
    """Post-training quantization of a float ONNX model (``lutsim quantize``) on calibration images.

    ``calib`` is u8 NHWC ``[N, H, W, C]`` or f32 NCHW in the model's layout. ``options`` are the command line's,
    with underscores: ``weight_bits=4``, ``grid="lut-per-channel"``, ``shift="per-layer"``, ``method="mmse"`` or
    ``"lapq"``, ``act_calib``, ``percentile``, ``equalize=True``, ``bias_correction=True``, ``avg_bits``,
    ``compression``, ``calib_images``, ``lapq_evals``, ``input_exponent``, ``threads``. A bad value raises
    ``ValueError`` with the command line's message. ``progress(stage, fraction)`` is called as it goes. The
    returned network has ``quant_report`` (notes, calibration losses, per-layer bits).
    """
    names = dict(_lutsim.quantize_option_names())
    given: Dict[str, str] = {}
    for key, value in options.items():
        name = key.replace("_", "-")
        if name not in names:
            raise TypeError(f"quantize() got an unexpected option '{key}' (options: "
                            f"{', '.join(n.replace('-', '_') for n in names)})")
        if not names[name]:  # a flag
            if value:
                given[name] = ""
            continue
        given[name] = str(value)
    native, report = _lutsim.quantize(os.fspath(onnx_path), calib, given, _hw(hw)._native, progress)
    net = Network(native)
    net.quant_report = report  # type: ignore[attr-defined]
    return net


@dataclass
class EvalResult:
    """Top-1 accuracy of a classifier: predictions per image and the confusion matrix [label, prediction]."""
    accuracy: float
    correct: int
    images: int
    predictions: np.ndarray
    confusion: np.ndarray
    seconds: float


def evaluate(net: Network, x: np.ndarray, labels: np.ndarray, engine: str = "golden",
             hw: Union[None, str, HwConfig] = None, batch: int = 64, threads: int = 1) -> EvalResult:
    """Runs every image of ``x`` and compares the top-1 class (the first on a tie) with ``labels`` (int32 or
    uint8), as ``lutsim eval`` does."""
    d = _lutsim.evaluate(_native_net(net), _hw(hw)._native, x, labels, engine, batch, threads)
    return EvalResult(d["accuracy"], d["correct"], d["images"], d["predictions"], d["confusion"], d["seconds"])


def area(hw: Union[None, str, HwConfig] = None, energy: str = "45nm",
         cells: Optional[PathLike] = None) -> Dict[str, Any]:
    """The area estimate of ``lutsim area --json``: per unit um^2 with its basis, and the total.

    ``cells`` is a Yosys cell-count file (rtl/synth/cell_counts.json); without one only SRAM is estimated."""
    return json.loads(_lutsim.area(_hw(hw)._native, os.fspath(energy), "" if cells is None else os.fspath(cells)))
