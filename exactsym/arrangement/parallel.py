r"""Parallel enumeration: the breadth-first search in fixed-size chunks, visits on N processes.

The queue is taken in chunks of :data:`CHUNK` regions. Every region of a chunk
is visited (float proposals, exact witnesses: :meth:`~.traversal._Traversal._visit`)
from the state at the start of the chunk only: its pattern, the facet
witness it was entered by, and which of its pairs are already decided. A visit
is therefore a pure function of data fixed before the chunk starts, and the
chunk boundaries do not depend on N; the results are merged in queue order,
so new regions get the same indices, and the result (regions, points,
evidence, certificate) is identical for every N, ``N = 1`` included (run
in-process). A pair decided twice in one chunk (from both sides of a facet)
keeps the first record in queue order; both are valid evidence.

Scaling out: a chunk is a list of independent tasks of a few hundred bytes
each (a pattern, an entry point, the decided neurons), and a visit's result
is its region's evidence, so the same loop runs on a Dask cluster
(``scheduler=`` an address, or ``client=``): the network is scattered to the
workers once, each chunk is sent as batches of :data:`BATCH` tasks
(``client.map``) and gathered in order, and every worker thread keeps its
own visitor (:func:`_visit_batch`). The master keeps the pattern index and
the evidence and merges in queue order, so the result is the same as with
the process pool or in-process.
"""

from __future__ import annotations

import threading
import time
import uuid
from fractions import Fraction

from .filters import supports
from .traversal import _Traversal

__all__ = ["LevelTraversal", "CHUNK"]

#: regions per chunk (fixed: the result must not depend on the number of workers)
CHUNK = 512
#: tasks per Dask task (a batch is visited by one worker thread)
BATCH = 32
#: seconds to wait for a Dask scheduler
CONNECT_TIMEOUT = 30

_WORKER = None
_LOCAL = threading.local()


def _plain(fk):
    """FLINT rationals to Fractions (picklable, and the same JSON)."""
    if not isinstance(fk, dict):
        return fk
    q = lambda v: v if isinstance(v, (Fraction, int)) else Fraction(int(v.p), int(v.q))  # noqa: E731
    out = {"constant": q(fk["constant"]), "neurons": [[k, q(v)] for k, v in fk["neurons"]]}
    if fk.get("box"):
        out["box"] = [[i, sd, q(v)] for i, sd, v in fk["box"]]
    return out


class _Visitor(_Traversal):
    """Visits one region with local state; neighbours it finds get negative local ids."""

    def visit_one(self, task):
        r, pattern, entry, known, start = task
        self.patterns, self.index, self.points = {r: pattern}, {pattern: r}, {r: None}
        self.entries = {r: entry}
        self.facets = {(r, h): ("known",) for h in known}
        self.degenerate, self.unresolved, self.flips, self.classes = [], [], [], {}
        self.compact_only = False
        self.new, self._next = {}, -1
        self.sup = ([], [])
        self.stats = {k: 0 for k in self.stats}
        self._visit(r, start)
        mine = {h: self._portable(e) for (rr, h), e in self.facets.items() if rr == r and e[0] != "known"}
        reverse = sorted(h for (k, h) in self.facets if k < 0)
        return (self.points[r], mine, self.new, reverse, self.degenerate, self.unresolved, self.flips,
                self.classes.get(r), self.compact_only, self.stats, self.sup)

    def _todo(self, r, s):
        return [1 if (v and (r, h) not in self.facets) else 0 for h, v in enumerate(s)]

    def _put_supports(self, r, hs, codes):
        self.sup = (hs, codes)          # shipped as codes; the master writes them (see _merge)

    @staticmethod
    def _portable(e):
        return ("farkas", _plain(e[1]), e[2]) if e[0] == "farkas" else e

    def _add_region(self, pattern, entry):
        k = self._next
        self._next -= 1
        self.patterns[k] = pattern
        self.index[pattern] = k
        self.new[k] = (pattern, entry)
        return k

    def _note_flip(self, r, k, flips):
        self.flips.append((k, flips))


def _init(net, box, lean):
    global _WORKER
    _WORKER = _Visitor(net, box, None, None, False, max_memory=None, lean=lean)


def _visit_task(task):
    return _WORKER.visit_one(task)


def _visit_batch(batch, setup):
    """Visit a batch of tasks on a Dask worker; one visitor per thread and network (``setup[0]``)."""
    token, net, box, lean = setup
    cache = getattr(_LOCAL, "visitors", None)
    if cache is None or token not in cache:
        cache = _LOCAL.visitors = {token: _Visitor(net, box, None, None, False, max_memory=None, lean=lean)}
    v = cache[token]
    return [v.visit_one(t) for t in batch]


