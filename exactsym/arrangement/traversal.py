r"""The traversal: breadth-first search over the dual graph of the activation regions.

Certified enumeration of the activation regions of a ReLU network (SPEC sections 1-3).
Float proposals come from :mod:`.proposals`, exact witnesses from
:mod:`.witnesses`, the certificate from :mod:`.evidence`.

Mathematics
-----------
For a pattern :math:`s \in \{-1,+1\}^H` every pre-activation is affine on the
region :math:`R_s = \{x : \mathrm{sign}\, z_k(x) = s_k\ \forall k\}`: with
:math:`\Delta_l` the 0/1 diagonal of the pattern in layer :math:`l`,
:math:`z_l(x) = W_l \Delta_{l-1} z_{l-1}(x) + b_l`, so
:math:`R_s = \{x : s_k (a_k \cdot x + c_k) > 0\}` is an open convex polyhedron
(intersected with the open box :math:`(lo, hi)^{n_0}` on a box domain).
The *dual graph* has the regions as vertices and an edge labelled :math:`h`
between :math:`R_s` and :math:`R_{s^h}` (bit :math:`h` flipped) whenever they
share a facet lying on the bent hyperplane of neuron :math:`h`
(Hanin & Rolnick 2019; Grigsby & Lindsey 2022; relucent). The traversal is
breadth-first from the region of a start point, flipping one neuron across
each facet.

For each region and each neuron :math:`h` one of two things is proved:

* **facet**: a rational point :math:`p` with :math:`z_h(p) = 0`, every other
  neuron strictly of the region's sign, strictly inside the box. Since
  :math:`a_h \ne 0` and all other pre-activations are non-zero and continuous
  near :math:`p`, points :math:`p \pm \varepsilon a_h` have patterns :math:`s`
  and :math:`s^h`: the region :math:`R_{s^h}` exists and is the neighbour.
* **no facet** (Farkas): multipliers :math:`\lambda_k \ge 0` (other neurons),
  :math:`\mu_f \ge 0` (box faces :math:`g_f = x_i - lo` or :math:`hi - x_i`) and
  :math:`\lambda_0 \ge 0` with the identity of affine functions
  :math:`s_h z_h = \sum_k \lambda_k s_k z_k + \sum_f \mu_f g_f + \lambda_0`.
  On the closure of :math:`R_s` every term is :math:`\ge 0`. If
  :math:`\lambda_0 > 0` the zero set of :math:`z_h` misses the closure; if some
  :math:`\mu_f > 0` it meets the closure only on the box boundary; otherwise
  some :math:`\lambda_k > 0` with :math:`z_k` not proportional to :math:`z_h`
  (on :math:`R_s`) and the meet lies in :math:`\{z_h = 0\} \cap \{z_k = 0\}`,
  of dimension :math:`\le n_0 - 2`.

Soundness (SPEC 3, regions-complete): let :math:`N` be the union, over found
regions, of the sets :math:`\{z_h = 0\} \cap \{z_k = 0\}` for non-proportional
pairs of forms: a finite union of affine sets of codimension :math:`\ge 2`. A
generic segment from a point of a found region to any smooth point :math:`x`
of the open domain avoids :math:`N` and is contained in no hyperplane. Where
it leaves the closure of a found region :math:`R` it crosses some
:math:`\{z_h = 0\}` at a point :math:`p \notin N` inside the open box; a Farkas
certificate for :math:`(R, h)` is then impossible, so :math:`(R, h)` has a
facet witness, only :math:`z_h` vanishes at :math:`p`, and the segment enters
:math:`R_{s^h}`, a found region. The segment crosses finitely many
hyperplanes, so :math:`x` lies in the closure of a found region, and being
smooth, in that region. Hence the list is complete.

Floats propose, exact arithmetic decides (SPEC 5, 9): the centre and facet
LPs run in C (``csrc/arrangement/es_lp.c``); the exact forms are integer
matrices (python-flint ``fmpz_mat``, one product per region for all candidate
points), every witness is checked exactly, every Farkas identity is solved
and checked over :math:`\mathbb{Q}`. When the float proposals give no exact
witness, the exact simplex of :mod:`.exactlp` decides the pair (a float
failure costs time, never completeness). Non-simple arrangements (neurons
identically zero on a region, label 0; proportional forms, whose common zero
set is crossed as one and flips several labels) are certified too, in the
compact certificate form, and listed in ``degenerate``
(``proofs/regions-complete.md``, Lemmas 2', 5', 7'); nothing is guessed.

The certificate format is in :mod:`.evidence`.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections import deque
from fractions import Fraction

from .evidence import RawFarkas
from .forms import IntegerForms, from_homogeneous, to_homogeneous
from .pairs import PairStore
from . import proposals
from .proposals import FLAT_TOL, float_forms, region_lps
from .result import NonGeneric, Region, RegionsResult
from .filters import RegionFloats, filter_safe_box, filtered_classes, supports
from .witnesses import ExactDecisions, Witnesses

__all__ = ["_Traversal"]


class _Traversal:
    """State of one enumeration: the regions found so far and what is proved about each pair."""

    def __init__(self, net, box, max_regions, time_limit, progress, max_memory="auto", lean=False):
        import numpy as np
        self.net = net
        self.n0 = net.n0
        self.H = net.H
        self.box = None if box is None else (Fraction(box[0]), Fraction(box[1]))
        self.fbox = None if box is None else (float(self.box[0]), float(self.box[1]))
        # the float filter takes the box faces only where their doubles satisfy its hypothesis
        self.filter_box = self.fbox if filter_safe_box(self.box) else None
        self.max_regions = max_regions
        self.time_limit = time_limit
        from .memory import default_budget_mb
        self.max_memory = default_budget_mb() if max_memory == "auto" else max_memory
        self.memory_default = max_memory == "auto"
        # lean: keep only what the compact certificate needs (Farkas supports, not multipliers)
        self.lean = lean
        self.progress = progress and sys.stderr.isatty()
        self.F = IntegerForms(net)
        self.W = Witnesses(self.F, self.box)
        self.X = ExactDecisions(self.W)
        self.scales_np = np.array([float(s) for s in self.F.scales])
        self.stats = {"lp_s": 0.0, "exact_s": 0.0, "forms_s": 0.0, "regions": 0, "facet_lps": 0,
                      "fallbacks": 0,
                      "exact_decisions": 0, "exact_points": 0}
        self.patterns = []
        self.index = {}
        self.points = []
        self.entries = {}      # how region r was entered: (h, (P, Q)) of the facet witness
        self.facets = PairStore(self.H)   # (r, h) -> evidence, packed per region
        self.non_generic = []
        self.degenerate = []   # what is non-simple, and certified anyway
        self.classes = {}      # region -> its non-trivial proportionality classes
        self.compact_only = False   # some evidence needs the compact certificate form
        self.unresolved = []
        self.queue = deque()

    def start_point(self):
        """A smooth rational point (the domain's centre, else seeded random points near it)."""
        n0 = self.n0
        rng = random.Random(12345)
        base = [Fraction(0)] * n0 if self.box is None else [(self.box[0] + self.box[1]) / 2] * n0
        width = Fraction(1) if self.box is None else (self.box[1] - self.box[0]) / 4
        x = base
        for _ in range(200):
            lab = self.net.labels(x)
            if self._zeros_vanish(lab):
                return x, lab
            x = [b + width * Fraction(rng.randrange(-1000, 1001), 1000) for b in base]
        raise NonGeneric("no smooth start point found (a neuron vanishes on an open set?)")

    def _zeros_vanish(self, lab) -> bool:
        """A label 0 is allowed only where the neuron's form vanishes identically (on an open set)."""
        if 0 not in lab:
            return True
        M = self.F.forms(lab)
        return all(not any(M[j]) for j, v in enumerate(lab) if v == 0)

    def _add_region(self, pattern, entry):
        k = len(self.patterns)
        self.patterns.append(pattern)
        self.index[pattern] = k
        self.points.append(None)
        self.entries[k] = entry
        self.queue.append(k)
        return k

    # ---- one region ------------------------------------------------------------
    def _facet_points(self, M, signed, lp, todo, want_centre, s):
        """Exact facet points for the pairs whose LP found one, and the rounded centre if it is inside.

        ``signed`` gives the exact signs of every form at the candidates (the
        proven float filter, exact integers where it is undecided); the few
        that fail are retried once with a finer rounding.
        """
        rc, center, radius, tstar, pts, _, status = lp
        W = self.W
        cand, owner = [], []
        if want_centre and rc == 0 and radius > 0 and all(math.isfinite(v) for v in center):
            cand.append(to_homogeneous(center, max(8, int(math.ceil(-math.log2(radius))) + 8)))
            owner.append(-1)
        for h in range(self.H):
            if todo[h] and status[h] == 0 and tstar[h] > FLAT_TOL and all(map(math.isfinite, pts[h])):
                cand.append(W.facet_candidate(M, h, pts[h], tstar[h], 0))
                owner.append(h)
        good, centre, retry = {}, None, []
        for (P, Q), h, row in zip(cand, owner, signed(cand)):
            if h < 0:
                if W.is_interior(P, Q, row):
                    centre = (P, Q)
            elif W.is_facet_point(P, Q, row, h, s):
                good[h] = (P, Q)
            else:
                retry.append(h)
        if retry:
            cand2 = [W.facet_candidate(M, h, pts[h], tstar[h], 24) for h in retry]
            for (P, Q), h, row in zip(cand2, retry, signed(cand2)):
                if W.is_facet_point(P, Q, row, h, s):
                    good[h] = (P, Q)
        return good, centre

    def _visit(self, r, start_homog):
        """Propose with floats, then prove one of 'facet' / 'no facet' for every new pair (r, h)."""
        s = self.patterns[r]
        entry = self.entries.pop(r, None)     # needed only here: freed as soon as r is visited
        t0 = time.perf_counter()
        M = self.F.forms(s)
        rf = RegionFloats(M)
        A, c = float_forms(rf.F, self.scales_np, self.n0)
        cls = filtered_classes(M, rf)
        if cls:
            self.classes[r] = cls
        if cls or 0 in s:
            self._note_classes(r, s, cls)
        todo = self._todo(r, s)
        t1 = time.perf_counter()
        lp = region_lps(A, c, s, self.fbox, todo)
        t2 = time.perf_counter()
        self.stats["facet_lps"] += sum(todo)
        rc, center, radius, tstar, _, supp, status = lp
        signed = lambda pts: rf.signs(M, s, pts)  # noqa: E731
        good, pt = self._facet_points(M, signed, lp, todo, start_homog is None, s)
        if start_homog is not None:
            pt = start_homog
        elif pt is None:
            pt = self.W.interior(s, M, signed, center, radius if rc == 0 else None, entry)
        if pt is None:
            self.stats["exact_points"] += 1
            pt = self.X.interior(s, M)
        if pt is None:
            self.unresolved.append(f"region {r}: no exact interior point")
        self.points[r] = None if pt is None else from_homogeneous(*pt)
        want = [1 if (todo[h] and h not in good and status[h] == 0 and tstar[h] <= FLAT_TOL) else 0
                for h in range(self.H)]
        rest = [h for h in range(self.H) if todo[h]]
        if self.lean and any(want):
            # the float filter proves most Farkas signs; the compact form needs only the support
            hs, codes = rf.farkas_proven(s, supp, want, self.filter_box)
            self._put_supports(r, hs, codes)
            for h in hs:
                want[h] = 0
            proven = set(hs)
            rest = [h for h in rest if h not in proven]
        raw = self.W.farkas_c(M, s, supp, want)
        for h in rest:
            if (r, h) not in self.facets:
                self._resolve(r, h, s, M, lp, good, raw, cls.get(h, [h]))
        t3 = time.perf_counter()
        self.stats["forms_s"] += t1 - t0
        self.stats["lp_s"] += t2 - t1
        self.stats["exact_s"] += t3 - t2

    def _todo(self, r, s):
        """1 for the neurons of region r whose pair is still to decide (label non-zero, no entry yet)."""
        row = self.facets.decided(r)
        if row is None:
            return [1 if v else 0 for v in s]
        return [1 if (v and x is None) else 0 for x, v in zip(row, s)]

    def _put_supports(self, r, hs, codes):
        self.facets.put_supports(r, hs, supports(codes))

    def _note_classes(self, r, s, cls):
        """Record what is non-simple on region r: neurons identically zero, coinciding zero sets."""
        zero = [j for j in range(self.H) if s[j] == 0]
        if zero:
            self.compact_only = True
            self.degenerate.append(f"region {r}: neurons {zero} vanish identically")
        seen = set()
        for h, members in cls.items():
            live = tuple(j for j in members if s[j] != 0)
            if len(live) > 1 and live not in seen:
                seen.add(live)
                self.degenerate.append(f"region {r}: neurons {list(live)} have proportional forms")

    def _resolve(self, r, h, s, M, lp, good, raw, members):
        """Record a facet (and its neighbour) or a Farkas certificate; exact simplex when floats fail."""
        _, _, _, tstar, _, supp, status = lp
        rf = raw.get(h)
        if rf is not None and rf[0] == 0:
            ids = [i for i in supp[h] if i >= 0]
            self._record_farkas(r, h, s, M, RawFarkas(h, ids, rf[1], rf[2], rf[3], self.W.box_L), members)
            return
        if h in good:
            self._record_facet(r, h, s, good[h], members)
            return
        n0 = self.n0
        if not any(M[h][:n0]):
            const = s[h] * M[h][n0]
            if const > 0:
                self._record_farkas(r, h, s, M, {"constant": Fraction(const, self.F.scales[h]), "neurons": []},
                                    members)
            else:
                self.unresolved.append(f"region {r}, neuron {h}: constant form of the wrong sign")
            return
        fk = None
        if status[h] == 0 and tstar[h] <= FLAT_TOL:
            fk, _ = self.W.farkas(s, M, h, supp[h])
        if fk is None:
            fk, _ = self._farkas_fallback(s, M, h)
        if fk is not None:
            self._record_farkas(r, h, s, M, fk, members)
            return
        self._decide_exact(r, h, s, M, members)

    def _decide_exact(self, r, h, s, M, members):
        """The exact simplex decides the pair (a float failure costs time, never completeness)."""
        from .exactlp import ExactLPError
        self.stats["exact_decisions"] += 1
        try:
            kind, *rest = self.X.decide(s, M, h)
        except ExactLPError as e:
            kind, rest = "fail", [str(e)]
        if kind == "farkas":
            self._record_farkas(r, h, s, M, rest[0], members, cover=True)
        elif kind == "facet":
            self._record_facet(r, h, s, rest[0], rest[1])
        else:
            self.unresolved.append(f"region {r}, neuron {h}: {rest[0]}")

    def _cover_class(self, r, h, s, members):
        """One entry for h's whole class (the compact form): the other members need none."""
        for j in members:
            if j != h and s[j] != 0:
                self.facets[(r, j)] = ("covered", h)
                self.compact_only = True

    def _record_farkas(self, r, h, s, M, fk, members, cover=False):
        supp = self.W.support(s, M, fk)
        self.facets[(r, h)] = ("farkas", None if (self.lean and supp is not None) else fk, supp)
        if cover:
            self._cover_class(r, h, s, members)

    def _record_facet(self, r, h, s, PQ, members):
        """The facet of h's class leads to the region across it (one bit flips, or the class's bits)."""
        simple = len(members) == 1
        ns = s[:h] + (-s[h],) + s[h + 1:] if simple else self.X.neighbour(s, h, members)
        if ns is None:
            self.unresolved.append(f"region {r}, neuron {h}: degenerate crossing (a form is not a "
                                   "multiple of the facet's)")
            return
        k = self.index.get(ns)
        if k is None:
            k = self._add_region(ns, (h, PQ))
        pt = None if self.lean else from_homogeneous(*PQ)     # lean: the compact form needs no point
        self.facets[(r, h)] = ("facet", k, pt)
        if simple:
            self.facets[(k, h)] = ("facet", r, pt)
        else:
            self._cover_class(r, h, s, members)
            self._note_flip(r, k, [j for j in range(self.H) if ns[j] != s[j]])

    def _note_flip(self, r, k, flips):
        self.degenerate.append(f"region {r} -> region {k}: crossing flips neurons {flips}")

    def _farkas_fallback(self, s, M, h):
        self.stats["fallbacks"] += 1
        supp, why = proposals.fallback_support(s, M, h, self.H, self.n0, self.fbox)
        if supp is None:
            return None, why
        return self.W.farkas(s, M, h, supp)

    # ---- the search ------------------------------------------------------------
    def _budget_hit(self, processed, t_start):
        if self.max_regions is not None and processed >= self.max_regions:
            what = f"max_regions={self.max_regions}"
        elif self.time_limit is not None and time.perf_counter() - t_start > self.time_limit:
            what = f"time_limit={self.time_limit:.3g} s"
        elif self._memory_hit(processed):
            what = (f"max_memory={self.max_memory:.0f} MiB"
                    + (" (the default, half the available memory; raise it with --max-memory MB)"
                       if self.memory_default else ""))
        else:
            return None
        return (f"stopped at {what}: {processed} regions processed, "
                f"{len(self.queue)} more found but not processed")

    def _memory_hit(self, processed) -> bool:
        if self.max_memory is None or processed % 64:
            return False
        from .memory import rss_mb
        now = rss_mb()
        return now is not None and now > self.max_memory

    def _start(self):
        x0, s0 = self.start_point()
        d0 = 1
        for v in x0:
            d0 = d0 * v.denominator // math.gcd(d0, v.denominator)
        self._add_region(s0, None)
        return [int(v * d0) for v in x0], d0

    def run(self):
        t_start = time.perf_counter()
        start_homog = self._start()
        processed = 0
        stopped = None
        last_draw = 0.0
        while self.queue:
            stopped = self._budget_hit(processed, t_start)
            if stopped is not None:
                break
            r = self.queue.popleft()
            self._visit(r, start_homog if r == 0 else None)
            processed += 1
            now = time.perf_counter()
            if self.progress and now - last_draw > 0.2:
                last_draw = now
                sys.stderr.write(f"\rexactsym regions: {processed} processed, {len(self.queue)} queued, "
                                 f"{now - t_start:.1f}s")
                sys.stderr.flush()
        if self.progress:
            sys.stderr.write("\r" + " " * 70 + "\r")
        return self._result(stopped, t_start)

    def _reason(self, stopped):
        def first(kind, items):
            return f"{kind}: {items[0]}" + (f" (and {len(items) - 1} more)" if len(items) > 1 else "")
        if stopped is not None:
            return stopped
        if self.non_generic:
            return first("non-generic", self.non_generic)
        if self.unresolved:
            return first("could not certify", self.unresolved)
        return None

    def _result(self, stopped, t_start):
        """The result; an incomplete one keeps only regions with a point, renumbered."""
        patterns, points = self.patterns, self.points
        done_idx = [i for i in range(len(patterns)) if points[i] is not None]
        complete = (stopped is None and not self.non_generic and not self.unresolved
                    and len(done_idx) == len(patterns))
        if complete:
            regs = [Region(i, patterns[i], points[i], self.net) for i in range(len(patterns))]
            fac = self.facets
        else:
            remap = {i: j for j, i in enumerate(done_idx)}
            regs = [Region(remap[i], patterns[i], points[i], self.net) for i in done_idx]
            fac = PairStore(self.H)
            for (r, h), e in self.facets.items():
                if r not in remap:
                    continue
                if e[0] == "facet":
                    if e[1] in remap:
                        fac[(remap[r], h)] = ("facet", remap[e[1]], e[2])
                else:
                    fac[(remap[r], h)] = e
        self.stats["regions"] = len(regs)
        self.stats["total_s"] = time.perf_counter() - t_start
        self.stats["discovered"] = len(patterns)
        self.stats["degenerate"] = len(self.degenerate)
        return RegionsResult(self.net, self.box, regs, complete, self._reason(stopped), fac,
                             self.non_generic + self.unresolved, self.stats, self.F.scales,
                             degenerate=self.degenerate, compact_only=self.compact_only,
                             classes=self.classes if complete else {}, lean=self.lean)
