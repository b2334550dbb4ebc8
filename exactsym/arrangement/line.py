r"""Exact regions on the line (n0 = 1): breakpoints are exact rationals, no LP needed.

Non-simple arrangements are exact here too (``proofs/regions-complete.md``,
section 5): several neurons may share a breakpoint (all their labels change
there at once), and a neuron identically zero on a piece has label 0 on it.
A piece is a maximal open interval on which the ternary pattern is constant.
"""

from __future__ import annotations

from fractions import Fraction

from ..check.shared.exact import affine_forms
from ..network.model import Network

__all__ = ["line_regions"]


def _fsign(v) -> int:
    return (v > 0) - (v < 0)


def _pattern_right_of(net: Network, x):
    r"""Pattern on :math:`(x, x + \varepsilon)` for small :math:`\varepsilon > 0`; ``x=None`` means
    :math:`-\infty`. Each value is carried as the pair (value, slope) and compared
    lexicographically; a neuron with value and slope both 0 vanishes on the
    interval and gets label 0 (it is then inactive for the next layer)."""
    lab = []
    # affine functions a*x + c of the input
    a_prev, c_prev = [Fraction(1)], [Fraction(0)]
    for l, (W, b) in enumerate(net.layers[:-1], start=1):
        a_new, c_new = [], []
        for row, bi in zip(W, b):
            a = sum((w * ap for w, ap in zip(row, a_prev)), Fraction(0))
            c = sum((w * cp for w, cp in zip(row, c_prev)), bi)
            if x is None:
                key = (-a, c)   # a*x + c as x -> -inf: sign of -a first, then c
            else:
                key = (a * x + c, a)
            sg = _fsign(key[0]) or _fsign(key[1])
            lab.append(sg)
            if sg > 0:
                a_new.append(a)
                c_new.append(c)
            else:
                a_new.append(Fraction(0))
                c_new.append(Fraction(0))
        a_prev, c_prev = a_new, c_new
    return tuple(lab)


def line_regions(net: Network, box=None):
    """Exact regions of a network with ``n0 = 1``: list of ``(left, right, pattern)``.

    ``left``/``right`` are Fractions, or ``None`` for -inf/+inf on R. Walks
    left to right: on a piece the pattern is fixed and its right end is the
    smallest root beyond the left end of a neuron whose signed form
    decreases; the next pattern is read off exactly just right of it.
    """
    if net.n0 != 1:
        raise ValueError("line_regions needs n0 = 1")
    if box is not None:
        lo, hi = Fraction(box[0]), Fraction(box[1])
    else:
        lo = hi = None
    left = lo
    out = []
    for _ in range(10 ** 6):
        s = _pattern_right_of(net, left)
        forms = affine_forms(net, s)[:net.H]
        right = None
        for sg, (a, c) in zip(s, forms):
            if sg * a[0] < 0:
                root = -c / a[0]
                if left is not None and root <= left:
                    continue
                if right is None or root < right:
                    right = root
        if hi is not None and (right is None or right >= hi):
            out.append((left, hi, s))
            return out
        out.append((left, right, s))
        if right is None:
            return out
        left = right
    raise RuntimeError("too many pieces")
