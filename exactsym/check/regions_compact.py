r"""The compact ``regions-complete`` evidence (key ``"pairs"``). Standard library only.

Proof: ``proofs/regions-complete.md`` (Theorem', Lemmas 5', 6, 7'). Pattern
entries may be 0 when the neuron's form on the region is the zero function.
For region r with pattern t and a hidden neuron h with :math:`t_h \ne 0`, the
*class* :math:`D_h = \{j : z^t_j \in \mathbb{R} z^t_h\}` (zero forms included)
is computed here from the forms (:math:`D_h = \{h\}` for a non-zero constant
:math:`z^t_h`, whose zero set is empty); an entry ``[r, h, X]`` covers every pair
:math:`(r, j)`, :math:`j \in D_h`, :math:`t_j \ne 0`, and is one of

* ``X = k`` (crossing): :math:`z^t_h` has a non-zero gradient and is not
  proportional to a box face; region k's pattern :math:`t'` equals t off
  :math:`D_h`; for :math:`j \in D_h`, :math:`z^{t'}_j = c_j z^t_h` with
  :math:`t'_j c_j t_h < 0`, or :math:`z^{t'}_j \equiv 0` and :math:`t'_j = 0`;
* ``X = [id, ...]`` (Farkas support): the multipliers are solved here, exactly
  and uniquely, from the gradients; all must be > 0, the constant
  :math:`\lambda_0 \ge 0`, and :math:`\lambda_0 > 0`, or a box face in the
  support, or a support neuron not proportional to h;
* ``X = {"farkas": {...}}``: multipliers written out (as in the ``facets`` form).

Every pair with :math:`t_j \ne 0` is covered exactly once; every :math:`t_j = 0`
has :math:`z^t_j \equiv 0`.
"""

from __future__ import annotations

from math import gcd

from .common import CheckFailure, integer

__all__ = ["verify_pairs"]


