r"""Decisive points: n0 + 1 affinely independent rational points in every region (SPEC 2)."""

from __future__ import annotations

import math
from fractions import Fraction

from .forms import IntegerForms
from .result import NonGeneric, RegionsResult

__all__ = ["decisive_points"]


def decisive_points(result: RegionsResult):
    r"""``n0 + 1`` affinely independent rational points in every region (SPEC 2).

    Inside a region a Jacobian row is affine in the point, so these points'
    rows span all rows of the region. The points are the region's witness
    :math:`p` and :math:`p \pm 2^{-e} e_i` (:math:`i = 1..n_0`) for the smallest
    :math:`e \ge 0` (plus sign first) that stays in the region: an open set
    contains a small cross around each of its points. Membership is decided
    exactly on the integer forms: with slacks :math:`v_k = s_k z_k(p) > 0`
    (times :math:`S_k Q`), the point is inside iff
    :math:`2^e v_k \pm Q s_k M_k[i] > 0` for all k (and strictly inside the box).
    """
    net = result.net
    n0, H = net.n0, net.H
    box = result.box
    F = IntegerForms(net) if H else None
    out = []
    for reg in result.regions:
        p = list(reg.point)
        Q = 1
        for v in p:
            Q = Q * v.denominator // math.gcd(Q, v.denominator)
        P = [int(v * Q) for v in p]
        s = reg.pattern
        # a neuron labelled 0 vanishes identically on the region: it does not bound it
        M = [row for row, sk in zip(F.forms(s), s) if sk != 0] if H else []
        s = [sk for sk in s if sk != 0]
        vals = [sk * (sum(m * x for m, x in zip(row[:n0], P)) + row[n0] * Q) for row, sk in zip(M, s)]
        if any(v <= 0 for v in vals):
            raise NonGeneric(f"region {reg.index}: witness not interior")
        pts = [tuple(p)]
        for i in range(n0):
            # try p + 2^-e e_i, then p - 2^-e e_i, for e = 0, 1, 2, ...: the first one inside.
            # Exact test in integers: s_k z_k at p +- 2^-e e_i, times S_k Q 2^e.
            q = None
            for e in range(400):
                for sign in (1, -1):
                    if all((v << e) + sign * Q * sk * row[i] > 0 for row, sk, v in zip(M, s, vals)):
                        cand = list(p)
                        cand[i] += Fraction(sign, 1 << e)
                        if box is None or all(box[0] < v < box[1] for v in cand):
                            q = cand
                            break
                if q is not None:
                    break
            if q is None:
                raise NonGeneric(f"region {reg.index}: no decisive point found")
            pts.append(tuple(q))
        out.append(pts)
    return out
