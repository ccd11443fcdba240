"""The arithmetic contract (docs/arithmetic.md) in PyTorch: rounding, rshift_round, wrap and the STE versions.

Two forms of each operation:

- on real values ``u = v / 2^s`` held in a float tensor (the training forward): ``round_hw(u, mode)``. In float64
  every value the contract produces is exact (integers below 2^53 times powers of two), so ``round_hw`` of an exact
  ``v / 2^s`` is exactly ``rshift_round(v, s)``; in float32 it is an approximation, used only for training.
- on int64 tensors (the integer forward): ``rshift_round(v, s, mode)`` and ``wrap(v, bits)``, computed with floor
  divisions only, exactly as arith.h computes them.
"""

from __future__ import annotations

import torch

ROUNDING_MODES = ("half_up", "half_even", "floor")


def check_mode(mode: str) -> None:
    if mode not in ROUNDING_MODES:
        raise ValueError(f"rounding: {mode!r} is not one of {', '.join(ROUNDING_MODES)}")


def round_hw(u: torch.Tensor, mode: str) -> torch.Tensor:
    """Rounds real values as rshift_round rounds ``v / 2^s`` (§5): half_up ``floor(u + 1/2)`` (ties towards
    +infinity), half_even ``torch.round`` (ties to even), floor ``floor(u)``."""
    if mode == "half_up":
        return torch.floor(u + 0.5)
    if mode == "half_even":
        return torch.round(u)
    if mode == "floor":
        return torch.floor(u)
    check_mode(mode)
    raise AssertionError


class _RoundSTE(torch.autograd.Function):
    """round_hw in the forward, the identity in the backward (the straight-through estimator)."""

    @staticmethod
    def forward(ctx, u: torch.Tensor, mode: str) -> torch.Tensor:  # type: ignore[override]
        return round_hw(u, mode)

    @staticmethod
    def backward(ctx, g: torch.Tensor):  # type: ignore[override]
        return g, None


def round_ste(u: torch.Tensor, mode: str = "half_even") -> torch.Tensor:
    return _RoundSTE.apply(u, mode)


class _SignSTE(torch.autograd.Function):
    """The binary grid {-1, +1}: +1 for u >= 0. Backward: the gradient where |u| <= 1, 0 outside (the clipped
    straight-through estimator of binary networks)."""

    @staticmethod
    def forward(ctx, u: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(u)
        return torch.where(u >= 0, torch.ones_like(u), -torch.ones_like(u))

    @staticmethod
    def backward(ctx, g: torch.Tensor):  # type: ignore[override]
        (u,) = ctx.saved_tensors
        return g * (u.abs() <= 1).to(g.dtype)


def sign_ste(u: torch.Tensor) -> torch.Tensor:
    return _SignSTE.apply(u)


def wrap_real(acc: torch.Tensor, unit: torch.Tensor, bits: int) -> torch.Tensor:
    """wrap_A of an accumulator held as real values ``acc = v * unit`` (§4): ``((v + 2^(A-1)) mod 2^A) - 2^(A-1)``,
    times ``unit``, with the identity as gradient (a wrap has no useful one).

    The wrap is found in float64 and added as a correction (a multiple of 2^A units, 0 where nothing wraps): in
    float32, ``v + 2^31`` itself would keep only 24 bits and round every accumulator to 256 units."""
    half = float(2 ** (bits - 1))
    v = acc.detach().double() / unit.double()
    k = torch.remainder(v + half, 2.0 * half) - half - v
    return acc + (k * unit.double()).to(acc.dtype)


def wrap(v: torch.Tensor, bits: int) -> torch.Tensor:
    """wrap_A on int64: keeps the low A bits and reads them as A-bit two's complement."""
    half = 1 << (bits - 1)
    return torch.remainder(v + half, 2 * half) - half


def rshift_round(v: torch.Tensor, s: torch.Tensor, mode: str) -> torch.Tensor:
    """rshift_round(v, s) of §5 on int64, elementwise, for s in [-15, 31] (a tensor broadcast against v):
    s <= 0 an exact left shift; s > 0 half_up ``floor((v + 2^(s-1)) / 2^s)``, floor ``floor(v / 2^s)``, half_even
    the floor q plus 1 when the remainder r exceeds 2^(s-1), or equals it and q is odd."""
    check_mode(mode)
    v = v.to(torch.int64)
    s = torch.broadcast_to(torch.as_tensor(s, dtype=torch.int64), v.shape)
    pos = s > 0
    sp = torch.where(pos, s, torch.zeros_like(s))
    d = torch.ones_like(v) << sp                   # 2^s for s > 0, else 1
    h = torch.where(pos, d >> 1, torch.zeros_like(d))
    if mode == "half_up":
        r = torch.div(v + h, d, rounding_mode="floor")
    elif mode == "floor":
        r = torch.div(v, d, rounding_mode="floor")
    else:
        q = torch.div(v, d, rounding_mode="floor")
        rem = v - q * d
        up = (rem > h) | ((rem == h) & (q % 2 == 1))
        r = q + (up & pos).to(torch.int64)
    left = v << torch.where(pos, torch.zeros_like(s), -s)
    return torch.where(pos, r, left)


def ties(v: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """How many elements of ``v >> s`` are exact ties (remainder 2^(s-1), s > 0): where the modes differ."""
    v = v.to(torch.int64)
    s = torch.broadcast_to(torch.as_tensor(s, dtype=torch.int64), v.shape)
    pos = s > 0
    d = torch.ones_like(v) << torch.where(pos, s, torch.zeros_like(s))
    return int(((torch.remainder(v, d) == (d >> 1)) & pos).sum())
