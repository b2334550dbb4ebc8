r"""Trusted verifiers for ``equivalent`` and ``not-equivalent``. Standard library only.

The *difference network* of two networks with the same input and output
widths and the same depth stacks their hidden layers side by side
(block-diagonal weights, shared input) and subtracts the outputs:
:math:`F_{\Delta} = F_1 - F_2`. Its activation regions are exactly the
cells of the common refinement of the two region sets, and on each cell
both networks are affine. ``proofs/equivalence.md`` proves both claims.

Evidence has exactly the keys listed (``values`` optional), networks are parsed strictly.

``not-equivalent``: evidence ``{"network2": net, "network2_sha256": sha, "point": [...], "values": [[...], [...]]}``;
the checker evaluates both networks exactly at the point.

``equivalent``: evidence ``{"network2": net, "method": "line", "breakpoints": [...]}`` (n0 = 1),
``{"network2": net, "method": "refinement", "regions": <regions-complete evidence
of the reduced difference network>}``, ``{"network2": net, "method": "orbit"}``
(network2 lies in ``G . network``, decided exactly by
:func:`exactsym.symmetry.same_orbit`; G preserves F) or
``{"network2": net, "method": "affine"}`` (the reduced difference network has
no active hidden neuron and a zero output bias).

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
  *reduced* difference network (:func:`reduce_network`: idle neurons removed,
  positively proportional neurons merged; same function), and on every listed region the output's affine form
  is identically zero; the closures of the regions cover the domain and
  ``F_1 - F_2`` is continuous.
"""

from __future__ import annotations

from fractions import Fraction

from ..network.model import Network
from .common import (
    CheckFailure,
    affine_forms,
    keys,
    load_network,
    parse_domain,
    rational_vector,
    strict_network,
)
from .shared.difference import difference_network, reduce_network

__all__ = ["VERIFIERS"]


#: evidence keys of ``equivalent`` besides network2 and its hash, per method
METHOD_KEYS = {"line": ("breakpoints",), "refinement": ("regions",), "orbit": (), "affine": ()}


def _network2(cert) -> Network:
    ev = cert["evidence"]
    net = strict_network(ev.get("network2"), "evidence.network2")
    sha = ev.get("network2_sha256")
    if not isinstance(sha, str) or sha != net.sha256():
        raise CheckFailure("network2_sha256 does not match network2")
    return net


def verify_not_equivalent(cert) -> str:
    keys(cert["evidence"], "evidence", required=("network2", "network2_sha256", "point"), optional=("values",))
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
    if "values" in cert["evidence"]:
        vals = cert["evidence"]["values"]
        if not isinstance(vals, list) or len(vals) != 2:
            raise CheckFailure("evidence.values must list the two output vectors")
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
    ev = cert["evidence"]
    method = ev.get("method") if isinstance(ev, dict) else None
    if method not in METHOD_KEYS:
        raise CheckFailure(f"unknown method {str(method)[:40]!r}")
    keys(ev, "evidence", required=("network2", "network2_sha256", "method") + METHOD_KEYS[method])
    a = load_network(cert)
    b = _network2(cert)
    try:
        dnet = difference_network(a, b)
    except ValueError as e:
        raise CheckFailure(str(e)) from None
    return _METHODS[method](cert, ev, a, b, dnet)


def _line_mid(lo, hi):
    """A point inside the piece (lo, hi) of the line (None: an infinite end)."""
    if lo is None and hi is None:
        return Fraction(0)
    if lo is None:
        return hi - 1
    if hi is None:
        return lo + 1
    return (lo + hi) / 2


def _by_line(cert, ev, a, b, dnet) -> str:
    """n0 = 1: on each piece between listed breakpoints both maps are affine and agree at two points."""
    if a.n0 != 1:
        raise CheckFailure("the line method needs n0 = 1")
    if cert.get("domain") not in ("R^n", "R^1"):
        raise CheckFailure("the line method is for the domain R^1")
    ts = rational_vector(ev.get("breakpoints"), None, "evidence.breakpoints")
    if any(not ts[i] < ts[i + 1] for i in range(len(ts) - 1)):
        raise CheckFailure("breakpoints are not strictly increasing")
    ends = [None] + ts + [None]
    for lo, hi in zip(ends, ends[1:]):
        mid = _line_mid(lo, hi)
        zs = dnet.preactivations([mid])
        pattern = [(v > 0) - (v < 0) for z in zs[:-1] for v in z]
        forms = affine_forms(dnet, [v if v else -1 for v in pattern])[:dnet.H]
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


def _by_orbit(cert, ev, a, b, dnet) -> str:
    from .shared.orbit import same_orbit
    try:
        inside = same_orbit(a, b)
    except RuntimeError as e:
        raise CheckFailure(f"orbit test undecided: {e}") from None
    if not inside:
        raise CheckFailure("network2 is not in G . network")
    return "F1 = F2: network2 lies in the orbit G . network (permutations and positive scalings)"


def _by_affine(cert, ev, a, b, dnet) -> str:
    dnet = reduce_network(dnet)
    if any(any(any(r) for r in W) or any(bb) for W, bb in dnet.layers[:-1]):
        raise CheckFailure("the reduced difference network still has active hidden neurons")
    if any(dnet.layers[-1][1]) or (dnet.depth == 1 and any(any(r) for r in dnet.layers[0][0])):
        raise CheckFailure("F1 - F2 is a nonzero affine map")
    return "F1 = F2: the reduced difference network is the zero map"


def _by_refinement(cert, ev, a, b, dnet) -> str:
    """A complete region list of the reduced difference network with zero output forms on every cell."""
    from . import check_certificate
    dnet = reduce_network(dnet)
    sub = {"format": cert["format"], "claim": "regions-complete", "network": dnet.to_dict(),
           "network_sha256": dnet.sha256(), "domain": cert.get("domain"), "evidence": ev.get("regions")}
    r = check_certificate(sub)
    if not r.valid:
        raise CheckFailure(f"refinement: {r.reason}")
    regions = ev["regions"]["regions"]
    for k, reg in enumerate(regions):
        forms = affine_forms(dnet, reg["pattern"])[dnet.H:]
        if any(any(c != 0 for c in coef) or const != 0 for coef, const in forms):
            raise CheckFailure(f"F1 - F2 is not zero on refinement cell {k}")
    return f"F1 = F2: zero on all {len(regions)} cells of a complete common refinement"


_METHODS = {"line": _by_line, "orbit": _by_orbit, "affine": _by_affine, "refinement": _by_refinement}


VERIFIERS = {"equivalent": verify_equivalent, "not-equivalent": verify_not_equivalent}
