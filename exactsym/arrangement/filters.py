r"""Floating-point filters that *prove* signs, with exact fallbacks (``proofs/float-filter.md``).

The C code (``csrc/arrangement/es_filter.c``) evaluates small determinants of
the region's forms in float64 with a proven bound on the rounding error; a
sign is taken from the float value only when it exceeds that bound, and
every undecided case goes back to the exact integer paths of
:mod:`.witnesses`. So the filters change the time, never a decision:

* :func:`filtered_classes` equals :func:`~.witnesses.classes` (the
  proportionality classes), computed exactly only when some pair of rows is
  not proven non-proportional or some row is zero;
* :meth:`RegionFloats.signs` gives the exact signs of every form at
  candidate points (interior and facet points), computing in integers only
  the entries the filter leaves undecided;
* :meth:`RegionFloats.farkas_proven` names the pairs whose proposed dual
  support is a Farkas certificate with every multiplier and the constant
  positive (Lemma 2 of the proof): exactly the pairs for which the exact
  Cramer solve on that support succeeds with positive multipliers, so the
  recorded support is the one the exact path records.
"""

from __future__ import annotations

import numpy as np

from .pairs import intern_support
from .witnesses import classes

__all__ = ["RegionFloats", "filtered_classes", "filter_safe_box", "supports"]



_BY_CODE: dict = {}      # code of a sorted support (sum (id_i + 1) << 20 i) -> its interned tuple


def _decode(code: int) -> tuple:
    """The interned tuple of a support code ``sum (id_i + 1) << 20 i`` (remembered)."""
    ids, c = [], code
    while c:
        ids.append((c & 0xFFFFF) - 1)
        c >>= 20
    t = _BY_CODE[code] = intern_support(ids)
    return t


def supports(codes) -> list:
    """The sorted support ids of each code, one shared tuple per distinct support."""
    get = _BY_CODE.get
    return [get(c) or _decode(c) for c in codes]


def filter_safe_box(box) -> bool:
    """True when each box end is 0 or has a double in [2^-1000, 2^1000] (hypothesis H1 of the proof).

    Otherwise the filter is given no box (pairs whose support has a box face
    are then decided exactly).
    """
    if box is None:
        return False
    try:
        return all(v == 0 or 2.0 ** -1000 <= abs(float(v)) < 2.0 ** 1000 for v in box)
    except OverflowError:
        return False


class RegionFloats:
    """The correctly rounded doubles of one region's integer forms, and their row-normalised copy."""

    __slots__ = ("F", "G", "ok")

    def __init__(self, M):
        from ._regions import exact_doubles
        self.F, self.G, self.ok = exact_doubles(M)

    def farkas_proven(self, s, supp, want, fbox):
        """``(hs, codes)``: the pairs whose support ``supp[h]`` is proven a strict Farkas
        certificate, and each support's code (:func:`supports` gives the sorted ids)."""
        from ._regions import farkas_proven_codes
        if len(s) + 2 * self.G.shape[1] >= (1 << 20) - 1:
            return [], []           # ids would not fit the 20-bit codes: decided exactly instead
        return farkas_proven_codes(self.G, self.ok, s, np.asarray(supp, dtype=np.intc), want, fbox)

    def signs(self, M, s, cands):
        """Exact signs of ``s_k z_k`` at the homogeneous points ``cands``: rows of -1 / 0 / 1.

        Proven by the filter (Lemma 3) where it can; every undecided entry is
        the sign of the exact integer ``s_k (M_k . (P, Q))``.
        """
        from ._regions import point_signs
        if not cands:
            return []
        rows = point_signs(self.G, self.ok, s, cands).tolist()
        n0 = len(M[0]) - 1 if M else 0
        for (P, Q), row in zip(cands, rows):
            if 2 not in row:
                continue
            for k, v in enumerate(row):
                if v == 2:
                    m = M[k]
                    val = s[k] * (sum(m[i] * P[i] for i in range(n0)) + m[n0] * Q)
                    row[k] = (val > 0) - (val < 0)
        return rows


def filtered_classes(M, rf: RegionFloats) -> dict:
    """:func:`~.witnesses.classes` of M; {} straight from the filter in the generic case."""
    from ._regions import rows_generic
    if rows_generic(rf.G, rf.ok):
        return {}
    return classes(M)
