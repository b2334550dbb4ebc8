r"""Exact witnesses of the region engine: interior points, facet points, Farkas identities.

Every float proposal of :mod:`.proposals` becomes an exact rational object
here, or is rejected (``proofs/regions-complete.md``):

* an **interior point** of :math:`R_s`: every :math:`s_k z_k > 0`, strictly
  inside the box;
* a **facet point** of :math:`(R_s, h)`: :math:`z_h = 0` and every other
  :math:`s_k z_k > 0`, strictly inside the box;
* a **Farkas identity** :math:`s_h z_h = \sum_k \lambda_k s_k z_k + \sum_f \mu_f g_f
  + \lambda_0` with non-negative multipliers on a proposed support, solved
  over :math:`\mathbb{Q}` (python-flint) or in 128-bit integers (C).

Points are homogeneous integer vectors ``(P, Q)`` meaning ``P / Q``; the
forms are the integer forms :math:`M_k = S_k z_k` of :mod:`.forms`, so
signs are exact integer signs.
"""

from __future__ import annotations

import math
from fractions import Fraction

from ..check.shared.exact import gauss_jordan

__all__ = ["Witnesses", "ExactDecisions", "solve_exact", "proportional", "classes"]


def solve_exact(cols, rhs):
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
    piv_cols = gauss_jordan(A, m)
    lam = [Fraction(0)] * m
    for i, c in enumerate(piv_cols):
        lam[c] = A[i][m]
    for i in range(n):
        if sum((lam[j] * cols[j][i] for j in range(m)), Fraction(0)) != rhs[i]:
            return None
    return lam


def proportional(u, v) -> bool:
    """True when integer vectors u, v are linearly dependent (all 2x2 minors vanish)."""
    n = len(u)
    return all(u[i] * v[j] == u[j] * v[i] for i in range(n) for j in range(i + 1, n))


