r"""Trusted verifiers for ``equivalent`` and ``not-equivalent``. Standard library only.

The *difference network* of two networks with the same input and output
widths and the same depth stacks their hidden layers side by side
(block-diagonal weights, shared input) and subtracts the outputs:
:math:`F_{\Delta} = F_1 - F_2`. Its activation regions are exactly the
cells of the common refinement of the two region sets, and on each cell
both networks are affine. ``proofs/equivalence.md`` proves both claims.

``not-equivalent``: evidence ``{"network2": net, "network2_sha256": sha, "point": [...], "values": [[...], [...]]}``;
the checker evaluates both networks exactly at the point.

``equivalent``: evidence ``{"network2": net, "method": "line", "breakpoints": [...]}`` (n0 = 1)
or ``{"network2": net, "method": "refinement", "regions": <regions-complete evidence
of the difference network>}``.

* line: sorted rationals ``t_1 < ... < t_m``. For each open piece (including
  the two rays) the checker takes the difference network's pattern at an
  interior point, and checks that every hidden neuron's affine form on that
  pattern keeps its sign (weakly) up to both ends of the piece (for a ray,
  that its slope does not turn it around); so each network is affine on
  the piece (a neuron that is 0 there must have the zero form, so it is 0 on
  the whole piece). It then checks ``F_1 = F_2`` at two distinct interior points
  of each piece; an affine function vanishing at two points of a segment or
  ray vanishes on it, and by continuity on its closure.
* refinement: the regions-complete verifier accepts the evidence for the
  difference network, and on every listed region the output's affine form
  is identically zero; the closures of the regions cover the domain and
  ``F_1 - F_2`` is continuous.
"""

from __future__ import annotations

from fractions import Fraction

from ..network import Network, NetworkError
from .common import CheckFailure, affine_forms, load_network, parse_domain, rational, rational_vector

__all__ = ["difference_network", "VERIFIERS"]


def difference_network(a: Network, b: Network) -> Network:
    """Parallel composition of ``a`` and ``b`` with output ``F_a - F_b`` (same depth required)."""
    if a.n0 != b.n0 or a.n_out != b.n_out:
        raise ValueError("networks have different input or output widths")
    if a.depth != b.depth:
        raise ValueError("networks have different depths")
    arch = [a.n0] + [a.architecture[l] + b.architecture[l] for l in range(1, a.depth)] + [a.n_out]
    Z = Fraction(0)
    layers = []
    for l in range(1, a.depth + 1):
        Wa, ba = a.layers[l - 1]
        Wb, bb = b.layers[l - 1]
        if l == a.depth == 1:      # both affine: the difference of the maps
            W = [[x - y for x, y in zip(ra, rb)] for ra, rb in zip(Wa, Wb)]
            bias = [x - y for x, y in zip(ba, bb)]
        elif l == a.depth:
            W = [list(ra) + [-v for v in rb] for ra, rb in zip(Wa, Wb)]
            bias = [x - y for x, y in zip(ba, bb)]
        elif l == 1:
            W = [list(r) for r in Wa] + [list(r) for r in Wb]
            bias = list(ba) + list(bb)
        else:
            pa, pb = a.architecture[l - 1], b.architecture[l - 1]
            W = [list(r) + [Z] * pb for r in Wa] + [[Z] * pa + list(r) for r in Wb]
            bias = list(ba) + list(bb)
        layers.append((W, bias))
    return Network(arch, layers)


def _network2(cert) -> Network:
    try:
        net = Network.from_dict(cert["evidence"].get("network2"))
    except NetworkError as e:
        raise CheckFailure(f"network2: {e}") from None
    if cert["evidence"].get("network2_sha256") != net.sha256():
        raise CheckFailure("network2_sha256 does not match network2")
    return net


