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

__all__ = ["Witnesses", "solve_exact", "proportional"]


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


def proportional(u, v) -> bool:
    """True when integer vectors u, v are linearly dependent (all 2x2 minors vanish)."""
    n = len(u)
    return all(u[i] * v[j] == u[j] * v[i] for i in range(n) for j in range(i + 1, n))


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

    def is_facet_point(self, P, Q, row, h) -> bool:
        return row[h] == 0 and min(row[:h] + row[h + 1:], default=1) > 0 and self.in_box(P, Q)

    # ---- interior point ------------------------------------------------------
    def interior(self, s, M, MsT, center, radius, entry):
        """An exact rational point of the region (rounded LP centre, else pushed facet witness)."""
        from .forms import to_homogeneous
        cands = []
        if radius is not None and radius > 0 and all(math.isfinite(v) for v in center):
            bits = max(8, int(math.ceil(-math.log2(radius))) + 8)
            for extra in (0, 16, 40):
                cands.append(to_homogeneous(center, bits + extra))
        if cands:
            for (P, Q), row in zip(cands, self.signed(MsT, cands)):
                if self.is_interior(P, Q, row):
                    return P, Q
        if entry is not None:
            # push the facet witness we crossed into this region: z_h moves by eps * |a_h|^2
            h, (P, Q) = entry
            a = M[h][:self.n0]
            for k in range(4, 400, 6):
                Q2 = Q << k
                P2 = [p * (1 << k) + s[h] * ai * Q for p, ai in zip(P, a)]
                row = self.signed(MsT, [(P2, Q2)])[0]
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

    # ---- Farkas --------------------------------------------------------------
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
