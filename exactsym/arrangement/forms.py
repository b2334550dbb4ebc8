r"""Exact integer forms of every neuron on one activation pattern.

For a pattern :math:`s \in \{-1,+1\}^H` every pre-activation is affine on the
region :math:`R_s`: with :math:`\Delta_l` the 0/1 diagonal of the pattern in
layer :math:`l`, :math:`z_l(x) = W_l \Delta_{l-1} z_{l-1}(x) + b_l`.
"""

from __future__ import annotations

from fractions import Fraction

from ..network.model import Network

__all__ = ["IntegerForms", "to_homogeneous", "from_homogeneous", "FORM_CACHE"]

#: rows cached per layer (pattern prefixes); the cache is cleared when it is full
FORM_CACHE = 4096


class IntegerForms:
    r"""Exact forms of every neuron on one pattern, as integers.

    Layer :math:`l` has a common denominator :math:`d_l` of :math:`[W_l | b_l]`;
    with :math:`S_l = d_1 \cdots d_l` the integer matrix :math:`M_l` satisfies
    :math:`S_l z_l(x) = M_l [x; 1]`: :math:`M_1 = d_1 [W_1 | b_1]` and
    :math:`M_l = (d_l W_l)\, \Delta_{l-1} M_{l-1} + [0 \mid d_l b_l S_{l-1}]`.
    Signs are those of :math:`z` because :math:`S_l > 0`. ``scales[h]`` is
    :math:`S_l` of hidden neuron ``h``.
    """

    def __init__(self, net: Network):
        import flint
        self.flint = flint
        self.net = net
        self.n0 = net.n0
        self.H = net.H
        self.layers = []
        S = 1
        for Wi, bi, d in net.integer_layers():
            self.layers.append((Wi, bi, d, S))
            S *= d
        # FLINT copies of the integer weights, built once: every region reuses them
        self.Wmats = [flint.fmpz_mat(Wi) for Wi, _, _, _ in self.layers]
        self.scales = []
        S = 1
        for l, (W, b) in enumerate(net.layers[:-1]):
            S *= self.layers[l][2]
            self.scales.extend([S] * len(W))
        self.S_out = S * self.layers[-1][2]
        Wi, bi, _, _ = self.layers[0]
        self._first = [list(r) + [c] for r, c in zip(Wi, bi)]
        self._cache = [{} for _ in self.layers]

    def forms(self, pattern, with_output=False):
        """Rows ``[m_0, ..., m_{n0-1}, m_c]`` (integers) of all hidden neurons (and outputs).

        Layer l's rows depend only on the pattern of the layers before it, so
        they are cached per pattern prefix (a bounded cache, cleared when full:
        it changes the time only). The rows are shared: callers must not
        modify them.
        """
        Wi, bi, d, _ = self.layers[0]
        rows = self._first
        out = list(rows)
        h = 0
        L = len(self.layers)
        for l in range(1, L):
            if l == L - 1 and not with_output:
                break
            width = len(rows)
            key = tuple(pattern[:h + width])
            cache = self._cache[l]
            nxt = cache.get(key)
            if nxt is None:
                nxt = self._layer(l, [rows[j] if pattern[h + j] > 0 else None for j in range(width)])
                if len(cache) >= FORM_CACHE:
                    cache.clear()
                cache[key] = nxt
            rows = nxt
            h += width
            out.extend(rows)
        return out

    def _layer(self, l, prev):
        """Rows of layer l from the rows of layer l-1 (None where the neuron is inactive)."""
        w = self.n0 + 1
        zero = [0] * w
        Wi, bi, d, Sprev = self.layers[l]
        P = self.flint.fmpz_mat([r if r is not None else zero for r in prev])
        ent = [int(v) for v in (self.Wmats[l] * P).entries()]
        rows = []
        for i in range(len(Wi)):
            r = ent[i * w:(i + 1) * w]
            r[-1] += bi[i] * Sprev
            rows.append(r)
        return rows


def to_homogeneous(x, denom_bits: int):
    """Round a float vector to an integer homogeneous vector ``(P, Q)`` with ``Q = 2^bits``."""
    Q = 1 << denom_bits
    return [int(round(float(v) * Q)) for v in x], Q


def from_homogeneous(P, Q):
    """The rational point ``P / Q``."""
    return tuple(Fraction(p, Q) for p in P)
