"""The entry point :func:`regions`: the sequential search (:mod:`.traversal`) or the chunked one (:mod:`.parallel`)."""

from __future__ import annotations

from fractions import Fraction

from ..network.model import Network
from .parallel import LevelTraversal
from .result import NonGeneric, Region, RegionsResult
from .traversal import _Traversal

__all__ = ["regions"]


def regions(net: Network, box=None, max_regions: int | None = None, time_limit: float | None = None,
            progress: bool = True, max_memory="auto", lean: bool = False,
            workers: int | None = None, scheduler: str | None = None, client=None) -> RegionsResult:
    """Enumerate and certify the activation regions of ``net`` on R^n0 or ``[lo, hi]^n0``.

    Returns a :class:`~.result.RegionsResult`: ``regions`` (each with ``pattern``,
    exact interior ``point``, ``affine_map`` and ``inequalities``),
    ``complete`` (True only with a full certificate), ``reason`` when
    incomplete, ``certificate`` (regions-complete) and the networkx graphs
    ``dual_graph`` and ``neuron_graph``. ``max_regions`` / ``time_limit``
    stop the traversal cleanly with ``complete=False``; so does ``max_memory``
    (MiB of resident memory; ``"auto"``: half the memory available at the
    start, see :mod:`.memory`; None: no limit). ``lean`` keeps only what the
    compact certificate needs (then ``certificate`` is the compact form).
    ``workers``: None for the sequential search; an integer N >= 1 for the
    level-synchronous search of :mod:`.parallel` on N processes, whose result
    (regions, their order, the certificate) is the same for every N.
    ``scheduler`` (a dask.distributed address) or ``client`` (a
    ``distributed.Client``): the same chunked search with the visits on the
    Dask cluster, the same result again.
    """
    if box is not None:
        box = (Fraction(box[0]), Fraction(box[1]))
        if not box[0] < box[1]:
            raise ValueError("empty box")
    if net.H == 0:
        pt = tuple([Fraction(0)] * net.n0) if box is None else tuple([(box[0] + box[1]) / 2] * net.n0)
        return RegionsResult(net, box, [Region(0, (), pt, net)], True, None, {}, [], {"regions": 1})
    if workers is not None or scheduler is not None or client is not None:
        tr = LevelTraversal(net, box, max_regions, time_limit, progress, max_memory, lean)
        run = lambda: tr.run_levels(workers or 1, scheduler, client)  # noqa: E731
    else:
        tr = _Traversal(net, box, max_regions, time_limit, progress, max_memory, lean)
        run = tr.run
    try:
        return run()
    except NonGeneric as e:
        return RegionsResult(net, box, [], False, f"non-generic: {e}", {}, [str(e)], tr.stats)
