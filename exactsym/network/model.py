r"""The exact network model (SPEC section 1).

An architecture :math:`(n_0, n_1, \dots, n_d)` with :math:`d \ge 1`; layers
:math:`1..d-1` are hidden ReLU layers and layer :math:`d` is affine.
Parameters :math:`\theta = (W_1, b_1, \dots, W_d, b_d)` with :math:`W_l` of
shape :math:`n_l \times n_{l-1}` and every entry an exact rational.

* :math:`D = \sum_l n_l (n_{l-1} + 1)` parameters, :math:`H = n_1 + \dots + n_{d-1}`
  hidden neurons, and the functional-dimension bound :math:`D - H`.
* Canonical flat order: layer by layer, :math:`W_l` row-major, then :math:`b_l`.
* Pre-activation :math:`z_{l,j}(x)`, :math:`a_l = \mathrm{relu}(z_l)` for hidden
  layers, :math:`F(x) = z_d(x)`; the ternary label of :math:`x` is the vector of
  signs of the :math:`H` hidden pre-activations.

Standard library only (``fractions``, ``json``, ``hashlib``): the
certificate checker parses networks with this module.
"""

from __future__ import annotations

import hashlib
import json
import math
from fractions import Fraction
from typing import Iterable, Sequence

from .numbers import EntryError, fmt, parse_entry

__all__ = ["Network", "NetworkError", "FORMAT", "MAX_PARAMETERS"]

FORMAT = "exactsym-net/1"
#: Networks larger than this are refused as absurd input.
MAX_PARAMETERS = 50_000_000
MAX_LAYERS = 10_000


class NetworkError(ValueError):
    """The data does not describe a valid network."""


def _sign(q: Fraction) -> int:
    return (q > 0) - (q < 0)


