r"""A small exact simplex over :math:`\mathbb{Q}`: the fallback that decides what float LPs could not.

Problem (P), for affine rows :math:`g_k(x) = a_k \cdot x + c_k` (integers or
rationals) and an optional affine equation :math:`e(x) = a_e \cdot x + c_e = 0`:

.. math::  t^* = \max\ t \quad\text{s.t.}\quad g_k(x) \ge t\ \forall k,\ \ e(x) = 0,\ \ t \le 1 .

It is solved through its dual (D), which has only :math:`n + 1` equality rows:

.. math::  \min\ \sum_k y_k c_k + \mu c_e + w \quad\text{s.t.}\quad
   \sum_k y_k a_k + \mu a_e = 0,\ \ \sum_k y_k + w = 1,\ \ y, w \ge 0,\ \mu \text{ free}.

(D) is feasible (:math:`w = 1`) and bounded below whenever (P) is feasible
(:math:`\{e = 0\} \ne \emptyset`), so by LP duality both optima equal
:math:`t^*`. Two-phase tableau simplex with Bland's rule (terminates), exact
``flint.fmpq`` arithmetic. The primal optimum is read off the simplex
multipliers :math:`\pi` of (D): :math:`x = -\pi_{1..n}`, :math:`t = \pi_{n+1}`.

Every returned object is re-verified exactly by :func:`maxmin_slack` before
it is returned (the dual identity as affine functions, and the primal
inequalities), so a bug here can cost completeness, never soundness; the
checker re-verifies whatever reaches a certificate anyway.
"""

from __future__ import annotations

__all__ = ["maxmin_slack", "ExactLPError"]


class ExactLPError(RuntimeError):
    """The exact simplex did not verify (never expected; reported, never trusted)."""


def _q(v):
    import flint
    return v if isinstance(v, flint.fmpq) else flint.fmpq(int(v.numerator), int(v.denominator)) \
        if hasattr(v, "numerator") else flint.fmpq(v)


def _pivot(T, basis, r, c):
    """Gauss-Jordan pivot of tableau ``T`` (rows, last entry = rhs; last row = costs) on (r, c)."""
    inv = 1 / T[r][c]
    T[r] = [v * inv for v in T[r]]
    for i in range(len(T)):
        if i != r and T[i][c] != 0:
            f = T[i][c]
            T[i] = [a - f * b for a, b in zip(T[i], T[r])]
    basis[r] = c


def _simplex(T, basis, allowed):
    """Minimise the cost row (last row of ``T``, reduced costs) by Bland's rule over columns ``allowed``."""
    m = len(T) - 1
    while True:
        enter = next((j for j in allowed if T[m][j] < 0), None)
        if enter is None:
            return
        best = None
        for i in range(m):
            if T[i][enter] > 0:
                ratio = T[i][-1] / T[i][enter]
                if best is None or ratio < best[0] or (ratio == best[0] and basis[i] < basis[best[1]]):
                    best = (ratio, i)
        if best is None:
            raise ExactLPError("dual LP unbounded (the equation has no solution)")
        _pivot(T, basis, best[1], enter)


def _dual_tableau(rows, eq, n):
    """Columns y_k, mu+, mu-, w, then one artificial per row; rhs (0, ..., 0, 1)."""
    cols, cost = [], []
    for r in rows:
        cols.append([r[i] for i in range(n)] + [1])
        cost.append(r[n])
    if eq is not None:
        cols.append([eq[i] for i in range(n)] + [0])
        cost.append(eq[n])
        cols.append([-eq[i] for i in range(n)] + [0])
        cost.append(-eq[n])
    cols.append([0] * n + [1])
    cost.append(1)
    nv = len(cols)
    T = []
    for i in range(n + 1):
        T.append([_q(c[i]) for c in cols] + [_q(int(i == j)) for j in range(n + 1)] + [_q(int(i == n))])
    return T, [_q(c) for c in cost], nv


def _solve_dual(rows, eq, n):
    """Optimal basic solution of (D): (values of the nv structural columns, pi, t*)."""
    T, cost, nv = _dual_tableau(rows, eq, n)
    m = n + 1
    basis = [nv + i for i in range(m)]
    # phase I: minimise the sum of the artificials (reduced costs = -column sums)
    T.append([-sum((T[i][j] for i in range(m)), _q(0)) if j < nv else _q(0) for j in range(nv + m)]
             + [-sum((T[i][-1] for i in range(m)), _q(0))])
    _simplex(T, basis, range(nv))
    # artificials left in the basis are at 0: pivot them out, or their row is redundant
    for i in range(m):
        if basis[i] >= nv:
            c = next((j for j in range(nv) if T[i][j] != 0), None)
            if c is not None:
                _pivot(T, basis, i, c)
    # phase II: the true costs, reduced against the current basis
    T[m] = [cost[j] if j < nv else _q(0) for j in range(nv + m)] + [_q(0)]
    for i in range(m):
        if basis[i] < nv and T[m][basis[i]] != 0:
            f = T[m][basis[i]]
            T[m] = [a - f * b for a, b in zip(T[m], T[i])]
    _simplex(T, basis, range(nv))
    vals = [_q(0)] * nv
    for i in range(m):
        if basis[i] < nv:
            vals[basis[i]] = T[i][-1]
    # reduced cost of artificial i is 0 - pi_i
    pi = [-T[m][nv + i] for i in range(m)]
    return vals, pi, -T[m][-1]


def _affine(row, x, n):
    return sum((_q(row[i]) * x[i] for i in range(n)), _q(row[n]))


def maxmin_slack(rows, eq=None):
    r"""Solve (P) exactly. ``rows``: affine rows ``[a_1..a_n, c]``; ``eq``: one such row or None.

    Returns ``(t, x, y, mu, w)`` (``flint.fmpq``): the optimum :math:`t^*`, a
    primal optimum :math:`x` (:math:`g_k(x) \ge t^*`, :math:`e(x) = 0`) and a
    dual optimum with the verified identity of affine functions
    :math:`\sum_k y_k g_k + \mu e \equiv t^* - w`.
    """
    n = len(eq if eq is not None else rows[0]) - 1
    vals, pi, t = _solve_dual(rows, eq, n)
    m = len(rows)
    y = vals[:m]
    mu = (vals[m] - vals[m + 1]) if eq is not None else _q(0)
    w = vals[-1]
    x = [-v for v in pi[:n]]
    # exact re-verification of both optima (never trust the tableau)
    comb = [sum((y[k] * _q(rows[k][i]) for k in range(m)), _q(0))
            + (mu * _q(eq[i]) if eq is not None else 0) for i in range(n + 1)]
    if any(comb[i] != 0 for i in range(n)) or comb[n] != t - w or sum(y, _q(0)) + w != 1:
        raise ExactLPError("dual identity does not verify")
    if (eq is not None and _affine(eq, x, n) != 0) or any(_affine(r, x, n) < t for r in rows):
        raise ExactLPError("primal point does not verify")
    return t, x, y, mu, w
