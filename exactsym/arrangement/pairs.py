"""The per-(region, neuron) evidence of a search, packed per region.

:class:`PairStore` is the mapping ``(r, h) -> entry`` that the traversal and
:class:`~.result.RegionsResult` call ``facets``, stored as one list of H
slots per region instead of one dictionary item per pair. The common lean
entries take no object of their own: a crossing ``("facet", k, None)`` is
stored as the int ``k`` (the same int object as the region index), and a
Farkas support ``("farkas", None, ids)`` as the shared tuple ``ids``; other
entries are stored as they are. Iteration is in ``(r, h)`` order, so writers
need no sort.
"""

from __future__ import annotations

from collections.abc import MutableMapping

__all__ = ["PairStore"]

_SUPPORTS: dict = {}


def intern_support(ids) -> tuple:
    """One tuple object per distinct support (a run has few; it has many entries)."""
    t = tuple(ids)
    return _SUPPORTS.setdefault(t, t)


def _pack(e):
    if e[0] == "facet" and e[2] is None and len(e) == 3:
        return e[1]
    if e[0] == "farkas" and e[1] is None and len(e) == 3 and e[2] is not None:
        return intern_support(e[2])
    return e


def _unpack(v):
    if type(v) is int:
        return ("facet", v, None)
    if not v or type(v[0]) is int:
        return ("farkas", None, v)
    return v


class PairStore(MutableMapping):
    """``(r, h) -> entry`` for regions ``r >= 0`` and neurons ``0 <= h < H`` (see the module)."""

    __slots__ = ("H", "rows", "n")

    def __init__(self, H: int):
        self.H = H
        self.rows = []
        self.n = 0

    def __getitem__(self, key):
        r, h = key
        row = self.rows[r] if 0 <= r < len(self.rows) else None
        v = None if row is None else row[h]
        if v is None:
            raise KeyError(key)
        return _unpack(v)

    def __contains__(self, key):
        r, h = key
        if not 0 <= r < len(self.rows):
            return False
        row = self.rows[r]
        return row is not None and row[h] is not None

    def __setitem__(self, key, e):
        r, h = key
        if r < 0 or not 0 <= h < self.H:
            raise KeyError(key)
        rows = self.rows
        if r >= len(rows):
            rows.extend([None] * (r + 1 - len(rows)))
        row = rows[r]
        if row is None:
            row = rows[r] = [None] * self.H
        if row[h] is None:
            self.n += 1
        row[h] = _pack(e)

    def __delitem__(self, key):
        r, h = key
        if key not in self:
            raise KeyError(key)
        self.rows[r][h] = None
        self.n -= 1

    def __len__(self):
        return self.n

    def __iter__(self):
        for r, row in enumerate(self.rows):
            if row is not None:
                for h, v in enumerate(row):
                    if v is not None:
                        yield (r, h)

    def items(self):
        """``((r, h), entry)`` in (r, h) order."""
        for r, row in enumerate(self.rows):
            if row is not None:
                for h, v in enumerate(row):
                    if v is not None:
                        yield (r, h), _unpack(v)

    def values(self):
        return (e for _, e in self.items())

    def put_supports(self, r, hs, sups) -> None:
        """``self[(r, h)] = ("farkas", None, sup)`` for each h, sup (interned tuples) where (r, h) is undecided."""
        if r >= len(self.rows):
            self.rows.extend([None] * (r + 1 - len(self.rows)))
        row = self.rows[r]
        if row is None:
            row = self.rows[r] = [None] * self.H
        for h, sup in zip(hs, sups):
            if row[h] is None:
                self.n += 1
                row[h] = sup

    def decided(self, r) -> list:
        """The slots of region r (None: not decided), or None when nothing is decided there."""
        return self.rows[r] if 0 <= r < len(self.rows) else None