class Network:
    """A ReLU network with exact rational parameters.

    ``layers`` is a sequence of ``(W, b)`` pairs; ``W`` a sequence of rows.
    Entries are anything :func:`exactsym.numbers.parse_entry` accepts. The
    object is immutable; operations return new networks.
    """

    __slots__ = ("architecture", "layers", "_sha")

    def __init__(self, architecture: Sequence[int], layers):
        arch = tuple(architecture)
        _check_architecture(arch)
        if len(layers) != len(arch) - 1:
            raise NetworkError(
                f"architecture {list(arch)} needs {len(arch) - 1} layers, got {len(layers)}")
        built = []
        for l, layer in enumerate(layers, start=1):
            W, b = layer
            rows, cols = arch[l], arch[l - 1]
            if not _is_row(W):
                raise NetworkError(f"layer {l}: W is not a list of rows")
            if len(W) != rows:
                raise NetworkError(f"layer {l}: W has {len(W)} rows, architecture says {rows}")
            Wq = []
            for i, row in enumerate(W):
                if not _is_row(row):
                    raise NetworkError(f"layer {l}: W row {i} is not a list")
                if len(row) != cols:
                    raise NetworkError(
                        f"layer {l}: W row {i} has {len(row)} entries, architecture says {cols}")
                Wq.append(tuple(_entry(v, l, f"W[{i}][{j}]") for j, v in enumerate(row)))
            if not _is_row(b):
                raise NetworkError(f"layer {l}: b is not a list")
            if len(b) != rows:
                raise NetworkError(f"layer {l}: b has {len(b)} entries, architecture says {rows}")
            bq = tuple(_entry(v, l, f"b[{i}]") for i, v in enumerate(b))
            built.append((tuple(Wq), bq))
        self.architecture = arch
        self.layers = tuple(built)
        self._sha = None

    # ---- sizes -------------------------------------------------------------
    @property
    def depth(self) -> int:
        """Number of affine layers ``d``."""
        return len(self.architecture) - 1

    @property
    def n0(self) -> int:
        return self.architecture[0]

    @property
    def n_out(self) -> int:
        return self.architecture[-1]

    @property
    def D(self) -> int:
        a = self.architecture
        return sum(a[l] * (a[l - 1] + 1) for l in range(1, len(a)))

    @property
    def H(self) -> int:
        return sum(self.architecture[1:-1])

    @property
    def bound(self) -> int:
        """The functional-dimension upper bound ``D - H``."""
        return self.D - self.H

    def hidden_neurons(self) -> list[tuple[int, int]]:
        """``(l, j)`` for every hidden neuron, in label order (1-based layers)."""
        return [(l, j) for l in range(1, self.depth) for j in range(self.architecture[l])]

    # ---- flat parameter vector --------------------------------------------
    def offset(self, l: int) -> int:
        """Flat index of ``W_l[0][0]`` (layers are 1-based)."""
        a = self.architecture
        return sum(a[k] * (a[k - 1] + 1) for k in range(1, l))

    def index_W(self, l: int, i: int, j: int) -> int:
        return self.offset(l) + i * self.architecture[l - 1] + j

    def index_b(self, l: int, i: int) -> int:
        a = self.architecture
        return self.offset(l) + a[l] * a[l - 1] + i

    def flat(self) -> list[Fraction]:
        """theta in the canonical flat order (SPEC section 1)."""
        out: list[Fraction] = []
        for W, b in self.layers:
            for row in W:
                out.extend(row)
            out.extend(b)
        return out

    @classmethod
    def from_flat(cls, architecture: Sequence[int], theta: Sequence) -> "Network":
        arch = tuple(architecture)
        _check_architecture(arch)
        D = sum(arch[l] * (arch[l - 1] + 1) for l in range(1, len(arch)))
        if len(theta) != D:
            raise NetworkError(f"flat vector has {len(theta)} entries, architecture needs {D}")
        layers, k = [], 0
        for l in range(1, len(arch)):
            r, c = arch[l], arch[l - 1]
            W = [theta[k + i * c: k + (i + 1) * c] for i in range(r)]
            k += r * c
            b = theta[k: k + r]
            k += r
            layers.append((W, b))
        return cls(arch, layers)

    def integer_layers(self) -> list[tuple[list[list[int]], list[int], int]]:
        """Each layer as ``(A, c, q)`` with ``W_l = A / q`` and ``b_l = c / q`` exactly:
        ``q`` is the lcm of the layer's denominators, ``A`` and ``c`` are integers."""
        out = []
        for W, b in self.layers:
            q = 1
            for v in [x for row in W for x in row] + list(b):
                q = q * v.denominator // math.gcd(q, v.denominator)
            out.append(([[int(v * q) for v in row] for row in W], [int(v * q) for v in b], q))
        return out

    # ---- evaluation -------------------------------------------------------
    def preactivations(self, x: Sequence) -> list[list[Fraction]]:
        """Exact ``z_l(x)`` for ``l = 1..d`` (the last entry is ``F(x)``)."""
        a = [parse_entry(v) for v in x]
        if len(a) != self.n0:
            raise NetworkError(f"point has {len(a)} coordinates, network input is {self.n0}")
        zs = []
        for l, (W, b) in enumerate(self.layers, start=1):
            z = [sum((w * v for w, v in zip(row, a)), bi) for row, bi in zip(W, b)]
            zs.append(z)
            if l < self.depth:
                a = [v if v > 0 else Fraction(0) for v in z]
        return zs

    def forward(self, x: Sequence) -> list[Fraction]:
        """Exact output ``F_theta(x)``."""
        return self.preactivations(x)[-1]

    def labels(self, x: Sequence) -> tuple[int, ...]:
        """Ternary label of ``x``: signs (-1, 0, +1) of the H hidden pre-activations."""
        zs = self.preactivations(x)[:-1]
        return tuple(_sign(v) for z in zs for v in z)

    def is_smooth(self, x: Sequence) -> bool:
        """True when no hidden pre-activation vanishes at ``x``."""
        return 0 not in self.labels(x)

    # ---- serialisation ----------------------------------------------------
    def to_dict(self) -> dict:
        """The ``exactsym-net/1`` object, every entry a canonical ``"p/q"`` string."""
        return {
            "format": FORMAT,
            "architecture": list(self.architecture),
            "layers": [{"W": [[fmt(v) for v in row] for row in W], "b": [fmt(v) for v in b]}
                       for W, b in self.layers],
        }

    def canonical_bytes(self) -> bytes:
        """Canonical serialisation: sorted keys, no spaces, canonical entries, UTF-8."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":")).encode()

    def sha256(self) -> str:
        """SHA-256 of :meth:`canonical_bytes`; certificates name networks by it."""
        if self._sha is None:
            object.__setattr__(self, "_sha", hashlib.sha256(self.canonical_bytes()).hexdigest())
        return self._sha

    @classmethod
    def from_dict(cls, data) -> "Network":
        """Parse an ``exactsym-net/1`` object (raises :class:`NetworkError`)."""
        if not isinstance(data, dict):
            raise NetworkError("top level is not a JSON object")
        fmt_ = data.get("format")
        if fmt_ != FORMAT:
            raise NetworkError(f"format is {fmt_!r}, expected {FORMAT!r}")
        arch = data.get("architecture")
        if not isinstance(arch, list):
            raise NetworkError("'architecture' is missing or not a list")
        layers = data.get("layers")
        if not isinstance(layers, list):
            raise NetworkError("'layers' is missing or not a list")
        _check_architecture(arch)
        pairs = []
        for l, layer in enumerate(layers, start=1):
            if not isinstance(layer, dict) or "W" not in layer or "b" not in layer:
                raise NetworkError(f"layer {l} is not an object with 'W' and 'b'")
            W, b = layer["W"], layer["b"]
            if not isinstance(W, list) or not isinstance(b, list):
                raise NetworkError(f"layer {l}: 'W' and 'b' must be lists")
            pairs.append((W, b))
        return cls(arch, pairs)

    # ---- misc ---------------------------------------------------------------
    def __eq__(self, other) -> bool:
        return isinstance(other, Network) and self.architecture == other.architecture \
            and self.layers == other.layers

    def __hash__(self) -> int:
        return hash((self.architecture, self.layers))

    def __repr__(self) -> str:
        return f"Network({list(self.architecture)}, D={self.D}, H={self.H})"

    def __setattr__(self, name, value):
        if name in ("architecture", "layers") and hasattr(self, name):
            raise AttributeError("Network is immutable")
        object.__setattr__(self, name, value)

    def with_layers(self, layers: Iterable) -> "Network":
        return Network(self.architecture, list(layers))


def _is_row(x) -> bool:
    """A row is a sequence of entries: a list or tuple, never a mapping (a JSON object would be
    read as its keys), a set (no order) or a string."""
    return isinstance(x, (list, tuple))


def _entry(v, l, where) -> Fraction:
    try:
        return parse_entry(v)
    except EntryError as e:
        raise NetworkError(f"layer {l} {where}: {e}") from None


def _check_architecture(arch) -> None:
    if len(arch) < 2:
        raise NetworkError("architecture needs at least an input and an output width")
    if len(arch) > MAX_LAYERS:
        raise NetworkError("architecture has an absurd number of layers")
    for n in arch:
        if isinstance(n, bool) or not isinstance(n, int):
            raise NetworkError(f"architecture entry {n!r} is not an integer")
        if n < 1:
            raise NetworkError(f"architecture entry {n} is not a positive width")
        if n > 10**7:
            raise NetworkError(f"architecture width {n} is absurd")
    D = sum(arch[l] * (arch[l - 1] + 1) for l in range(1, len(arch)))
    if D > MAX_PARAMETERS:
        raise NetworkError(f"architecture has {D} parameters, more than the limit {MAX_PARAMETERS}")
