r"""Floating-point filters that *prove* signs, with exact fallbacks (``proofs/float-filter.md``).

The C code (``csrc/arrangement/es_filter.c``) evaluates small determinants of
the region's forms in float64 with a proven bound on the rounding error; a
sign is taken from the float value only when it exceeds that bound, and
every undecided case goes back to the exact integer paths of
:mod:`.witnesses`. So the filters change the time, never a decision:

* :func:`filtered_classes` equals :func:`~.witnesses.classes` (the
  proportionality classes), computed exactly only when some pair of rows is
  not proven non-proportional or some row is zero;
* :meth:`RegionFloats.farkas_proven` names the pairs whose proposed dual
  support is a Farkas certificate with every multiplier and the constant
  positive (Lemma 2 of the proof): exactly the pairs for which the exact
  Cramer solve on that support succeeds with positive multipliers, so the
  recorded support is the one the exact path records.
"""

from __future__ import annotations

import numpy as np

from .witnesses import classes

__all__ = ["RegionFloats", "filtered_classes"]


class RegionFloats:
    """The correctly rounded doubles of one region's integer forms, and their row-normalised copy."""

    __slots__ = ("F", "G", "ok")

    def __init__(self, M):
        from ._regions import exact_doubles
        self.F, self.G, self.ok = exact_doubles(M)

    def farkas_proven(self, s, supp, want, fbox):
        """``[h, ...]`` whose support ``supp[h]`` is proven a strict Farkas certificate."""
        from ._regions import farkas_filter
        dec = farkas_filter(self.G, self.ok, s, np.asarray(supp, dtype=np.intc), want, fbox)
        return np.flatnonzero(dec).tolist()


def filtered_classes(M, rf: RegionFloats) -> dict:
    """:func:`~.witnesses.classes` of M; {} straight from the filter in the generic case."""
    from ._regions import nonprop_filter
    ok, G = rf.ok, rf.G
    if ok.all() and G.any(axis=1).all() and not np.triu(nonprop_filter(G, ok), 1).any():
        return {}
    return classes(M)
