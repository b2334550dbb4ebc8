r"""The arrangement: activation patterns and the certified enumeration of regions.

Data flow inside: :mod:`.patterns` (exact and float labels of points) and
:mod:`.forms` (exact integer forms per pattern) feed the traversal
(:mod:`.traversal`, a BFS over the dual graph), which asks :mod:`.proposals`
for float LP proposals and :mod:`.witnesses` for the exact points and
Farkas identities that decide each (region, neuron) pair; :mod:`.evidence`
writes the ``regions-complete`` certificate; :mod:`.graphs` reads a finished
:class:`RegionsResult` into networkx graphs. :mod:`.line` handles n0 = 1 with
exact breakpoints and :mod:`.decisive` picks decisive points per region.
:mod:`.exactlp` (an exact simplex over Q) decides the pairs the float LPs
could not; :mod:`.parallel` runs the search on N processes with the same
result for every N; :mod:`.search` holds the entry point :func:`regions`;
:mod:`.memory` the default memory budget; :mod:`.filters` the float64
filters with a proven error bound that decide most signs before the exact
paths (``proofs/float-filter.md``); :mod:`.pairs` the per-region packed
evidence.
:mod:`.slice` enumerates the regions on a plane or line through given points.
"""

from .decisive import decisive_points
from .evidence import domain_json, evidence_digest
from .line import line_regions
from .result import NonGeneric, Region, RegionsResult
from .search import regions
from .slice import SliceResult, slice_regions

__all__ = ["regions", "RegionsResult", "Region", "line_regions", "decisive_points",
           "NonGeneric", "evidence_digest", "domain_json", "slice_regions", "SliceResult"]
