"""What a region enumeration returns: regions with exact points, and the result object."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..network.model import Network
from .evidence import domain_json, regions_certificate, regions_evidence

__all__ = ["NonGeneric", "Region", "RegionsResult"]


class NonGeneric(Exception):
    """A configuration that the certificates do not cover (reported, never certified)."""


@dataclass
class Region:
    """One activation region: its pattern and an exact interior point.

    ``affine_map`` (rows, constants) of F and ``inequalities`` (``a . x + c > 0``
    for every hidden neuron, already multiplied by its sign) are computed
    exactly on demand.
    """
    index: int
    pattern: tuple
    point: tuple
    net: Network = field(repr=False, default=None)
    _forms: list = field(repr=False, default=None)

    def _exact(self):
        if self._forms is None:
            from ..check.shared.exact import affine_forms
            self._forms = affine_forms(self.net, self.pattern)
        return self._forms

    @property
    def affine_map(self):
        """``(A, c)`` with ``F(x) = A x + c`` on the region (exact Fractions)."""
        f = self._exact()[self.net.H:]
        return [a for a, _ in f], [c for _, c in f]

    @property
    def inequalities(self):
        """``[(a, c)]`` with ``a . x + c > 0`` exactly the region (one per hidden neuron)."""
        out = []
        for s, (a, c) in zip(self.pattern, self._exact()[:self.net.H]):
            out.append(([s * v for v in a], s * c))
        return out


@dataclass
class RegionsResult:
    """The regions found, whether the list is proven complete, and the evidence.

    ``facets`` maps ``(r, h)`` to ``("facet", k, point)`` (recorded at both
    ends) or ``("farkas", multipliers)``; ``scales`` are the integer-form
    scales :math:`S_h` that raw Farkas multipliers need when written.
    """
    net: Network
    box: object
    regions: list
    complete: bool
    reason: str | None
    facets: dict
    non_generic: list
    stats: dict
    scales: list = field(default=None, repr=False)
    degenerate: list = field(default_factory=list)
    compact_only: bool = False
    classes: dict = field(default_factory=dict, repr=False)
    lean: bool = False
    _dual: object = field(default=None, repr=False)
    _cert: object = field(default=None, repr=False)
    _neuron: object = field(default=None, repr=False)

    @property
    def patterns(self):
        return [r.pattern for r in self.regions]

    @property
    def count(self):
        return len(self.regions)

    def evidence(self, compact: bool = False) -> dict:
        return regions_evidence(self, compact)

    def compact_certificate(self):
        """The ``regions-complete`` certificate in the compact form, or ``None`` when incomplete."""
        return regions_certificate(self, compact=True) if self.complete else None

    @property
    def certificate(self):
        """The ``regions-complete`` certificate, or ``None`` when incomplete."""
        if not self.complete:
            return None
        if self._cert is None:
            self._cert = regions_certificate(self)
        return self._cert

    @property
    def dual_graph(self):
        if self._dual is None:
            from .graphs import dual_graph
            self._dual = dual_graph(self)
        return self._dual

    @property
    def neuron_graph(self):
        if self._neuron is None:
            from .graphs import neuron_graph
            self._neuron = neuron_graph(self)
        return self._neuron

    def to_dict(self) -> dict:
        return {"count": len(self.regions), "complete": self.complete, "n0": self.net.n0,
                "domain": domain_json(self.box), "reason": self.reason,
                "non_generic": self.non_generic[:20], "degenerate": self.degenerate[:20],
                "stats": self.stats}
