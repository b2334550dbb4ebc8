r"""Regions of F on a 2-D plane (or a line) through given points of R^n0.

For n0 > 2 the regions cannot be drawn, but their trace on a plane can:
:func:`slice_regions` enumerates and certifies the regions of
:math:`G(u) = F(P_0 + u_1 (P_1 - P_0) + u_2 (P_2 - P_0))` on
:math:`\mathbb{R}^2` (or a box in the coordinates :math:`u`), which are
exactly the traces of the regions of F on that plane
(:mod:`exactsym.check.shared.slice`). In the slice coordinates the points
are :math:`P_0 = (0, 0)`, :math:`P_1 = (1, 0)`, :math:`P_2 = (0, 1)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..check.shared.slice import affine_slice
from ..network.model import Network
from ..network.numbers import fmt
from .evidence import domain_json
from .result import RegionsResult
from .search import regions

__all__ = ["slice_regions", "SliceResult"]


@dataclass
class SliceResult:
    """The regions of the sliced network and the slice that defines it."""
    net: Network                   # F on R^n0
    points: list                   # P_0, P_1 (, P_2), exact
    result: RegionsResult          # regions of G on R^k (k = 1 or 2), in slice coordinates
    _cert: dict = field(default=None, repr=False)

    @property
    def certificate(self):
        """The ``slice-regions-complete`` certificate (full evidence form), or None when incomplete."""
        if self._cert is None:
            self._cert = self.certificate_form(compact=False)
        return self._cert

    def certificate_form(self, compact: bool):
        """The certificate with the inner regions evidence in the compact or the full form."""
        if not self.result.complete:
            return None
        return {"format": "exactsym-cert/1", "claim": "slice-regions-complete",
                "network": self.net.to_dict(), "network_sha256": self.net.sha256(),
                "domain": domain_json(self.result.box),
                "evidence": {"points": [[fmt(v) for v in p] for p in self.points],
                             "sliced_network_sha256": self.result.net.sha256(),
                             "regions": self.result.evidence(compact)}}


def slice_regions(net: Network, points, box=None, **kwargs) -> SliceResult:
    """Certified regions of ``net`` on the line (2 points) or plane (3 points) through ``points``.

    ``box`` bounds the slice coordinates ``u`` (``[lo, hi]^k``); other
    keyword arguments go to :func:`~.traversal.regions`.
    """
    sliced = affine_slice(net, points)
    res = regions(sliced, box=box, **kwargs)
    from fractions import Fraction
    return SliceResult(net, [[Fraction(v) for v in p] for p in points], res)
