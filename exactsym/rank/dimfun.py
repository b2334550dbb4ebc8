r"""The functional dimension :math:`\dim_{fun}(\theta)` itself, proven when it can be.

:math:`\dim_{fun}(\theta) = \max_Z \operatorname{rank} J_Z` over finite sets Z of
smooth points of the domain (SPEC 2). Two facts decide it:

* *cap*: the scaling generators lie in every :math:`\ker J_Z`, so
  :math:`\operatorname{rank} J_Z \le D - \operatorname{rank} S` (the cap;
  ``D - H`` when every hidden incoming row is nonzero). A batch whose
  certified rank reaches the cap proves :math:`\dim_{fun} =` cap (``fdim>=r``
  certificate: lower bound from a minor, upper bound from the cap).
* *decisive set*: with a certified complete region enumeration, the rank
  over ``n0 + 1`` affinely independent points per region is
  :math:`\dim_{fun}` exactly (:mod:`.decisive`, ``fdim=r`` certificate:
  a minor and D - r exact kernel vectors).

Otherwise the answer is the batch rank, labelled as a lower bound of
:math:`\dim_{fun}` with the reason (the enumeration's budget) and what to raise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..network.model import Network

__all__ = ["DimFunResult", "dim_fun"]


@dataclass
class DimFunResult:
    """``rank``: dim_fun when ``exact``, else a certified lower bound (the batch's rank)."""
    rank: int
    bound: int
    D: int
    H: int
    exact: bool
    what: str
    domain: object
    seed: int
    how: str
    reason: str | None
    batch: object = None
    decisive: object = None
    regions: object = None
    certificate: dict | None = None

    def to_dict(self) -> dict:
        b = self.batch
        return {"rank": self.rank, "bound": self.bound, "D": self.D, "H": self.H, "exact": self.exact,
                "what": self.what, "domain": self.domain, "seed": self.seed, "how": self.how,
                "reason": self.reason,
                "batch_rank": None if b is None else b.rank,
                "batch_exact": None if b is None else b.exact,
                "n_points": None if b is None else b.n_points,
                "regions": None if self.regions is None else len(self.regions.regions),
                "regions_complete": None if self.regions is None else bool(self.regions.complete)}


def dim_fun(net: Network, box=None, seed: int = 0, n_points: int | None = None,
            max_regions: int | None = 5000, time_limit: float | None = 60.0, progress=None,
            regions_result=None, deadline: float | None = None) -> DimFunResult:
    """:math:`\\dim_{fun}(\\theta)` on R^n0 (``box=None``) or ``[lo, hi]^n0``.

    Batch first (cheap); when it falls short of the cap, a region
    enumeration within ``max_regions`` / ``time_limit`` (wall clock over
    every phase; ``deadline`` is an absolute ``time.monotonic()`` end) and
    the decisive set. ``regions_result``: a finished enumeration to reuse.
    ``progress``: a callable taking one line per phase.
    """
    from ..arrangement.evidence import domain_json
    from .fdim import functional_dimension
    t0 = time.monotonic()
    if deadline is None and time_limit is not None:
        deadline = t0 + time_limit
    dom = domain_json(box)
    fd = functional_dimension(net, n_points=n_points, seed=seed, box=box, progress=progress,
                              time_limit=None if deadline is None else max(0.0, deadline - t0))
    base = dict(bound=net.bound, D=net.D, H=net.H, domain=dom, seed=seed, batch=fd)
    if fd.rank == fd.cap:
        return DimFunResult(fd.rank, exact=True, what="dim_fun", certificate=fd.certificate,
                            how=f"a batch of {fd.n_points} points reaches the cap D - rank S = {fd.cap}",
                            reason=None, **base)
    reg = regions_result
    if reg is None:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return _lower(fd, base, "time limit reached before the region enumeration", None)
        from ..arrangement import regions
        if progress:
            progress("regions: enumerating for a decisive set")
        reg = regions(net, box=box, max_regions=max_regions, time_limit=left, progress=False)
    if not reg.complete:
        return _lower(fd, base, f"region enumeration incomplete: {reg.reason}", reg)
    from .decisive import functional_dimension_decisive
    if progress:
        progress(f"decisive set: {len(reg.regions)} regions, {len(reg.regions) * (net.n0 + 1)} points")
    dec = functional_dimension_decisive(net, box=box, result=reg)
    return DimFunResult(dec.rank, exact=True, what="dim_fun", certificate=dec.certificate,
                        how=(f"decisive set over {len(reg.regions)} certified regions, with "
                             f"D - {dec.rank} exact kernel vectors"),
                        reason=None, decisive=dec, regions=reg, **base)


def _lower(fd, base, why, reg) -> DimFunResult:
    what = "exact rank" if fd.exact else "certified lower bound of the rank"
    return DimFunResult(fd.rank, exact=False, what="batch", certificate=fd.certificate,
                        how=f"{what} of a batch of {fd.n_points} points: dim_fun >= {fd.rank}",
                        reason=f"{why}; raise --max-regions / --time-limit for the exact dim_fun",
                        regions=reg, **base)
