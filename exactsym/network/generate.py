r"""Seeded random networks with exact rational entries.

Initialisations (``fan_in = n_{l-1}``):

* ``kaiming``: :math:`W, b \sim N(0, 2/\mathrm{fan\_in})` (He et al. 2015; biases
  drawn like weights so that bent hyperplanes are in general position);
* ``uniform``: :math:`W, b \sim U(-1/\sqrt{\mathrm{fan\_in}}, 1/\sqrt{\mathrm{fan\_in}})`
  (PyTorch's ``nn.Linear`` default);
* ``int:K``: integers drawn uniformly from ``[-K, K]``.

Float draws are rounded to the nearest multiple of ``1/denominator``
(default 256), so every entry is a small dyadic rational: exact, cheap to
compute with, and exactly representable in float64. The generator is
numpy's PCG64 seeded with ``seed``.
"""

from __future__ import annotations

import re
from fractions import Fraction

from .model import Network

__all__ = ["random_network", "centred_network", "parse_init", "parse_architecture", "check_random_size",
           "MAX_RANDOM_PARAMETERS", "MAX_WIDTH", "MAX_SEED"]

#: seeds are numpy SeedSequence entropy: a non-negative integer, here below 2^128
MAX_SEED = 2**128 - 1

DEFAULT_DENOMINATOR = 256


#: ``random`` refuses architectures with more parameters than this (each entry is an exact
#: Fraction: 10^6 of them already take seconds and hundreds of MB) and widths above MAX_WIDTH.
MAX_RANDOM_PARAMETERS = 1_000_000
MAX_WIDTH = 100_000
#: ``int:K`` initialisation: K at most 2^62 (numpy draws int64)
MAX_INT_K = 2**62
_WIDTH = re.compile(r"^[0-9]+$")


def parse_architecture(text: str) -> list[int]:
    """``"2,3,1"``, ``"(2,3,1)"`` or ``"2-3-1"`` to a list of widths.

    Every width must be a plain positive decimal integer at most :data:`MAX_WIDTH`:
    ``"2,-3,1"`` is an error (it used to read as ``2,3,1``), as are zeros and junk.
    """
    t = text.strip()
    if t[:1] in "([" and t[-1:] in ")]":
        t = t[1:-1]
    parts = t.split(",") if "," in t else t.split("-")
    if len(parts) < 2:
        raise ValueError(f"architecture {_short(text)} needs at least two widths, e.g. 2,3,1")
    arch = []
    for p in parts:
        p = p.strip()
        if not _WIDTH.match(p) or len(p) > 12:
            raise ValueError(f"architecture {_short(text)}: width {_short(p)} is not a positive integer")
        n = int(p)
        if n < 1:
            raise ValueError(f"architecture {_short(text)}: width {n} is not positive")
        if n > MAX_WIDTH:
            raise ValueError(f"architecture {_short(text)}: width {n} is above the limit {MAX_WIDTH}")
        arch.append(n)
    return arch


def check_random_size(arch) -> int:
    """D of ``arch``; ValueError when it exceeds :data:`MAX_RANDOM_PARAMETERS`."""
    D = sum(arch[l] * (arch[l - 1] + 1) for l in range(1, len(arch)))
    if D > MAX_RANDOM_PARAMETERS:
        raise ValueError(f"architecture {'-'.join(map(str, arch))[:60]} has D = {D} parameters, above the "
                         f"limit {MAX_RANDOM_PARAMETERS} for random networks")
    return D


def _short(v) -> str:
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


def parse_init(text: str):
    """Validate an ``--init`` value; returns ``("kaiming", None)``, ``("int", K)``, ..."""
    if text in ("kaiming", "uniform"):
        return text, None
    if text.startswith("int:"):
        k = text[4:].strip()
        if not _WIDTH.match(k) or len(k) > 40:
            raise ValueError(f"init {_short(text)}: K must be a positive integer")
        K = int(k)
        if K < 1:
            raise ValueError(f"init {_short(text)}: K must be positive")
        if K > MAX_INT_K:
            raise ValueError(f"init {_short(text)}: K must be at most 2^62")
        return "int", K
    raise ValueError(f"unknown init {_short(text)} (kaiming, uniform, int:K)")


def random_network(architecture, seed: int = 0, init: str = "kaiming",
                   denominator: int = DEFAULT_DENOMINATOR) -> Network:
    """A seeded random network; entries are multiples of ``1/denominator`` (or integers for ``int:K``)."""
    import numpy as np
    kind, K = parse_init(init)
    rng = np.random.default_rng(seed)
    arch = list(architecture)
    layers = []
    for l in range(1, len(arch)):
        fan_in, n = arch[l - 1], arch[l]
        if kind == "int":
            W = rng.integers(-K, K + 1, size=(n, fan_in + 1))
            Wq = [[Fraction(int(v)) for v in row] for row in W]
        else:
            if kind == "kaiming":
                W = rng.normal(0.0, (2.0 / fan_in) ** 0.5, size=(n, fan_in + 1))
            else:
                s = fan_in ** -0.5
                W = rng.uniform(-s, s, size=(n, fan_in + 1))
            Wq = [[Fraction(int(v), denominator) for v in row]
                  for row in np.rint(W * denominator)]
        layers.append(([row[:-1] for row in Wq], [row[-1] for row in Wq]))
    return Network(arch, layers)


def centred_network(architecture, seed: int = 0, denominator: int = DEFAULT_DENOMINATOR,
                    n_samples: int = 2000) -> Network:
    r"""Kaiming weights with each hidden bias at the median of its pre-activation.

    Weights are drawn as in ``kaiming``; hidden neuron (l, j) gets
    :math:`b = -\mathrm{median}_x (W_l a_{l-1}(x))_j` over ``n_samples`` inputs
    :math:`x \sim N(0, I)`, so it is active on about half of them. Plain Kaiming
    draws often leave neurons stably on or off (a true functional-dimension
    deficit); these networks keep every neuron in play, which is what rank
    benchmarks and tests of full rank want. Entries are multiples of
    ``1/denominator``; output biases are ``N(0, 1)`` draws.
    """
    import numpy as np
    arch = list(architecture)
    den = denominator
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 1, (n_samples, arch[0]))
    layers = []
    for l in range(1, len(arch)):
        W = np.rint(rng.normal(0, (2 / arch[l - 1]) ** .5, (arch[l], arch[l - 1])) * den)
        z = a @ (W / den).T
        b = (-np.rint(np.median(z, axis=0) * den) if l < len(arch) - 1
             else np.rint(rng.normal(0, 1, arch[l]) * den))
        layers.append(([[Fraction(int(v), den) for v in r] for r in W], [Fraction(int(v), den) for v in b]))
        a = np.maximum(z + b / den, 0)
    return Network(arch, layers)
