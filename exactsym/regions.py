r"""Certified enumeration of the activation regions of a ReLU network (SPEC sections 1-3).

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
LPs run in C (``csrc/regions/es_lp.c``); the exact forms are integer
matrices (python-flint ``fmpz_mat``, one product per region for all candidate
points), every witness is checked exactly, every Farkas identity is solved
and checked over :math:`\mathbb{Q}`. What cannot be certified (a neuron
identically zero on an open set, coinciding zero sets, a degenerate vertex
where it matters, or a float LP failure) is reported as non-generic and the
result is ``complete=False``; nothing is guessed.

Certificate (``claim: "regions-complete"``, checked by
:mod:`exactsym.check.regions` with the standard library only)::

    {"format": "exactsym-cert/1", "claim": "regions-complete",
     "network": net.to_dict(), "network_sha256": net.sha256(),
     "domain": "R^n" | {"box": ["lo", "hi"]},
     "evidence": {
        "regions": [{"pattern": [1, -1, ...], "point": ["p/q", ...]}, ...],
        "facets": [[r, h, {"point": ["p/q", ...], "neighbor": k}],
                   [r, h, {"farkas": {"constant": "l0",
                                      "neurons": [[k, "lk"], ...],
                                      "box": [[i, side, "mu"], ...]}}], ...],
        "digest": sha256 of the canonical JSON of the other evidence keys}}

``side`` is 0 for the face :math:`x_i - lo \ge 0` and 1 for
:math:`hi - x_i \ge 0`. A facet entry ``[r, h, {"point", "neighbor": k}]``
covers both pairs :math:`(r, h)` and :math:`(k, h)` (the same point witnesses
the facet from both sides); every (region, neuron) pair is covered exactly
once. The ``digest`` binds the evidence: an interior point moved inside its
region would still prove the claim, and the checker must still reject any
altered certificate (SPEC 3).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction

from .network import Network
from .numbers import fmt

__all__ = ["regions", "RegionsResult", "Region", "line_regions", "decisive_points",
           "NonGeneric", "evidence_digest", "domain_json"]


class NonGeneric(Exception):
    """A configuration that the certificates do not cover (reported, never certified)."""


def domain_json(box):
    return "R^n" if box is None else {"box": [fmt(Fraction(box[0])), fmt(Fraction(box[1]))]}


def evidence_digest(evidence: dict) -> str:
    """SHA-256 of the canonical JSON of the evidence without its ``digest`` key."""
    body = {k: v for k, v in evidence.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# ---------------------------------------------------------------------------
# exact integer forms
# ---------------------------------------------------------------------------

class _Forms:
    r"""Exact forms of every neuron on one pattern, as integers.

    Layer :math:`l` has a common denominator :math:`d_l` of :math:`[W_l | b_l]`;
    with :math:`S_l = d_1 \cdots d_l` the integer matrix :math:`M_l` satisfies
    :math:`S_l z_l(x) = M_l [x; 1]`: :math:`M_1 = d_1 [W_1 | b_1]` and
    :math:`M_l = (d_l W_l)\, \Delta_{l-1} M_{l-1} + [0 \mid d_l b_l S_{l-1}]`.
    Signs are those of :math:`z` because :math:`S_l > 0`.
    """

    def __init__(self, net: Network):
        import flint
        self.flint = flint
        self.net = net
        self.n0 = net.n0
        self.H = net.H
        self.layers = []
        S = 1
        for Wi, bi, d in net.integer_layers():
            self.layers.append((Wi, bi, d, S))
            S *= d
        # FLINT copies of the integer weights, built once (SPEC 9: reuse per-pattern work)
        self.Wmats = [flint.fmpz_mat(Wi) for Wi, _, _, _ in self.layers]
        self.scales = []   # S_l per hidden neuron
        S = 1
        for l, (W, b) in enumerate(net.layers[:-1]):
            S *= self.layers[l][2]
            self.scales.extend([S] * len(W))
        self.S_out = S * self.layers[-1][2]

    def forms(self, pattern, with_output=False):
        """Rows ``[m_0, ..., m_{n0-1}, m_c]`` (integers) of all hidden neurons (and outputs)."""
        flint = self.flint
        n0 = self.n0
        Wi, bi, d, _ = self.layers[0]
        rows = [r + [c] for r, c in zip(Wi, bi)]
        out = list(rows)
        h = 0
        L = len(self.layers)
        for l in range(1, L):
            if l == L - 1 and not with_output:
                break
            width = len(rows)
            prev = [rows[j] if pattern[h + j] > 0 else [0] * (n0 + 1) for j in range(width)]
            h += width
            Wi, bi, d, Sprev = self.layers[l]
            P = flint.fmpz_mat(prev)
            Mm = self.Wmats[l] * P
            ent = [int(v) for v in Mm.entries()]
            w = n0 + 1
            rows = []
            for i in range(len(Wi)):
                r = ent[i * w:(i + 1) * w]
                r[-1] += bi[i] * Sprev
                rows.append(r)
            out.extend(rows)
        return out


def _qfmt(v) -> str:
    """``"p/q"`` of a Fraction or a FLINT fmpq."""
    if isinstance(v, Fraction):
        return fmt(v)
    return fmt(Fraction(int(v.p), int(v.q)))


def _fsign(v) -> int:
    return (v > 0) - (v < 0)


def _to_homog(x, denom_bits: int):
    """Round a float vector to an integer homogeneous vector ``(P, Q)`` with ``Q = 2^bits``."""
    Q = 1 << denom_bits
    return [int(round(float(v) * Q)) for v in x], Q


def _reduce_point(P, Q):
    return tuple(Fraction(p, Q) for p in P)


class _RawFarkas:
    """Farkas multipliers from the 128-bit C path, converted to rationals only when written.

    ``lam_j = num[j] / det`` on the support ``ids`` (integer forms), and
    ``lam_0 = cnum / (det * L)``; true-form multipliers divide by ``S_h`` and
    multiply neuron terms by ``S_k`` (see :class:`_Forms`).
    """
    __slots__ = ("h", "ids", "det", "num", "cnum", "L")

    def __init__(self, h, ids, det, num, cnum, L):
        self.h, self.ids, self.det, self.num, self.cnum, self.L = h, ids, det, num, cnum, L

    def to_dict(self, scales, H):
        Sh = scales[self.h]
        neurons, boxes = [], []
        for cid, n in zip(self.ids, self.num):
            if n == 0:
                continue
            if cid < H:
                neurons.append([cid, Fraction(n * scales[cid], self.det * Sh)])
            else:
                i, side = divmod(cid - H, 2)
                boxes.append([i, side, Fraction(n, self.det * Sh)])
        out = {"constant": Fraction(self.cnum, self.det * self.L * Sh), "neurons": neurons}
        if boxes:
            out["box"] = boxes
        return out


# ---------------------------------------------------------------------------
# result objects
# ---------------------------------------------------------------------------

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
            from .check.common import affine_forms
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
    net: Network
    box: object
    regions: list
    complete: bool
    reason: str | None
    facets: dict               # (r, h) -> ("facet", k, point) | ("farkas", dict) ; both ends for facets
    non_generic: list
    stats: dict
    scales: list = field(default=None, repr=False)
    _dual: object = field(default=None, repr=False)
    _cert: object = field(default=None, repr=False)
    _neuron: object = field(default=None, repr=False)

    @property
    def patterns(self):
        return [r.pattern for r in self.regions]

    @property
    def count(self):
        return len(self.regions)

    def evidence(self) -> dict:
        regs = [{"pattern": list(r.pattern), "point": [fmt(v) for v in r.point]} for r in self.regions]
        facets = []
        done = set()
        for (r, h), e in sorted(self.facets.items()):
            if (r, h) in done:
                continue
            if e[0] == "facet":
                k, pt = e[1], e[2]
                facets.append([r, h, {"point": [fmt(v) for v in pt], "neighbor": k}])
                done.add((k, h))
            else:
                fk = e[1]
                if isinstance(fk, _RawFarkas):
                    fk = fk.to_dict(self.scales, self.net.H)
                out = {"constant": _qfmt(fk["constant"]), "neurons": [[k, _qfmt(v)] for k, v in fk["neurons"]]}
                if fk.get("box"):
                    out["box"] = [[i, sd, _qfmt(v)] for i, sd, v in fk["box"]]
                facets.append([r, h, {"farkas": out}])
            done.add((r, h))
        ev = {"regions": regs, "facets": facets}
        ev["digest"] = evidence_digest(ev)
        return ev

    @property
    def certificate(self):
        """The ``regions-complete`` certificate, or ``None`` when incomplete."""
        if not self.complete:
            return None
        if self._cert is None:
            self._cert = {"format": "exactsym-cert/1", "claim": "regions-complete",
                          "network": self.net.to_dict(), "network_sha256": self.net.sha256(),
                          "domain": domain_json(self.box), "evidence": self.evidence()}
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
                "non_generic": self.non_generic[:20], "stats": self.stats}


# ---------------------------------------------------------------------------
# exact helpers
# ---------------------------------------------------------------------------

def _solve_exact(cols, rhs):
    """A solution ``lam`` of ``sum_j lam_j cols[j] = rhs`` (integer data, Fraction result), or None.

    Square nonsingular systems (the generic case: a basis of the LP dual)
    go to FLINT's exact solver; others to Gauss-Jordan over Fractions with
    free variables 0. Either way the whole system is re-checked exactly, so
    an inconsistent system gives None.
    """
    n = len(rhs)
    m = len(cols)
    if m == n and n > 0:
        import flint
        B = flint.fmpz_mat([[cols[j][i] for j in range(m)] for i in range(n)])
        if B.det() != 0:
            X = B.solve(flint.fmpz_mat([[v] for v in rhs])).entries()
            return [Fraction(int(v.p), int(v.q)) for v in X]
    A = [[Fraction(cols[j][i]) for j in range(m)] + [Fraction(rhs[i])] for i in range(n)]
    piv_cols = []
    r = 0
    for c in range(m):
        p = next((i for i in range(r, n) if A[i][c] != 0), None)
        if p is None:
            continue
        A[r], A[p] = A[p], A[r]
        inv = 1 / A[r][c]
        A[r] = [v * inv for v in A[r]]
        for i in range(n):
            if i != r and A[i][c] != 0:
                f = A[i][c]
                A[i] = [a - f * b for a, b in zip(A[i], A[r])]
        piv_cols.append(c)
        r += 1
        if r == n:
            break
    lam = [Fraction(0)] * m
    for i, c in enumerate(piv_cols):
        lam[c] = A[i][m]
    for i in range(n):
        if sum((lam[j] * cols[j][i] for j in range(m)), Fraction(0)) != rhs[i]:
            return None
    return lam


def _proportional(u, v) -> bool:
    """True when integer vectors u, v are linearly dependent (all 2x2 minors vanish)."""
    n = len(u)
    return all(u[i] * v[j] == u[j] * v[i] for i in range(n) for j in range(i + 1, n))


class _Traversal:
    def __init__(self, net, box, max_regions, time_limit, progress):
        self.net = net
        self.n0 = net.n0
        self.H = net.H
        self.box = None if box is None else (Fraction(box[0]), Fraction(box[1]))
        self.fbox = None if box is None else (float(self.box[0]), float(self.box[1]))
        self.max_regions = max_regions
        self.time_limit = time_limit
        self.progress = progress and sys.stderr.isatty()
        self.F = _Forms(net)
        self.scales_f = [float(s) for s in self.F.scales]
        import numpy as np
        self.scales_np = np.array(self.scales_f)
        # the 128-bit C Farkas path needs int64 forms and box numbers
        big = 1 << 62
        self.box_int = None
        self.box_L = 1
        self.c_farkas_ok = True
        if self.box is not None:
            lo, hi = self.box
            self.box_int = ((lo.numerator, lo.denominator), (hi.numerator, hi.denominator))
            self.box_L = lo.denominator * hi.denominator // math.gcd(lo.denominator, hi.denominator)
            if any(abs(v) >= big for pair in self.box_int for v in pair):
                self.c_farkas_ok = False
        self.stats = {"lp_s": 0.0, "exact_s": 0.0, "forms_s": 0.0, "regions": 0, "facet_lps": 0,
                      "fallbacks": 0}

    # ---- exact checks ------------------------------------------------------
    def _signed(self, MsT, pts):
        """Rows ``[s_k z_k(p)]_k`` (positive multiples) for homogeneous points, one FLINT product.

        ``MsT`` is the transpose of the sign-multiplied integer forms, so a
        point lies in the region iff its row is all positive, and on the
        facet of h iff only entry h is 0 and the others are positive.
        """
        if not pts:
            return []
        flint = self.F.flint
        V = (flint.fmpz_mat([P + [Q] for P, Q in pts]) * MsT).entries()
        H = self.H
        return [V[j * H:(j + 1) * H] for j in range(len(pts))]

    def _in_box(self, P, Q):
        if self.box is None:
            return True
        lo, hi = self.box
        return all(lo.numerator * Q < p * lo.denominator and p * hi.denominator < hi.numerator * Q for p in P)

    # ---- interior point ----------------------------------------------------
    def _interior(self, s, M, MsT, center, radius, entry):
        """An exact rational point of the region (rounded LP centre, else pushed facet witness)."""
        cands = []
        if radius is not None and radius > 0 and all(math.isfinite(v) for v in center):
            bits = max(8, int(math.ceil(-math.log2(radius))) + 8)
            for extra in (0, 16, 40):
                cands.append(_to_homog(center, bits + extra))
        if cands:
            for (P, Q), row in zip(cands, self._signed(MsT, cands)):
                if min(row) > 0 and self._in_box(P, Q):
                    return P, Q
        if entry is not None:
            # push the facet witness we crossed into this region: z_h moves by eps * |a_h|^2
            h, (P, Q) = entry
            a = M[h][:self.n0]
            for k in range(4, 400, 6):
                Q2 = Q << k
                P2 = [p * (1 << k) + s[h] * ai * Q for p, ai in zip(P, a)]
                # z_h(P2/Q2) has sign s_h * |a|^2 > 0; others are continuous
                row = self._signed(MsT, [(P2, Q2)])[0]
                if min(row) > 0 and self._in_box(P2, Q2):
                    return P2, Q2
        return None

    # ---- facet witness -----------------------------------------------------
    def _facet_candidates(self, M, h, x, t, extra):
        """Round the LP's point on {z_h = 0}, then put it on the hyperplane exactly.

        Coordinates other than j (the largest |a_h[j]|) are rounded to
        multiples of 2^-bits; x_j is solved from the integer form, which
        multiplies the common denominator by |m_j|.
        """
        n0 = self.n0
        m = M[h]
        j = max(range(n0), key=lambda i: abs(m[i]))
        mj = m[j]
        bits = (max(10, int(math.ceil(-math.log2(max(t, 1e-300)))) + 10) if t > 0 else 30) + extra
        P, Q = _to_homog(x, bits)
        sg = 1 if mj > 0 else -1
        rest = sum(m[i] * P[i] for i in range(n0) if i != j) + m[n0] * Q
        amj = abs(mj)
        P2 = [P[i] * amj if i != j else -sg * rest for i in range(n0)]
        return P2, Q * amj

    # ---- Farkas ------------------------------------------------------------
    def _farkas(self, s, M, h, supp):
        r"""Exact multipliers on the dual support, or (None, why).

        Solves :math:`s_h a_h = \sum_k \lambda_k s_k a_k + \sum_f \mu_f \nabla g_f` exactly
        on the support (integer forms :math:`M_k = S_k z_k`), then
        :math:`\lambda_0` from the constants; multipliers of the true forms
        are :math:`\lambda_k S_k / S_h`. Values stay FLINT ``fmpq`` until the
        certificate is written.
        """
        import flint
        n0 = self.n0
        ids = [int(i) for i in supp if i >= 0]
        cols, kinds = [], []
        for cid in ids:
            if cid < self.H:
                cols.append([s[cid] * v for v in M[cid][:n0]])
                kinds.append(cid)
            elif cid < self.H + 2 * n0:
                i, side = divmod(cid - self.H, 2)
                e = [0] * n0
                e[i] = 1 if side == 0 else -1
                cols.append(e)
                kinds.append((i, side))
        target = [s[h] * v for v in M[h][:n0]]
        lam = None
        if len(cols) == n0:
            B = flint.fmpz_mat([[cols[j][i] for j in range(n0)] for i in range(n0)])
            if B.det() != 0:
                lam = B.solve(flint.fmpz_mat([[v] for v in target])).entries()
        if lam is None:
            lam = _solve_exact(cols, target)
            if lam is None:
                return None, "Farkas system inconsistent on the proposed support"
            lam = [flint.fmpq(v.numerator, v.denominator) for v in lam]
        Sh = self.F.scales[h]
        const = flint.fmpq(s[h] * M[h][n0])
        neurons, boxes = [], []
        for v, kd in zip(lam, kinds):
            if v == 0:
                continue
            if v < 0:
                return None, "Farkas multipliers negative on the proposed support"
            if isinstance(kd, int):
                const -= v * (s[kd] * M[kd][n0])
                neurons.append([kd, v * self.F.scales[kd] / Sh])
            else:
                i, side = kd
                g0 = -self.box[0] if side == 0 else self.box[1]
                const -= v * flint.fmpq(g0.numerator, g0.denominator)
                boxes.append([i, side, v / Sh])
        if const < 0:
            return None, "Farkas constant negative"
        if const == 0 and not boxes and not any(not _proportional(M[k], M[h]) for k, _ in neurons):
            ks = [k for k, _ in neurons]
            return None, f"coinciding zero sets of neurons {h} and {ks} (non-generic)"
        fk = {"constant": const / Sh, "neurons": neurons}
        if boxes:
            fk["box"] = boxes
        return fk, None

    def _farkas_fallback(self, s, M, h):
        """Second proposal from HiGHS: minimise s_h z_h over the other constraints."""
        self.stats["fallbacks"] += 1
        try:
            import numpy as np
            from scipy.optimize import linprog
        except ImportError:
            return None, "scipy unavailable for the fallback LP"
        n0 = self.n0
        rows, rhs, ids = [], [], []
        for k in range(self.H):
            if k == h:
                continue
            a = [float(v) for v in M[k][:n0]]
            nrm = math.sqrt(sum(v * v for v in a)) or 1.0
            rows.append([-s[k] * v / nrm for v in a])
            rhs.append(s[k] * float(M[k][n0]) / nrm)
            ids.append(k)
        bounds = [(None, None)] * n0 if self.box is None else [self.fbox] * n0
        ah = [s[h] * float(v) for v in M[h][:n0]]
        nrm = math.sqrt(sum(v * v for v in ah)) or 1.0
        try:
            res = linprog(np.array(ah) / nrm, A_ub=np.array(rows) if rows else None,
                          b_ub=np.array(rhs) if rows else None, bounds=bounds, method="highs")
        except Exception as e:  # noqa: BLE001 - any solver failure is just "no proposal"
            return None, f"fallback LP failed ({type(e).__name__})"
        if res.status != 0:
            return None, f"fallback LP status {res.status}"
        supp = []
        duals = res.ineqlin.marginals if rows else []
        for k, dv in zip(ids, duals):
            if abs(dv) > 1e-11:
                supp.append(k)
        if self.box is not None:
            lo_m = res.lower.marginals
            hi_m = res.upper.marginals
            for i in range(n0):
                if abs(lo_m[i]) > 1e-11:
                    supp.append(self.H + 2 * i)
                if abs(hi_m[i]) > 1e-11:
                    supp.append(self.H + 2 * i + 1)
        return self._farkas(s, M, h, supp)

    # ---- main loop ---------------------------------------------------------
    def start_point(self):
        n0 = self.n0
        rng = random.Random(12345)
        base = [Fraction(0)] * n0 if self.box is None else [(self.box[0] + self.box[1]) / 2] * n0
        width = Fraction(1) if self.box is None else (self.box[1] - self.box[0]) / 4
        x = base
        for _ in range(200):
            lab = self.net.labels(x)
            if 0 not in lab:
                return x, lab
            x = [b + width * Fraction(rng.randrange(-1000, 1001), 1000) for b in base]
        raise NonGeneric("no smooth start point found (a neuron vanishes on an open set?)")

    def run(self):
        from ._regions import farkas_region, region_lps
        import numpy as np
        n0, H = self.n0, self.H
        t_start = time.perf_counter()
        x0, s0 = self.start_point()
        d0 = 1
        for v in x0:
            d0 = d0 * v.denominator // math.gcd(d0, v.denominator)
        patterns = [s0]
        index = {s0: 0}
        points = [None]
        entries = {0: None}    # how we entered region r: (h, (P, Q)) of the facet witness
        start_homog = ([int(v * d0) for v in x0], d0)
        facets = {}
        non_generic = []
        unresolved = []
        queue = deque([0])
        processed = 0
        stopped = None
        last_draw = 0.0
        while queue:
            if self.max_regions is not None and processed >= self.max_regions:
                stopped = (f"stopped at max_regions={self.max_regions}: {processed} regions processed, "
                           f"{len(queue)} more found but not processed")
                break
            if self.time_limit is not None and time.perf_counter() - t_start > self.time_limit:
                stopped = (f"stopped at time_limit={self.time_limit}s: {processed} regions processed, "
                           f"{len(queue)} more found but not processed")
                break
            r = queue.popleft()
            s = patterns[r]
            t0 = time.perf_counter()
            M = self.F.forms(s)
            try:
                Mf = np.array(M, dtype=np.float64)
            except OverflowError:
                Mf = np.array([[float(v) for v in row] for row in M])
            Mf /= self.scales_np[:, None]
            A = Mf[:, :n0]
            c = Mf[:, n0]
            todo = [0 if (r, h) in facets else 1 for h in range(H)]
            t1 = time.perf_counter()
            rc, center, radius, tstar, pts, supp, status = region_lps(A, c, s, self.fbox, todo)
            t2 = time.perf_counter()
            self.stats["facet_lps"] += sum(todo)
            status = status.tolist()
            tstar = tstar.tolist()
            ptsl = pts.tolist()
            suppl = supp.tolist()
            MsT = self.F.flint.fmpz_mat([[v * sk for v in row] for row, sk in zip(M, s)]).transpose()
            # one exact product for the rounded centre and every facet candidate (first precision)
            cand, owner = [], []
            cen = None
            if r != 0 and rc == 0 and radius > 0 and all(math.isfinite(v) for v in center):
                cen = _to_homog(center, max(8, int(math.ceil(-math.log2(radius))) + 8))
                cand.append(cen)
                owner.append(-1)
            for h in range(H):
                if todo[h] and status[h] == 0 and tstar[h] > 1e-12 and all(map(math.isfinite, ptsl[h])):
                    cand.append(self._facet_candidates(M, h, ptsl[h], tstar[h], 0))
                    owner.append(h)
            rows_ = self._signed(MsT, cand)
            good = {}
            pt = None
            retry = []
            for (P, Q), h, row in zip(cand, owner, rows_):
                if h < 0:
                    if min(row) > 0 and self._in_box(P, Q):
                        pt = (P, Q)
                    continue
                if row[h] == 0 and min(row[:h] + row[h + 1:], default=1) > 0 and self._in_box(P, Q):
                    good[h] = (P, Q)
                else:
                    retry.append(h)
            if retry:   # finer rounding for the few that failed
                cand2 = [self._facet_candidates(M, h, ptsl[h], tstar[h], 24) for h in retry]
                for (P, Q), h, row in zip(cand2, retry, self._signed(MsT, cand2)):
                    if row[h] == 0 and min(row[:h] + row[h + 1:], default=1) > 0 and self._in_box(P, Q):
                        good[h] = (P, Q)
            # exact interior point
            if r == 0:
                pt = start_homog
            elif pt is None:
                pt = self._interior(s, M, MsT, center, radius if rc == 0 else None, entries.get(r))
            if pt is None:
                unresolved.append(f"region {r}: no exact interior point")
                points[r] = None
            else:
                points[r] = _reduce_point(*pt)
            raw = {}
            want = [1 if (todo[h] and h not in good and status[h] == 0 and tstar[h] <= 1e-12) else 0
                    for h in range(H)]
            if any(want) and self.c_farkas_ok:
                try:
                    raw = farkas_region(M, s, supp, want, self.box_int)
                except OverflowError:
                    raw = {}
            for h in range(H):
                if not todo[h]:
                    continue
                rf = raw.get(h)
                if rf is not None and rf[0] == 0:
                    ids = [i for i in suppl[h] if i >= 0]
                    facets[(r, h)] = ("farkas", _RawFarkas(h, ids, rf[1], rf[2], rf[3], self.box_L))
                    continue
                if h in good:
                    P, Q = good[h]
                    ns = s[:h] + (-s[h],) + s[h + 1:]
                    k = index.get(ns)
                    if k is None:
                        k = len(patterns)
                        patterns.append(ns)
                        index[ns] = k
                        points.append(None)
                        entries[k] = (h, (P, Q))
                        queue.append(k)
                    pt_ = _reduce_point(P, Q)
                    facets[(r, h)] = ("facet", k, pt_)
                    facets[(k, h)] = ("facet", r, pt_)
                    continue
                grad0 = not any(M[h][:n0])
                if grad0:
                    const = s[h] * M[h][n0]
                    if const > 0:
                        facets[(r, h)] = ("farkas", {"constant": Fraction(const, self.F.scales[h]),
                                                     "neurons": []})
                    else:
                        non_generic.append(f"neuron {h} is identically zero near region {r}")
                    continue
                fk, why = (None, "LP failed")
                if status[h] == 0 and tstar[h] <= 1e-12:
                    fk, why = self._farkas(s, M, h, suppl[h])
                if fk is None:
                    fk2, why2 = self._farkas_fallback(s, M, h)
                    if fk2 is not None:
                        fk = fk2
                    elif "non-generic" in (why2 or "") or "non-generic" in (why or ""):
                        non_generic.append(f"region {r}, neuron {h}: " + (why2 if "non-generic" in (why2 or "") else why))
                        continue
                    else:
                        unresolved.append(f"region {r}, neuron {h}: {why}; fallback: {why2}")
                        continue
                facets[(r, h)] = ("farkas", fk)
            t3 = time.perf_counter()
            self.stats["forms_s"] += t1 - t0
            self.stats["lp_s"] += t2 - t1
            self.stats["exact_s"] += t3 - t2
            processed += 1
            if self.progress and t3 - last_draw > 0.2:
                last_draw = t3
                sys.stderr.write(f"\rexactsym regions: {processed} processed, {len(queue)} queued, "
                                 f"{t3 - t_start:.1f}s")
                sys.stderr.flush()
        if self.progress:
            sys.stderr.write("\r" + " " * 70 + "\r")
        done_idx = [i for i in range(len(patterns)) if points[i] is not None]
        complete = stopped is None and not non_generic and not unresolved and len(done_idx) == len(patterns)
        if stopped is not None:
            reason = stopped
        elif non_generic:
            reason = f"non-generic: {non_generic[0]}" + (f" (and {len(non_generic) - 1} more)"
                                                        if len(non_generic) > 1 else "")
        elif unresolved:
            reason = f"could not certify: {unresolved[0]}" + (f" (and {len(unresolved) - 1} more)"
                                                              if len(unresolved) > 1 else "")
        else:
            reason = None
        # renumber: only regions with a point are returned
        if complete:
            regs = [Region(i, patterns[i], points[i], self.net) for i in range(len(patterns))]
            fac = facets
        else:
            remap = {i: j for j, i in enumerate(done_idx)}
            regs = [Region(remap[i], patterns[i], points[i], self.net) for i in done_idx]
            fac = {}
            for (r, h), e in facets.items():
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
        return RegionsResult(self.net, self.box, regs, complete, reason, fac, non_generic + unresolved,
                             self.stats, self.F.scales)


def regions(net: Network, box=None, max_regions: int | None = None, time_limit: float | None = None,
            progress: bool = True) -> RegionsResult:
    """Enumerate and certify the activation regions of ``net`` on R^n0 or ``[lo, hi]^n0``.

    Returns a :class:`RegionsResult`: ``regions`` (each with ``pattern``,
    exact interior ``point``, ``affine_map`` and ``inequalities``),
    ``complete`` (True only with a full certificate), ``reason`` when
    incomplete, ``certificate`` (regions-complete) and the networkx graphs
    ``dual_graph`` and ``neuron_graph``. ``max_regions`` / ``time_limit``
    stop the traversal cleanly with ``complete=False``.
    """
    if box is not None:
        box = (Fraction(box[0]), Fraction(box[1]))
        if not box[0] < box[1]:
            raise ValueError("empty box")
    if net.H == 0:
        pt = tuple([Fraction(0)] * net.n0) if box is None else tuple([(box[0] + box[1]) / 2] * net.n0)
        return RegionsResult(net, box, [Region(0, (), pt, net)], True, None, {}, [], {"regions": 1})
    tr = _Traversal(net, box, max_regions, time_limit, progress)
    try:
        return tr.run()
    except NonGeneric as e:
        return RegionsResult(net, box, [], False, f"non-generic: {e}", {}, [str(e)], tr.stats)


# ---------------------------------------------------------------------------
# n0 = 1: exact breakpoints on the line
# ---------------------------------------------------------------------------

def _pattern_right_of(net: Network, x):
    r"""Pattern on :math:`(x, x + \varepsilon)` for small :math:`\varepsilon > 0`; ``x=None`` means
    :math:`-\infty`. Each value is carried as the pair (value, slope) and compared
    lexicographically; a neuron with value and slope both 0 vanishes on an
    interval (non-generic)."""
    lab = []
    # affine functions a*x + c of the input
    a_prev, c_prev = [Fraction(1)], [Fraction(0)]
    for l, (W, b) in enumerate(net.layers[:-1], start=1):
        a_new, c_new = [], []
        for row, bi in zip(W, b):
            a = sum((w * ap for w, ap in zip(row, a_prev)), Fraction(0))
            c = sum((w * cp for w, cp in zip(row, c_prev)), bi)
            if x is None:
                key = (-a, c)   # a*x + c as x -> -inf: sign of -a first, then c
            else:
                key = (a * x + c, a)
            sg = _fsign(key[0]) or _fsign(key[1])
            if sg == 0:
                raise NonGeneric(f"neuron {len(lab)} vanishes on an interval")
            lab.append(sg)
            if sg > 0:
                a_new.append(a)
                c_new.append(c)
            else:
                a_new.append(Fraction(0))
                c_new.append(Fraction(0))
        a_prev, c_prev = a_new, c_new
    return tuple(lab)


def line_regions(net: Network, box=None):
    """Exact regions of a network with ``n0 = 1``: list of ``(left, right, pattern)``.

    ``left``/``right`` are Fractions, or ``None`` for -inf/+inf on R. Walks
    left to right: on a piece the pattern is fixed and its right end is the
    smallest root beyond the left end of a neuron whose signed form
    decreases; the next pattern is read off exactly just right of it.
    """
    if net.n0 != 1:
        raise ValueError("line_regions needs n0 = 1")
    from .check.common import affine_forms
    if box is not None:
        lo, hi = Fraction(box[0]), Fraction(box[1])
    else:
        lo = hi = None
    left = lo
    out = []
    for _ in range(10 ** 6):
        s = _pattern_right_of(net, left)
        forms = affine_forms(net, s)[:net.H]
        right = None
        for sg, (a, c) in zip(s, forms):
            if sg * a[0] < 0:
                root = -c / a[0]
                if left is not None and root <= left:
                    continue
                if right is None or root < right:
                    right = root
        if hi is not None and (right is None or right >= hi):
            out.append((left, hi, s))
            return out
        out.append((left, right, s))
        if right is None:
            return out
        left = right
    raise RuntimeError("too many pieces")


# ---------------------------------------------------------------------------
# decisive sets (SPEC 2)
# ---------------------------------------------------------------------------

def decisive_points(result: RegionsResult):
    r"""``n0 + 1`` affinely independent rational points in every region (SPEC 2).

    Inside a region a Jacobian row is affine in the point, so these points'
    rows span all rows of the region. The points are the region's witness
    :math:`p` and :math:`p \pm 2^{-e} e_i` (:math:`i = 1..n_0`) for the smallest
    :math:`e \ge 0` (plus sign first) that stays in the region: an open set
    contains a small cross around each of its points. Membership is decided
    exactly on the integer forms: with slacks :math:`v_k = s_k z_k(p) > 0`
    (times :math:`S_k Q`), the point is inside iff
    :math:`2^e v_k \pm Q s_k M_k[i] > 0` for all k (and strictly inside the box).
    """
    net = result.net
    n0, H = net.n0, net.H
    box = result.box
    F = _Forms(net) if H else None
    out = []
    for reg in result.regions:
        p = list(reg.point)
        Q = 1
        for v in p:
            Q = Q * v.denominator // math.gcd(Q, v.denominator)
        P = [int(v * Q) for v in p]
        s = reg.pattern
        M = F.forms(s) if H else []
        vals = [sk * (sum(m * x for m, x in zip(row[:n0], P)) + row[n0] * Q) for row, sk in zip(M, s)]
        if any(v <= 0 for v in vals):
            raise NonGeneric(f"region {reg.index}: witness not interior")
        pts = [tuple(p)]
        for i in range(n0):
            # try p + 2^-e e_i, then p - 2^-e e_i, for e = 0, 1, 2, ...: the first one inside.
            # Exact test in integers: s_k z_k at p +- 2^-e e_i, times S_k Q 2^e.
            q = None
            for e in range(400):
                for sign in (1, -1):
                    if all((v << e) + sign * Q * sk * row[i] > 0 for row, sk, v in zip(M, s, vals)):
                        cand = list(p)
                        cand[i] += Fraction(sign, 1 << e)
                        if box is None or all(box[0] < v < box[1] for v in cand):
                            q = cand
                            break
                if q is not None:
                    break
            if q is None:
                raise NonGeneric(f"region {reg.index}: no decisive point found")
            pts.append(tuple(q))
        out.append(pts)
    return out