def _normal(row):
    """The primitive integer row with first nonzero entry positive (None for the zero row)."""
    g = 0
    for v in row:
        g = math.gcd(g, v)
    if g == 0:
        return None
    first = next(v for v in row if v)
    g = g if first > 0 else -g
    return tuple(v // g for v in row)


def classes(M) -> dict:
    r"""The non-trivial proportionality classes of the rows of M: ``{h: [j, ...]}``.

    :math:`j \in D_h` iff :math:`M_j \in \mathbb{R} M_h` (zero rows belong to every class);
    only neurons whose class is more than ``[h]`` appear. One pass with
    primitive normal forms, so the generic region costs O(H). Non-zero
    constants (empty zero sets) are left alone: nothing crosses them.
    """
    by, zero = {}, []
    norms = []
    for j, row in enumerate(M):
        nr = _normal(row)
        norms.append(nr)
        if nr is None:
            zero.append(j)
        else:
            by.setdefault(nr, []).append(j)
    out = {}
    for j, nr in enumerate(norms):
        if nr is not None and not any(nr[:-1]):
            continue      # a non-zero constant: empty zero set, certified alone by its constant
        members = zero if nr is None else sorted(by[nr] + zero)
        if len(members) > 1:
            out[j] = members
    return out


class Witnesses:
    """Exact checks for one network on one domain (``box`` is None or exact ``(lo, hi)``)."""

    def __init__(self, forms, box):
        self.F = forms
        self.flint = forms.flint
        self.n0 = forms.n0
        self.H = forms.H
        self.box = box
        # the 128-bit C Farkas path needs int64 box numbers
        self.box_int = None
        self.box_L = 1
        self.c_farkas_ok = True
        if box is not None:
            lo, hi = box
            self.box_int = ((lo.numerator, lo.denominator), (hi.numerator, hi.denominator))
            self.box_L = lo.denominator * hi.denominator // math.gcd(lo.denominator, hi.denominator)
            if any(abs(v) >= 1 << 62 for pair in self.box_int for v in pair):
                self.c_farkas_ok = False

    # ---- membership ----------------------------------------------------------
    def signed_forms(self, M, s):
        """The transpose of the sign-multiplied integer forms, for :meth:`signed`."""
        return self.flint.fmpz_mat([[v * sk for v in row] for row, sk in zip(M, s)]).transpose()

    def signed(self, MsT, pts):
        """Rows ``[s_k z_k(p)]_k`` (positive multiples) for homogeneous points, one FLINT product.

        A point lies in the region iff its row is all positive, and on the
        facet of h iff only entry h is 0 and the others are positive.
        """
        if not pts:
            return []
        V = (self.flint.fmpz_mat([P + [Q] for P, Q in pts]) * MsT).entries()
        H = self.H
        return [V[j * H:(j + 1) * H] for j in range(len(pts))]

    def in_box(self, P, Q):
        if self.box is None:
            return True
        lo, hi = self.box
        return all(lo.numerator * Q < p * lo.denominator and p * hi.denominator < hi.numerator * Q for p in P)

    def is_interior(self, P, Q, row) -> bool:
        return min(row) > 0 and self.in_box(P, Q)

    def is_facet_point(self, P, Q, row, h, s=None) -> bool:
        """Only entry h is 0 (entries of neurons with label 0 in ``s``, identically zero, are skipped)."""
        if row[h] != 0 or not self.in_box(P, Q):
            return False
        if s is None or 0 not in s:
            return min(row[:h] + row[h + 1:], default=1) > 0
        return all(v > 0 for k, v in enumerate(row) if k != h and s[k] != 0)

    # ---- interior point ------------------------------------------------------
    def interior(self, s, M, signed, center, radius, entry):
        """An exact rational point of the region (rounded LP centre, else pushed facet witness).

        ``signed(pts)``: rows of exact signs (or values) of ``s_k z_k`` at the points.
        """
        from .forms import to_homogeneous
        cands = []
        if radius is not None and radius > 0 and all(math.isfinite(v) for v in center):
            bits = max(8, int(math.ceil(-math.log2(radius))) + 8)
            for extra in (0, 16, 40):
                cands.append(to_homogeneous(center, bits + extra))
        if cands:
            for (P, Q), row in zip(cands, signed(cands)):
                if self.is_interior(P, Q, row):
                    return P, Q
        if entry is not None:
            # push the facet witness we crossed into this region: z_h moves by eps * |a_h|^2
            h, (P, Q) = entry
            a = M[h][:self.n0]
            for k in range(4, 400, 6):
                Q2 = Q << k
                P2 = [p * (1 << k) + s[h] * ai * Q for p, ai in zip(P, a)]
                row = signed([(P2, Q2)])[0]
                if self.is_interior(P2, Q2, row):
                    return P2, Q2
        return None

    # ---- facet point ---------------------------------------------------------
    def facet_candidate(self, M, h, x, t, extra):
        """Round the LP's point on {z_h = 0}, then put it on the hyperplane exactly.

        Coordinates other than j (the largest |a_h[j]|) are rounded to
        multiples of 2^-bits; x_j is solved from the integer form, which
        multiplies the common denominator by |m_j|.
        """
        from .forms import to_homogeneous
        n0 = self.n0
        m = M[h]
        j = max(range(n0), key=lambda i: abs(m[i]))
        mj = m[j]
        bits = (max(10, int(math.ceil(-math.log2(max(t, 1e-300)))) + 10) if t > 0 else 30) + extra
        P, Q = to_homogeneous(x, bits)
        sg = 1 if mj > 0 else -1
        rest = sum(m[i] * P[i] for i in range(n0) if i != j) + m[n0] * Q
        amj = abs(mj)
        P2 = [P[i] * amj if i != j else -sg * rest for i in range(n0)]
        return P2, Q * amj

    # ---- Farkas ----
    def support(self, s, M, fk):
        """Ids of the non-zero multipliers when their gradients are independent, else None.

        With independent gradients the multipliers are the unique solution on
        the support, so the compact certificate names the support only.
        """
        H, n0 = self.H, self.n0
        if hasattr(fk, "num"):
            ids = [cid for cid, n in zip(fk.ids, fk.num) if n != 0]
        else:
            ids = [k for k, _ in fk["neurons"]] + [H + 2 * i + sd for i, sd, _ in fk.get("box", [])]
        cols, _ = self._support_columns(s, M, ids)
        if len(cols) > n0:
            return None
        if cols and self.flint.fmpz_mat([[c[i] for c in cols] for i in range(n0)]).rank() != len(cols):
            return None
        return sorted(ids)

    def farkas_c(self, M, s, supp, want):
        """128-bit C solves of the Farkas systems of the pairs in ``want`` ({h: (rc, det, num, cnum)})."""
        if not (any(want) and self.c_farkas_ok):
            return {}
        from ._regions import farkas_region
        try:
            return farkas_region(M, s, supp, want, self.box_int)
        except OverflowError:
            return {}

    def _support_columns(self, s, M, supp):
        n0 = self.n0
        cols, kinds = [], []
        for cid in (int(i) for i in supp if i >= 0):
            if cid < self.H:
                cols.append([s[cid] * v for v in M[cid][:n0]])
                kinds.append(cid)
            elif cid < self.H + 2 * n0:
                i, side = divmod(cid - self.H, 2)
                e = [0] * n0
                e[i] = 1 if side == 0 else -1
                cols.append(e)
                kinds.append((i, side))
        return cols, kinds

    def _solve(self, cols, target):
        flint = self.flint
        n0 = self.n0
        if len(cols) == n0:
            B = flint.fmpz_mat([[cols[j][i] for j in range(n0)] for i in range(n0)])
            if B.det() != 0:
                return B.solve(flint.fmpz_mat([[v] for v in target])).entries()
        lam = solve_exact(cols, target)
        if lam is None:
            return None
        return [flint.fmpq(v.numerator, v.denominator) for v in lam]

    def farkas(self, s, M, h, supp):
        r"""Exact multipliers on the proposed support, or (None, why).

        Solves :math:`s_h a_h = \sum_k \lambda_k s_k a_k + \sum_f \mu_f \nabla g_f` exactly
        on the support, then :math:`\lambda_0` from the constants; multipliers
        of the true forms are :math:`\lambda_k S_k / S_h`. Values stay FLINT
        ``fmpq`` until the certificate is written.
        """
        flint = self.flint
        n0 = self.n0
        cols, kinds = self._support_columns(s, M, supp)
        lam = self._solve(cols, [s[h] * v for v in M[h][:n0]])
        if lam is None:
            return None, "Farkas system inconsistent on the proposed support"
        scales = self.F.scales
        Sh = scales[h]
        const = flint.fmpq(s[h] * M[h][n0])
        neurons, boxes = [], []
        for v, kd in zip(lam, kinds):
            if v == 0:
                continue
            if v < 0:
                return None, "Farkas multipliers negative on the proposed support"
            if isinstance(kd, int):
                const -= v * (s[kd] * M[kd][n0])
                neurons.append([kd, v * scales[kd] / Sh])
            else:
                i, side = kd
                g0 = -self.box[0] if side == 0 else self.box[1]
                const -= v * flint.fmpq(g0.numerator, g0.denominator)
                boxes.append([i, side, v / Sh])
        if const < 0:
            return None, "Farkas constant negative"
        if const == 0 and not boxes and not any(not proportional(M[k], M[h]) for k, _ in neurons):
            ks = [k for k, _ in neurons]
            return None, f"coinciding zero sets of neurons {h} and {ks} (non-generic)"
        fk = {"constant": const / Sh, "neurons": neurons}
        if boxes:
            fk["box"] = boxes
        return fk, None


def _homog(x):
    """Homogeneous integer vector ``(P, Q)`` of a rational point (FLINT fmpq or Fraction)."""
    Q = 1
    for v in x:
        d = int(v.q) if hasattr(v, "q") else v.denominator
        Q = Q * d // math.gcd(Q, d)
    P = [int(v.p) * (Q // int(v.q)) if hasattr(v, "q") else v.numerator * (Q // v.denominator) for v in x]
    return P, Q


def _ratio_sign(u, v) -> int:
    """Sign of c with u = c v (v a nonzero integer row, u proportional to v)."""
    i = next(i for i, vi in enumerate(v) if vi)
    return (u[i] > 0) - (u[i] < 0) if v[i] > 0 else (u[i] < 0) - (u[i] > 0)


class ExactDecisions:
    r"""Exact decisions of a (region, neuron) pair when the float proposals failed.

    With :math:`D_h = \{j : z_j \in \mathbb{R} z_h\}` (the *class* of h on the
    region: coinciding zero sets, and every neuron identically zero there)
    and :math:`\mathcal{L}` the signed forms :math:`s_k z_k`, :math:`k \notin D_h`, plus
    the box faces, :func:`~.exactlp.maxmin_slack` gives the exact optimum
    :math:`t^*` of :math:`\max t` s.t. :math:`\ell \ge t\ (\ell \in \mathcal{L})`,
    :math:`z_h = 0`. If :math:`t^* > 0` its point is an exact facet point; else
    the dual gives :math:`-\mu z_h = \sum y_\ell \ell + (w - t^*)`, a Farkas
    identity for :math:`s_h z_h` after division by :math:`\nu = -\mu s_h`, which
    is :math:`> 0` on a non-empty region (at an interior point the left side
    would otherwise be :math:`\le 0 <` the right side), and whose support
    holds no multiple of :math:`z_h` (``proofs/regions-complete.md``).
    """

    def __init__(self, witnesses):
        self.W = witnesses
        self.n0 = witnesses.n0
        self.H = witnesses.H

    def _box_rows(self):
        if self.W.box is None:
            return [], []
        lo, hi = self.W.box
        rows, ids = [], []
        for i in range(self.n0):
            for side, (sg, c) in enumerate(((1, -lo), (-1, hi))):
                e = [0] * self.n0
                e[i] = sg
                rows.append(e + [c])
                ids.append((i, side))
        return rows, ids

    def klass(self, M, h):
        """Neurons whose form on the region is a real multiple of z_h (h and zero forms included)."""
        return [j for j in range(self.H) if proportional(M[j], M[h])]

    def interior(self, s, M):
        """An exact interior point ``(P, Q)`` of the region, or None (empty region)."""
        from .exactlp import maxmin_slack
        rows = [[sk * v for v in M[k]] for k, sk in enumerate(s) if sk != 0]
        brow, _ = self._box_rows()
        rows += brow
        if not rows:
            return [0] * self.n0, 1
        t, x, _, _, _ = maxmin_slack(rows)
        return _homog(x) if t > 0 else None

    def decide(self, s, M, h):
        """``("facet", (P, Q), klass)``, ``("farkas", multipliers)`` or ``("fail", why)``."""
        from .exactlp import maxmin_slack
        cls = self.klass(M, h)
        ids = [k for k in range(self.H) if k not in cls]
        rows = [[s[k] * v for v in M[k]] for k in ids]
        brow, bids = self._box_rows()
        t, x, y, mu, w = maxmin_slack(rows + brow, eq=M[h])
        if t > 0:
            return "facet", _homog(x), cls
        return self._farkas(s, M, h, ids + bids, y, mu, w - t)

    def _farkas(self, s, M, h, ids, y, mu, kappa):
        r"""Multipliers of the true forms from :math:`-\mu M_h = \sum y_\ell \ell + \kappa` (integer forms)."""
        nu = -mu * s[h]
        if nu <= 0:
            return "fail", "exact dual gives no Farkas identity (empty region?)"
        Sh = self.W.F.scales[h]
        neurons, boxes = [], []
        for cid, v in zip(ids, y):
            if v == 0:
                continue
            if isinstance(cid, int):
                neurons.append([cid, v * self.W.F.scales[cid] / nu / Sh])
            else:
                boxes.append([cid[0], cid[1], v / nu / Sh])
        fk = {"constant": kappa / nu / Sh, "neurons": neurons}
        if boxes:
            fk["box"] = boxes
        return "farkas", fk

    def neighbour(self, s, h, cls):
        r"""The pattern across the facet of h when the class :math:`D_h` has several neurons.

        Off :math:`D_h` the signs stay. In layer order, each :math:`j \in D_h` gets the
        sign its new form :math:`z'_j = c_j z_h` takes on the far side
        (:math:`-\mathrm{sign}(c_j) s_h`), or 0 if :math:`z'_j \equiv 0`; None when some
        :math:`z'_j` is not a multiple of :math:`z_h` (a degenerate vertex: not crossed here).
        """
        F = self.W.F
        Mh = F.forms(s)[h]
        t = list(s)
        start = 0
        for Wl, _ in F.net.layers[:-1]:
            width = len(Wl)
            layer = [j for j in cls if start <= j < start + width]
            if layer:
                Mt = F.forms(tuple(t))
                for j in layer:
                    if not any(Mt[j]):
                        t[j] = 0
                    elif proportional(Mt[j], Mh):
                        t[j] = -_ratio_sign(Mt[j], Mh) * s[h]
                    else:
                        return None
            start += width
        return tuple(t)
