r"""Exact functional equivalence: does :math:`F_1 = F_2` on R^n0 (or a box)?

Method (``proofs/equivalence.md``): build the *difference network*
(:func:`exactsym.check.equiv.difference_network`), whose activation regions
are the cells of the common refinement of the two networks' regions and
whose output is :math:`F_1 - F_2`. Then

* first, cheap refutation: exact evaluation at seeded random rational
  points; a difference is a ``not-equivalent`` certificate at once;
* ``n0 = 1`` on R: an exact walk along the line finds every point where the
  difference network's pattern changes (coinciding breakpoints are fine);
  both networks are affine between consecutive points, so equality at two
  points of each piece decides;
* otherwise: a complete certified region enumeration of the difference
  network (:func:`exactsym.regions.regions`) and a zero test of the affine
  output map on every cell. Degenerate arrangements (coinciding bent
  hyperplanes, as in most hidden-symmetry witnesses) make that enumeration
  non-generic, and the answer is then ``undecided`` with the reason.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction

from ..check.shared.difference import difference_network, reduce_network
from ..check.shared.exact import affine_forms
from ..check.shared.orbit import same_orbit
from ..network.model import Network
from ..network.numbers import fmt
from .mechanisms import domain_json

__all__ = ["EquivResult", "equivalent", "line_breakpoints", "NonGeneric"]


class NonGeneric(Exception):
    """The arrangement is degenerate where the method needs genericity."""


@dataclass
class EquivResult:
    equivalent: bool | None         # None: undecided
    same_orbit: bool
    reason: str
    point: list | None = None
    values: list | None = None
    certificate: dict | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        d = {"equivalent": self.equivalent, "same_orbit": self.same_orbit, "reason": self.reason}
        if self.point is not None:
            d["point"] = [fmt(v) for v in self.point]
            d["values"] = [[fmt(v) for v in vals] for vals in self.values]
        return d


def _pattern(net, x):
    zs = net.preactivations(x)
    return [(v > 0) - (v < 0) for z in zs[:-1] for v in z]


def _piece(net, x):
    """Pattern at x and the (left, right) ends of the maximal open interval around x on
    which every hidden pre-activation keeps its sign.

    A neuron may be 0 at x only if it is identically 0 on the piece (its
    affine form there vanishes); otherwise x is not a valid interior point
    and ``None`` is returned.
    """
    s = _pattern(net, x)
    mask = [v if v else -1 for v in s]
    forms = affine_forms(net, mask)[:net.H]
    left, right = None, None
    for (a, c), sk in zip(forms, s):
        slope = a[0]
        if sk == 0:
            if slope != 0 or c != 0:
                return None
            continue
        if slope == 0:
            continue
        root = -c / slope
        if sk * slope < 0:          # decreasing towards zero on the right
            right = root if right is None or root < right else right
        else:
            left = root if left is None or root > left else left
    return s, left, right, forms


def _step_past(net, r, direction, forms=None):
    """A valid point just past r (right if direction=+1) whose piece starts at r."""
    delta = Fraction(1)
    if forms:
        gaps = [abs(-c / a[0] - r) for a, c in forms if a[0] != 0 and -c / a[0] != r]
        if gaps:
            delta = min(min(gaps) / 2, delta)
    for _ in range(400):
        p = r + direction * delta
        info = _piece(net, [p])
        if info is not None and (info[1] if direction > 0 else info[2]) == r:
            return p
        delta /= 2
    raise NonGeneric(f"cannot step past {fmt(r)}")


def _ends(net, x):
    info = _piece(net, x)
    if info is None:
        raise NonGeneric(f"no valid piece at {fmt(x[0])}")
    return info


def line_breakpoints(net: Network, max_pieces: int = 100_000) -> list[Fraction]:
    """Every point of R where the activation pattern of ``net`` (n0 = 1) changes, exactly.

    Walks from piece to piece: on a piece every pre-activation is affine in
    x, so the piece ends at the nearest root of a sign-carrying form; the
    next piece is entered at a point whose own piece provably starts there.
    """
    if net.n0 != 1:
        raise ValueError("line_breakpoints needs n0 = 1")
    x = Fraction(0)
    if _piece(net, [x]) is None:
        x = _step_past(net, x, +1)
    for _ in range(max_pieces):                 # walk to the leftmost piece
        _, left, _, forms = _ends(net, [x])
        if left is None:
            break
        x = _step_past(net, left, -1, forms)
    points = []
    for _ in range(max_pieces):
        _, _, right, forms = _ends(net, [x])
        if right is None:
            return points
        points.append(right)
        x = _step_past(net, right, +1, forms)
    raise NonGeneric("too many pieces")


def _cert(a, b, box, claim, evidence):
    ev = {"network2": b.to_dict(), "network2_sha256": b.sha256()}
    ev.update(evidence)
    return {"format": "exactsym-cert/1", "claim": claim, "network": a.to_dict(),
            "network_sha256": a.sha256(), "domain": domain_json(box), "evidence": ev}


def _differ(a, b, box, x, orbit, why):
    fa, fb = a.forward(x), b.forward(x)
    cert = _cert(a, b, box, "not-equivalent", {"point": [fmt(v) for v in x],
                                                 "values": [[fmt(v) for v in fa], [fmt(v) for v in fb]]})
    return EquivResult(False, orbit, why, list(x), [fa, fb], cert)


def equivalent(a: Network, b: Network, box=None, seed: int = 0, n_probe: int = 64,
               max_regions: int | None = 100_000, time_limit: float | None = None) -> EquivResult:
    """Decide ``F_a = F_b`` on R^n0 (``box=None``) or on ``[lo, hi]^n0`` exactly."""
    if a.n0 != b.n0 or a.n_out != b.n_out:
        raise ValueError(f"networks map R^{a.n0} -> R^{a.n_out} and R^{b.n0} -> R^{b.n_out}")
    try:
        orbit = same_orbit(a, b)
    except RuntimeError:
        orbit = False
    if orbit:      # G preserves F (Lemma O1 of proofs/mechanisms.md)
        return EquivResult(True, True, "network2 lies in the orbit G . network1",
                           certificate=_cert(a, b, box, "equivalent", {"method": "orbit"}))
    rng = random.Random(seed)
    lo, hi = (box if box is not None else (Fraction(-8), Fraction(8)))
    for _ in range(n_probe):
        x = [lo + (hi - lo) * Fraction(rng.randrange(1, 1024), 1024) for _ in range(a.n0)]
        if a.forward(x) != b.forward(x):
            return _differ(a, b, box, x, orbit, "outputs differ at a rational point")
    if a.depth != b.depth:
        return EquivResult(None, orbit, "undecided: networks of different depths are not compared "
                           "by refinement in this version (no difference found at probe points)")
    d = difference_network(a, b)
    if a.n0 == 1 and box is None:
        try:
            ts = line_breakpoints(d)
        except NonGeneric as e:
            return EquivResult(None, orbit, f"undecided: {e}")
        ends = [None] + ts + [None]
        for i in range(len(ends) - 1):
            l, r = ends[i], ends[i + 1]
            mid = Fraction(0) if l is None and r is None else (r - 1 if l is None else (l + 1 if r is None else (l + r) / 2))
            other = (mid + l) / 2 if l is not None else mid - 1
            for p in (mid, other):
                if a.forward([p]) != b.forward([p]):
                    return _differ(a, b, box, [p], orbit, "outputs differ on a piece of the line")
        cert = _cert(a, b, box, "equivalent", {"method": "line", "breakpoints": [fmt(t) for t in ts]})
        return EquivResult(True, orbit, f"equal on all {len(ts) + 1} pieces of the line", certificate=cert)
    try:
        from ..arrangement import regions as enumerate_regions
    except ImportError:
        return EquivResult(None, orbit, "undecided: region enumeration is not available")
    d = reduce_network(d)      # merge the copies of neurons the two networks share
    if not any(any(any(r) for r in W) or any(bb) for W, bb in d.layers[:-1]):
        if any(d.layers[-1][1]) or (d.depth == 1 and any(any(r) for r in d.layers[0][0])):
            x = [Fraction(0)] * a.n0 if box is None else [box[0]] * a.n0
            return _differ(a, b, box, x, orbit, "F1 - F2 is a nonzero affine map")
        return EquivResult(True, orbit, "the reduced difference network is the zero map",
                           certificate=_cert(a, b, box, "equivalent", {"method": "affine"}))
    res = enumerate_regions(d, box=box, max_regions=max_regions, time_limit=time_limit, progress=False)
    if not res.complete:
        return EquivResult(None, orbit, f"undecided: refinement enumeration incomplete ({res.reason})")
    for reg in res.regions:
        forms = affine_forms(d, reg.pattern)[d.H:]
        if any(any(c != 0 for c in coef) or const != 0 for coef, const in forms):
            return _differ(a, b, box, list(reg.point), orbit, "outputs differ on a cell of the common refinement")
    cert = _cert(a, b, box, "equivalent", {"method": "refinement", "regions": res.certificate["evidence"]})
    return EquivResult(True, orbit, f"equal on all {len(res.regions)} cells of the common refinement",
                       certificate=cert)