def _normal(row):
    g = 0
    for v in row:
        g = gcd(g, v)
    if g == 0:
        return None
    first = next(v for v in row if v)
    g = g if first > 0 else -g
    return tuple(v // g for v in row)


def _proportional(u, v) -> bool:
    n = len(u)
    return all(u[i] * v[j] == u[j] * v[i] for i in range(n) for j in range(i + 1, n))


def _ratio_sign(u, v) -> int:
    """Sign of c with u = c v (v non-zero, u proportional to v)."""
    i = next(i for i, vi in enumerate(v) if vi)
    return ((u[i] > 0) - (u[i] < 0)) * (1 if v[i] > 0 else -1)


class _Classes:
    """Proportionality classes of one region's forms (primitive normal forms, O(H))."""

    def __init__(self, F):
        self.norm = [_normal(row) for row in F]
        self.zero = [j for j, nr in enumerate(self.norm) if nr is None]
        self.by = {}
        for j, nr in enumerate(self.norm):
            if nr is not None:
                self.by.setdefault(nr, []).append(j)

    def of(self, h):
        """D_h; a non-zero constant (empty zero set) is its own class."""
        nr = self.norm[h]
        if nr is None:
            return list(self.zero)
        return sorted(self.by[nr] + self.zero) if any(nr[:-1]) else [h]


def _on_box_face(Mh, box, n0) -> bool:
    """Is z_h a multiple of a face form x_i - lo or hi - x_i (its zero set a face's hyperplane)?"""
    nz = [i for i in range(n0) if Mh[i]]
    return box is not None and len(nz) == 1 and any(Mh[n0] == -v * Mh[nz[0]] for v in box)


def _check_crossing(F, s, h, cls, Fk, t2, box, where, n0, H):
    Mh = F[h]
    if not any(Mh[:n0]):
        raise CheckFailure(f"{where}: neuron {h} has zero gradient on the region")
    if _on_box_face(Mh, box, n0):
        raise CheckFailure(f"{where}: neuron {h}'s zero set is a face of the box")
    inside = set(cls)
    for j in range(H):
        if j not in inside:
            if t2[j] != s[j]:
                raise CheckFailure(f"{where}: neighbour changes neuron {j}, outside the class of {h}")
        elif t2[j] == 0:
            if any(Fk[j]):
                raise CheckFailure(f"{where}: neuron {j} has label 0 across but a non-zero form")
        elif not any(Fk[j]) or not _proportional(Fk[j], Mh) or t2[j] * _ratio_sign(Fk[j], Mh) * s[h] >= 0:
            raise CheckFailure(f"{where}: neuron {j} across is not a multiple of z_{h} of the far side's sign")


def _det(A):
    """Integer determinant (Bareiss fraction-free elimination; every division is exact)."""
    n = len(A)
    if n <= 2:       # the common supports (n0 = 1, 2): no elimination needed
        return A[0][0] * A[1][1] - A[0][1] * A[1][0] if n == 2 else (A[0][0] if n else 1)
    if n == 3:       # n0 = 3: the cofactor expansion (no division)
        (a, b, c), (d, e, f), (g, h, i) = A
        return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    if n == 4:       # n0 = 4: Laplace along the first two rows (six 2x2 minors of each pair)
        (a0, a1, a2, a3), (b0, b1, b2, b3), (c0, c1, c2, c3), (d0, d1, d2, d3) = A
        s01, s02, s03 = a0 * b1 - a1 * b0, a0 * b2 - a2 * b0, a0 * b3 - a3 * b0
        s12, s13, s23 = a1 * b2 - a2 * b1, a1 * b3 - a3 * b1, a2 * b3 - a3 * b2
        c23, c13, c12 = c2 * d3 - c3 * d2, c1 * d3 - c3 * d1, c1 * d2 - c2 * d1
        c03, c02, c01 = c0 * d3 - c3 * d0, c0 * d2 - c2 * d0, c0 * d1 - c1 * d0
        return s01 * c23 - s02 * c13 + s03 * c12 + s12 * c03 - s13 * c02 + s23 * c01
    A = [list(r) for r in A]
    sign, prev = 1, 1
    for k in range(n - 1):
        p = next((i for i in range(k, n) if A[i][k] != 0), None)
        if p is None:
            return 0
        if p != k:
            A[k], A[p] = A[p], A[k]
            sign = -sign
        for i in range(k + 1, n):
            for j in range(k + 1, n):
                A[i][j] = (A[i][j] * A[k][k] - A[i][k] * A[k][j]) // prev
        prev = A[k][k]
    return sign * A[n - 1][n - 1] if n else 1


def _solve_unique(cols, target):
    """``(num, den)`` with ``lam_j = num[j] / den`` the unique solution of
    ``sum_j lam_j cols[j] = target`` (integers), or None (dependent columns, or no solution).

    Cramer's rule on the first m rows with a non-zero minor, then an exact
    integer check of every row.
    """
    from itertools import combinations
    m, n = len(cols), len(target)
    if m == 0:
        return ([], 1) if not any(target) else None
    if m == n:
        # square: det(B) = det(B^T), the rows of B^T are the columns; with det != 0 Cramer's
        # rule gives the unique solution exactly, so no row check is needed
        den = _det(cols)
        if den == 0:
            return None
        num = [_det(cols[:j] + [target] + cols[j + 1:]) for j in range(m)]
        return (num, den) if den > 0 else ([-v for v in num], -den)
    for rows in combinations(range(n), m):
        B = [[cols[j][i] for j in range(m)] for i in rows]
        den = _det(B)
        if den != 0:
            break
    else:
        return None                              # dependent columns: not unique
    num = []
    for j in range(m):
        Bj = [r[:j] + [target[i]] + r[j + 1:] for r, i in zip(B, rows)]
        num.append(_det(Bj))
    if den < 0:
        den, num = -den, [-v for v in num]
    if any(sum(num[j] * cols[j][i] for j in range(m)) != den * target[i] for i in range(n)):
        return None                              # inconsistent
    return num, den


def _support_columns(ids, F, s, h, box, where, n0, H):
    if not isinstance(ids, list) or len(ids) > n0:
        raise CheckFailure(f"{where}: a Farkas support lists at most {n0} ids")
    top = H + (2 * n0 if box is not None else 0)
    ids = [integer(v, f"{where} support", 0, top - 1) for v in ids]
    if len(set(ids)) != len(ids) or h in ids:
        raise CheckFailure(f"{where}: Farkas support repeats an id or names neuron {h}")
    cols, consts = [], []
    for cid in ids:
        if cid < H:
            if s[cid] == 0:
                raise CheckFailure(f"{where}: Farkas support names neuron {cid}, which is zero there")
            cols.append([s[cid] * v for v in F[cid][:n0]])
            consts.append(s[cid] * F[cid][n0])
        else:
            i, side = divmod(cid - H, 2)
            cols.append([(1 if side == 0 else -1) * int(j == i) for j in range(n0)])
            consts.append(-box[0] if side == 0 else box[1])
    return ids, cols, consts


def _check_support(ids, F, s, h, box, where, n0, H):
    r"""Solve :math:`s_h M_h = \sum \lambda_\ell \ell + \lambda_0` on the support (integer forms)."""
    ids, cols, consts = _support_columns(ids, F, s, h, box, where, n0, H)
    Mh = F[h]
    sol = _solve_unique(cols, [s[h] * v for v in Mh[:n0]])
    if sol is None:
        raise CheckFailure(f"{where}: the Farkas support does not determine unique multipliers")
    num, den = sol                               # lam_j = num_j / den, den > 0
    if any(v <= 0 for v in num):
        raise CheckFailure(f"{where}: Farkas multipliers on the support are not all positive")
    lam0 = den * s[h] * Mh[n0] - sum((v * c for v, c in zip(num, consts)), 0)   # den * lambda_0
    if lam0 < 0:
        raise CheckFailure(f"{where}: Farkas constant is negative")
    if not (lam0 > 0 or any(cid >= H for cid in ids)
            or any(not _proportional(F[cid], Mh) for cid in ids if cid < H)):
        raise CheckFailure(f"{where}: Farkas certificate does not bound the dimension")


class _Pairs:
    """Which (region, neuron) pairs are covered; each exactly once."""

    def __init__(self, R, H):
        self.H = H
        self.bits = bytearray(R * H)
        self.count = 0

    def cover(self, r, h, where):
        i = r * self.H + h
        if self.bits[i]:
            raise CheckFailure(f"{where}: pair (region {r}, neuron {h}) covered twice")
        self.bits[i] = 1
        self.count += 1


def _entry(ent, where, R, H):
    if not isinstance(ent, list) or len(ent) != 3:
        raise CheckFailure(f"{where} must be [region, neuron, evidence]")
    return integer(ent[0], f"{where}[0]", 0, R - 1), integer(ent[1], f"{where}[1]", 0, H - 1), ent[2]


def verify_pairs(pairs, patterns, forms, inet, box, n0, H, check_farkas):
    """Check the compact list; returns (crossing entries, Farkas entries).

    ``check_farkas`` is the written-out multiplier check of :mod:`.regions`.
    """
    if not isinstance(pairs, list):
        raise CheckFailure("evidence.pairs must be a list")
    R = len(patterns)
    for r, s in enumerate(patterns):
        if 0 in s and any(any(forms(r)[j]) for j in range(H) if s[j] == 0):
            raise CheckFailure(f"regions[{r}]: a neuron labelled 0 has a non-zero form")
    cov = _Pairs(R, H)
    classes = {}
    n_cross = n_farkas = 0
    for e, ent in enumerate(pairs):
        where = f"pairs[{e}]"
        r, h, X = _entry(ent, where, R, H)
        s, F = patterns[r], forms(r)
        if s[h] == 0:
            raise CheckFailure(f"{where}: neuron {h} is labelled 0 on region {r}")
        if r not in classes:
            classes.clear()        # entries come grouped by region: keep one region's classes
            classes[r] = _Classes(F)
        cls = classes[r].of(h)
        if isinstance(X, int) and not isinstance(X, bool):
            k = integer(X, f"{where}[2]", 0, R - 1)
            _check_crossing(F, s, h, cls, forms(k), patterns[k], box, where, n0, H)
            n_cross += 1
        elif isinstance(X, list):
            _check_support(X, F, s, h, box, where, n0, H)
            n_farkas += 1
        elif isinstance(X, dict) and set(X) == {"farkas"}:
            check_farkas(X["farkas"], F, s, h, inet, box, where, n0, H)
            n_farkas += 1
        else:
            raise CheckFailure(f"{where}[2] must be a region index, a support list or {{farkas}}")
        for j in cls:
            if s[j] != 0:
                cov.cover(r, j, where)
    need = sum(1 for s in patterns for v in s if v != 0)
    if cov.count != need:
        raise CheckFailure(f"only {cov.count} of {need} (region, neuron) pairs are covered")
    return n_cross, n_farkas
