r"""Verifier for ``slice-regions-complete``: the exact regions of F on a line or plane.

Certificate::

    {"format": "exactsym-cert/1", "claim": "slice-regions-complete",
     "network": ..., "network_sha256": ...,       # the network F on R^n0
     "domain": "R^n" | {"box": [lo, hi]},         # in the slice coordinates u
     "evidence": {"points": [[...], [...], ([...])],   # P_0, P_1 (, P_2) in R^n0
                  "sliced_network_sha256": ...,        # G(u) = F(P_0 + D u)
                  "regions": {regions-complete evidence of G}}}

The domain is in the slice coordinates :math:`u \in \mathbb{R}^k` (k = 1 for a line,
2 for a plane); for that reason a slice claim cannot be a sub-claim of a bundle, whose
domain is read in the network's input coordinates. The checker recomputes :math:`G` from :math:`F` and the points exactly
(:mod:`.shared.slice`), compares its SHA-256, and verifies the inner
evidence exactly as a ``regions-complete`` certificate of :math:`G` on the
domain. The regions of :math:`G` are the traces of the regions of
:math:`F` on the slice (``proofs/slices.md``).
"""

from __future__ import annotations

from .common import CheckFailure, load_network, parse_domain, rational_vector
from .regions import verify_regions_evidence
from .shared.slice import affine_slice

__all__ = ["VERIFIERS"]


def verify_slice_regions(cert) -> str:
    net = load_network(cert)
    ev = cert["evidence"]
    if not isinstance(ev, dict) or set(ev) != {"points", "sliced_network_sha256", "regions"}:
        raise CheckFailure("evidence must have exactly the keys points, sliced_network_sha256, regions")
    pts = ev["points"]
    if not isinstance(pts, list) or len(pts) not in (2, 3):
        raise CheckFailure("evidence.points must list 2 or 3 points")
    pts = [rational_vector(p, net.n0, f"evidence.points[{i}]") for i, p in enumerate(pts)]
    try:
        sliced = affine_slice(net, pts)
    except ValueError as e:
        raise CheckFailure(f"evidence.points: {e}") from None
    if ev["sliced_network_sha256"] != sliced.sha256():
        raise CheckFailure("sliced_network_sha256 does not match the slice of the network")
    box = parse_domain(cert.get("domain"), sliced.n0)
    R, nf, nk = verify_regions_evidence(sliced, box, ev["regions"], zero_labels=True)
    kind = "line" if len(pts) == 2 else "plane"
    where = f"R^{sliced.n0}" if box is None else f"[{box[0]}, {box[1]}]^{sliced.n0}"
    return (f"exactly {R} activation regions of F on the {kind} through the given points "
            f"(slice coordinates u in {where}); {nf} facets, {nk} Farkas certificates")


VERIFIERS = {"slice-regions-complete": verify_slice_regions}
