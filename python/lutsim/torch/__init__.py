"""lutsim.torch: quantization-aware training in PyTorch for lutsim, with an integer forward bit-exact with it.

    >>> import lutsim.torch as lt
    >>> qm = lt.prepare(model, example_input, lt.Scheme(weight_bits=4, grid="lut-per-layer", hw="default"),
    ...                 calib=calib_images)                  # trace, fold BatchNorm, insert quantizers
    >>> ...train qm like any nn.Module...
    >>> net = lt.export(qm, "net.npz")                       # a lutsim network (docs/format.md)
    >>> lt.integer_forward(qm, x_u8)                         # the same integers as lutsim.run(net, x_u8)

See docs/qat.md. Needs PyTorch (Debian's python3-torch for /usr/bin/python3); ``import lutsim`` alone does not.
"""

from .arith import rshift_round, round_hw, wrap
from .export import ExportError, export, network_graph
from .intexec import IntegerRun, LayerCounts, execute, integer_forward
from .parity import Mismatch, ParityResult, check_parity
from .prepare import UnsupportedModelError, prepare
from .qmodel import QuantModel
from .quantizers import ActQuantizer, LUTWeightQuantizer, PO2WeightQuantizer, WeightQ, kmeans_s8
from .scheme import Scheme

__all__ = [
    "prepare", "export", "integer_forward", "check_parity", "Scheme", "QuantModel", "UnsupportedModelError",
    "ExportError", "ActQuantizer", "PO2WeightQuantizer", "LUTWeightQuantizer", "WeightQ", "kmeans_s8",
    "network_graph", "execute", "IntegerRun", "LayerCounts", "ParityResult", "Mismatch", "rshift_round",
    "round_hw", "wrap",
]