def verify_not_equivalent(cert) -> str:
    a = load_network(cert)
    b = _network2(cert)
    if a.n0 != b.n0 or a.n_out != b.n_out:
        return "input or output widths differ"
    x = rational_vector(cert["evidence"].get("point"), a.n0, "evidence.point")
    box = parse_domain(cert.get("domain"), a.n0)
    if box is not None and not all(box[0] <= v <= box[1] for v in x):
        raise CheckFailure("the point lies outside the domain box")
    fa, fb = a.forward(x), b.forward(x)
    if fa == fb:
        raise CheckFailure("both networks agree at the given point")
    vals = cert["evidence"].get("values")
    if vals is not None:
        if [rational_vector(v, a.n_out, "evidence.values") for v in vals] != [fa, fb]:
            raise CheckFailure("evidence.values are not the exact outputs")
    return "the networks differ at the given rational point"


def _piece_ok(forms, pattern, lo, hi, x_mid) -> None:
    """Every hidden form keeps its (weak) sign on [lo, hi] (None = infinite end)."""
    for (a, c), s in zip(forms, pattern):
        slope = a[0]
        for end, direction in ((lo, -1), (hi, +1)):
            if end is None:
                if s * slope * direction < 0:
                    raise CheckFailure("a neuron changes sign on an unbounded piece")
            elif s * (slope * end + c) < 0:
                raise CheckFailure("a neuron changes sign inside a piece: breakpoints are incomplete")


def verify_equivalent(cert) -> str:
    a = load_network(cert)
    b = _network2(cert)
    try:
        dnet = difference_network(a, b)
    except ValueError as e:
        raise CheckFailure(str(e)) from None
    ev = cert["evidence"]
    method = ev.get("method")
    H = dnet.H
    if method == "line":
        if a.n0 != 1:
            raise CheckFailure("the line method needs n0 = 1")
        if cert.get("domain") not in ("R^n", "R^1"):
            raise CheckFailure("the line method is for the domain R^1")
        ts = rational_vector(ev.get("breakpoints"), None, "evidence.breakpoints")
        if any(not ts[i] < ts[i + 1] for i in range(len(ts) - 1)):
            raise CheckFailure("breakpoints are not strictly increasing")
        ends = [None] + ts + [None]
        for i in range(len(ends) - 1):
            lo, hi = ends[i], ends[i + 1]
            if lo is None and hi is None:
                mid = Fraction(0)
            elif lo is None:
                mid = hi - 1
            elif hi is None:
                mid = lo + 1
            else:
                mid = (lo + hi) / 2
            zs = dnet.preactivations([mid])
            pattern = [(v > 0) - (v < 0) for z in zs[:-1] for v in z]
            forms = affine_forms(dnet, [v if v else -1 for v in pattern])[:H]
            for (coef, const), v in zip(forms, pattern):
                # a neuron that is 0 at an interior point must vanish on the whole piece
                if v == 0 and (coef[0] != 0 or const != 0):
                    raise CheckFailure(f"a breakpoint is missing near {mid}")
            _piece_ok(forms, pattern, lo, hi, mid)
            other = (mid + lo) / 2 if lo is not None else mid - 1
            for p in (mid, other):
                if a.forward([p]) != b.forward([p]):
                    raise CheckFailure(f"F1 != F2 at {p}")
        return f"F1 = F2 on R: both affine on each of the {len(ts) + 1} pieces and equal at two points of each"
    if method == "refinement":
        from . import check_certificate
        sub = {"format": cert["format"], "claim": "regions-complete", "network": dnet.to_dict(),
               "network_sha256": dnet.sha256(), "domain": cert.get("domain"),
               "evidence": ev.get("regions")}
        r = check_certificate(sub)
        if not r.valid:
            raise CheckFailure(f"refinement: {r.reason}")
        regions = ev["regions"]["regions"]
        for k, reg in enumerate(regions):
            forms = affine_forms(dnet, reg["pattern"])[H:]
            if any(any(c != 0 for c in coef) or const != 0 for coef, const in forms):
                raise CheckFailure(f"F1 - F2 is not zero on refinement cell {k}")
        return f"F1 = F2: zero on all {len(regions)} cells of a complete common refinement"
    raise CheckFailure(f"unknown method {method!r}")


VERIFIERS = {"equivalent": verify_equivalent, "not-equivalent": verify_not_equivalent}
