"""lutsim.torch: quantization-aware training in PyTorch for lutsim (docs/qat.md).

Needs PyTorch (Debian's python3-torch for /usr/bin/python3); ``import lutsim`` alone does not.
"""

from .arith import rshift_round, round_hw, wrap
from .prepare import UnsupportedModelError, prepare
from .qmodel import QuantModel
from .quantizers import ActQuantizer, LUTWeightQuantizer, PO2WeightQuantizer, WeightQ, kmeans_s8
from .scheme import Scheme

__all__ = ["prepare", "Scheme", "QuantModel", "UnsupportedModelError", "ActQuantizer", "PO2WeightQuantizer",
           "LUTWeightQuantizer", "WeightQ", "kmeans_s8", "rshift_round", "round_hw", "wrap"]
