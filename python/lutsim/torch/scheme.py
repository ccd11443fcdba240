"""The quantization scheme: what the exported network will be, and the hardware it must be exact on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, Optional, Union

from .. import HwConfig

GRIDS = ("lut-per-layer", "lut-per-channel", "uniform")
SHIFTS = ("per-layer", "per-channel")
BITS = (1, 2, 3, 4, 8)
ACT_CONSTRAINTS = ("ceil", "round")
WEIGHT_CONSTRAINTS = ("msqe", "round", "ceil")


@dataclass
class Scheme:
    """How a model is quantized for lutsim.

    ``weight_bits`` 1-4 gives u8 codes into an s8 LUT (``grid`` ``lut-per-layer`` or ``lut-per-channel``, or the
    uniform symmetric integers exported as a per-layer LUT for ``uniform``); 8 gives raw s8 weights with a
    power-of-two step (any grid). ``shift`` ``per-channel`` gives every output channel its own weight exponent and
    hence its own shift (a layer whose output is the raw s32 accumulator always has one). ``hw`` is the machine the
    integers must be exact on: its ``acc_bits`` and ``rounding``. ``layer_bits`` overrides the width of layers named
    as in ``QuantModel.layer_names()``; ``first_last_bits`` that of the first and the last conv/dense layer.

    Training options: ``act_constraint`` turns an activation's float exponent into an integer (QKeras: ``ceil`` for
    activations); ``weight_constraint`` that of a uniform-grid weight exponent (``msqe``, QKeras's default, picks
    the floor or the ceiling by squared error); ``lut_ste_mask`` stops the weight gradient outside
    [min LUT - 1/2, max LUT + 1/2]; ``bn_freeze_step`` is the training step from which BatchNorm uses its moving
    statistics only (QKeras's ``ema_freeze_delay``; 0 from the start, None never); ``wrap`` emulates the A-bit
    accumulator wrap in the training forward too (its gradient is the identity).
    """

    weight_bits: int = 4
    grid: str = "lut-per-layer"
    shift: str = "per-layer"
    hw: Union[str, HwConfig] = "default"
    input_exponent: int = -8
    layer_bits: Dict[str, int] = field(default_factory=dict)
    first_last_bits: Optional[int] = None
    act_constraint: str = "ceil"
    weight_constraint: str = "msqe"
    lut_ste_mask: bool = True
    bn_freeze_step: Optional[int] = 0
    wrap: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.hw, HwConfig):
            self.hw = HwConfig.load(self.hw)
        self.validate()

    def validate(self) -> None:
        def one_of(name: str, value: object, allowed: tuple) -> None:
            if value not in allowed:
                raise ValueError(f"Scheme.{name}: {value!r} is not one of {', '.join(map(str, allowed))}")

        one_of("weight_bits", self.weight_bits, BITS)
        one_of("grid", self.grid, GRIDS)
        one_of("shift", self.shift, SHIFTS)
        one_of("act_constraint", self.act_constraint, ACT_CONSTRAINTS)
        one_of("weight_constraint", self.weight_constraint, WEIGHT_CONSTRAINTS)
        if self.first_last_bits is not None:
            one_of("first_last_bits", self.first_last_bits, BITS)
        for k, b in self.layer_bits.items():
            one_of(f"layer_bits['{k}']", b, BITS)
        if not isinstance(self.input_exponent, int) or not -128 <= self.input_exponent <= 127:
            raise ValueError(f"Scheme.input_exponent: {self.input_exponent!r} is not an integer in [-128, 127]")
        if self.bn_freeze_step is not None and (not isinstance(self.bn_freeze_step, int) or self.bn_freeze_step < 0):
            raise ValueError(f"Scheme.bn_freeze_step: {self.bn_freeze_step!r} is not None or an integer >= 0")

    # The native config cannot be pickled: a copy, a deepcopy or a pickle of a scheme (and of a QuantModel) carries
    # it as its JSON text and validates it again.
    def __getstate__(self) -> Dict[str, object]:
        state = dict(self.__dict__)
        state["hw"] = self.hw.to_json()
        return state

    def __setstate__(self, state: Dict[str, object]) -> None:
        state = dict(state)
        state["hw"] = HwConfig.from_dict(json.loads(state["hw"]), "Scheme.hw")
        self.__dict__.update(state)

    @property
    def acc_bits(self) -> int:
        return int(self.hw.acc_bits)

    @property
    def rounding(self) -> str:
        return str(self.hw.rounding)

    def bits_for(self, name: str, index: int, count: int) -> int:
        """The weight width of conv/dense layer ``name``, the ``index``-th of ``count`` in forward order."""
        if name in self.layer_bits:
            return self.layer_bits[name]
        if self.first_last_bits is not None and index in (0, count - 1):
            return self.first_last_bits
        return self.weight_bits

    def describe(self) -> str:
        return (f"{self.weight_bits}-bit {self.grid}, {self.shift} shift, A={self.acc_bits}, {self.rounding}"
                + (f", first/last {self.first_last_bits}-bit" if self.first_last_bits is not None else ""))