class _DaskMap:
    """Chunk maps on a dask.distributed cluster: the network scattered once, batches gathered in order."""

    def __init__(self, net, box, lean, scheduler=None, client=None):
        try:
            from distributed import Client
        except ImportError:
            raise RuntimeError("--scheduler needs dask.distributed (pip install 'exactsym[dask]')") from None
        self.own = client is None
        self.client = Client(scheduler, timeout=CONNECT_TIMEOUT) if self.own else client
        self.setup = self.client.scatter((uuid.uuid4().hex, net, box, lean), broadcast=True)

    def __call__(self, tasks):
        """The visits' results in task order, yielded as soon as the batches before them are done."""
        batches = [tasks[i:i + BATCH] for i in range(0, len(tasks), BATCH)]
        futs = self.client.map(_visit_batch, batches, setup=self.setup, pure=False)
        for f in futs:
            yield from f.result()

    def close(self):
        if self.own:
            self.client.close()


class LevelTraversal(_Traversal):
    """The chunked search; :meth:`run_levels` replaces :meth:`run`."""

    def _memory_hit(self, processed) -> bool:
        from .memory import rss_mb
        now = rss_mb() if self.max_memory is not None else None    # once per chunk: cheap
        return now is not None and now > self.max_memory

    def _tasks(self, chunk, start_homog):
        H = self.H
        out = []
        for r in chunk:
            row = self.facets.decided(r)
            known = [] if row is None else [h for h in range(H) if row[h] is not None]
            out.append((r, self.patterns[r], self.entries.pop(r, None), known, start_homog if r == 0 else None))
        return out

    def _merge(self, r, out):
        point, mine, new, reverse, deg, unres, flips, cls, compact_only, stats, sup = out
        self.points[r] = point
        self.degenerate.extend(deg)
        self.unresolved.extend(unres)
        self.compact_only |= compact_only
        if cls:
            self.classes[r] = cls
        for k, v in stats.items():
            self.stats[k] += v
        glob = {}
        for k in sorted(new, reverse=True):          # -1, -2, ...: the order they were found
            pattern, entry = new[k]
            g = self.index.get(pattern)
            glob[k] = self._add_region(pattern, entry) if g is None else g
        for h in sorted(mine):
            e = mine[h]
            if (r, h) in self.facets:
                continue
            if e[0] == "facet":
                k = glob[e[1]]
                self.facets[(r, h)] = ("facet", k, e[2])
                if h in reverse and (k, h) not in self.facets:
                    self.facets[(k, h)] = ("facet", r, e[2])
            else:
                self.facets[(r, h)] = e
        if sup[0]:
            self.facets.put_supports(r, sup[0], supports(sup[1]))      # the proven supports, undecided pairs only
        for k, fl in flips:
            self.degenerate.append(f"region {r} -> region {glob[k]}: crossing flips neurons {fl}")

    def run_levels(self, workers: int, scheduler=None, client=None):
        """The chunked search on ``workers`` processes, or on a Dask cluster (``scheduler`` / ``client``)."""
        t_start = time.perf_counter()
        start_homog = self._start()
        processed, stopped = 0, None
        pool, dmap = None, None
        if scheduler is not None or client is not None:
            dmap = _DaskMap(self.net, self.box, self.lean, scheduler, client)
        elif workers > 1:
            import multiprocessing as mp
            pool = mp.get_context("fork").Pool(workers, _init, (self.net, self.box, self.lean))
        else:
            _init(self.net, self.box, self.lean)
        try:
            while self.queue:
                stopped = self._budget_hit(processed, t_start)
                if stopped is not None:
                    break
                n = len(self.queue) if self.max_regions is None else min(len(self.queue),
                                                                         self.max_regions - processed)
                chunk = [self.queue.popleft() for _ in range(min(n, CHUNK))]
                tasks = self._tasks(chunk, start_homog)
                # results come in task order; each is merged while the workers visit the rest
                if dmap is not None:
                    outs = dmap(tasks)
                elif pool is not None:
                    outs = pool.imap(_visit_task, tasks, chunksize=max(1, min(16, len(tasks) // (4 * workers))))
                else:
                    outs = map(_visit_task, tasks)
                for r, out in zip(chunk, outs):
                    self._merge(r, out)
                processed += len(chunk)
        finally:
            if pool is not None:
                pool.close()
                pool.join()
            if dmap is not None:
                dmap.close()
        return self._result(stopped, t_start)
