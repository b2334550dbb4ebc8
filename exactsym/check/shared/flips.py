r"""Flip matrices and their 0/1 kernel vectors, exactly.

Shared by the shallow criterion's producer, mechanism 6's detector and the
checker. Standard library only.

Deciding whether some nonempty set S of the vectors x_1..x_n sums to zero
(criterion (iv), ``proofs/shallow-criterion.md`` §4) is done in bounded work:

1. *sign test*: if a linear functional phi has phi(x_j) >= 0 for every j
   still in play, every zero-sum set avoids the j with phi(x_j) > 0, which
   are dropped; repeated to a fixpoint over the coordinate functionals, the
   vectors themselves, their sum and a few fixed pseudo-random integer
   functionals. When every c_j w_j is positive in the same coordinate (the
   (1,23,1) case with all c_j w_j > 0) this empties the set at once;
2. on what is left (n vectors, kernel dimension f), an exact search of
   ``2^min(f, ceil(n/2))`` steps: a depth-first search over the kernel's free
   coordinates with interval pruning when f <= ceil(n/2), else
   meet-in-the-middle over the vectors (subset sums of one half in a hash
   table, the other half looked up negated);
3. past :data:`SEARCH_LIMIT` (that exponent) the search is refused with
   ``OverflowError`` instead of running for minutes.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm

from ...network.model import Network
from .exact import gauss_jordan

__all__ = ["SEARCH_LIMIT", "flip_matrices", "rref_kernel", "zero_one_kernel_vectors", "zero_one_search"]

Q0 = Fraction(0)
#: largest exponent e of an exact search of 2^e steps (module docstring, step 3): about
#: 2 million steps, a few seconds of pure Python; beyond it the search is refused
SEARCH_LIMIT = 20


def flip_matrices(net: Network, l: int = 1) -> list[list[Fraction]]:
    """Vectorised ``col_j w_j^T`` (weights only) for each neuron j of hidden layer l."""
    W = net.layers[l - 1][0]
    Wn = net.layers[l][0]
    return [[Wn[i][j] * W[j][c] for i in range(len(Wn)) for c in range(len(W[j]))]
            for j in range(len(W))]


def rref_kernel(vectors: list[list[Fraction]]):
    """Exact kernel of the matrix whose *columns* are ``vectors``: (basis, free columns).

    Returns kernel basis vectors ``v`` (length = number of vectors) with
    ``sum_j v_j vectors[j] = 0``, one per free column, ``v[free] = 1`` and
    ``v[other free] = 0``.
    """
    n = len(vectors)
    m = len(vectors[0]) if n else 0
    A = [[vectors[j][i] for j in range(n)] for i in range(m)]
    pivots = gauss_jordan(A, n)
    free = [c for c in range(n) if c not in pivots]
    basis = []
    for f in free:
        v = [Q0] * n
        v[f] = Fraction(1)
        for row, pc in zip(A, pivots):
            v[pc] = -row[f]
        basis.append(v)
    return basis, free


def zero_one_kernel_vectors(vectors, limit_free: int = SEARCH_LIMIT, first_only: bool = True):
    """Nonempty index sets S with ``sum_{j in S} vectors[j] = 0``, decided exactly.

    With ``first_only`` one such set (or none); otherwise all of them, in the
    order of their 0/1 values on the free coordinates of :func:`rref_kernel`
    of all the vectors (lexicographic, first free coordinate first). Raises
    ``OverflowError`` when the exact search would exceed ``2^limit_free``
    steps (module docstring).
    """
    return zero_one_search(vectors, limit_free, first_only)[0]


def zero_one_search(vectors, limit: int = SEARCH_LIMIT, first_only: bool = True):
    """``(sets, how)``: the sets of :func:`zero_one_kernel_vectors` and how they were decided."""
    n = len(vectors)
    if n == 0:
        return [], "no vectors"
    X = _integer_vectors(vectors)
    live = sign_test(X)
    if not live:
        return [], f"sign test: no zero-sum set (all {n} vectors eliminated)"
    basis, free = rref_kernel([vectors[j] for j in live])
    if not free:
        return [], f"sign test left {len(live)} independent vectors"
    e_dfs, e_mitm = len(free), (len(live) + 1) // 2
    e = min(e_dfs, e_mitm)
    if e > limit:
        raise OverflowError(f"an exact search of 2^{e} steps ({len(live)} flip vectors left by the sign test, "
                            f"kernel dimension {len(free)}) exceeds the documented limit 2^{limit}")
    if e_dfs <= e_mitm:
        local = _dfs(basis, free, first_only)
        how = f"depth-first search over {len(free)} free coordinates"
    else:
        local = _mitm([X[j] for j in live], first_only)
        how = f"meet-in-the-middle over {len(live)} vectors"
    found = [sorted(live[i] for i in S) for S in local]
    # every reported set is re-verified on the original vectors (cheap; closes any search bug)
    found = [S for S in found if all(sum(X[j][k] for j in S) == 0 for k in range(len(X[0])))]
    if not first_only:
        _, free_all = rref_kernel(vectors)
        found.sort(key=lambda S: [int(g in S) for g in free_all])
    return found, f"sign test left {len(live)} of {n} vectors; {how}"


def _integer_vectors(vectors) -> list[tuple[int, ...]]:
    """The vectors times the common denominator of all entries (same zero-sum sets)."""
    d = 1
    for v in vectors:
        for q in v:
            d = lcm(d, Fraction(q).denominator)
    return [tuple(int(Fraction(q) * d) for q in v) for v in vectors]


def _functionals(X, live):
    m = len(X[live[0]])
    yield from ([int(i == k) for k in range(m)] for i in range(m))
    yield [sum(X[j][k] for j in live) for k in range(m)]
    yield from (X[j] for j in live)
    state = 0x9E3779B9
    for _ in range(4):                     # fixed pseudo-random functionals (deterministic)
        phi = []
        for _ in range(m):
            state = (state * 6364136223846793005 + 1442695040888963407) % 2 ** 64
            phi.append((state >> 33) % 7 - 3)
        yield phi


def sign_test(X) -> list[int]:
    """Indices that can still lie in a zero-sum set (module docstring, step 1).

    If phi(x_j) >= 0 for all j in play and sum_S x_j = 0 with S among them,
    then 0 = phi(sum_S x_j) = sum_S phi(x_j) is a sum of nonnegative terms, so
    phi(x_j) = 0 for every j in S: dropping the j with phi(x_j) != 0 loses no
    zero-sum set (``proofs/shallow-criterion.md`` §4, Lemma S).
    """
    live = list(range(len(X)))
    changed = True
    while changed and live:
        changed = False
        for phi in _functionals(X, live):
            vals = [sum(a * b for a, b in zip(phi, X[j])) for j in live]
            if all(v >= 0 for v in vals) or all(v <= 0 for v in vals):
                keep = [j for j, v in zip(live, vals) if v == 0]
                if len(keep) < len(live):
                    live, changed = keep, True
                    break
    return live


def _dfs(basis, free, first_only):
    """0/1 kernel vectors by their free coordinates t (``proofs/shallow-criterion.md`` §4, Lemma D).

    v = sum_g t_g basis_g; v is 0/1 iff every pivot coordinate is. Per pivot p
    the integer row N_p = d_p (basis_g[p])_g and the target set {0, d_p}; a
    branch is cut when, for some p, no completion of t can reach the targets:
    the partial sum plus the least and the greatest possible rest of the row
    encloses neither 0 nor d_p.
    """
    n, f = len(basis[0]), len(free)
    piv = [p for p in range(n) if p not in free]
    rows = []
    for p in piv:
        d = 1
        for b in basis:
            d = lcm(d, b[p].denominator)
        rows.append(([int(b[p] * d) for b in basis], d))
    lo = [[sum(min(0, r[g]) for g in range(k, f)) for r, _ in rows] for k in range(f + 1)]
    hi = [[sum(max(0, r[g]) for g in range(k, f)) for r, _ in rows] for k in range(f + 1)]
    found, t = [], []

    def ok(s, k):
        return all((s[i] + lo[k][i] <= 0 <= s[i] + hi[k][i]) or (s[i] + lo[k][i] <= d <= s[i] + hi[k][i])
                   for i, (_, d) in enumerate(rows))

    def rec(k, s):
        if k == f:
            if any(t) and all(s[i] in (0, d) for i, (_, d) in enumerate(rows)):
                found.append({free[g] for g in range(f) if t[g]} | {piv[i] for i, (_, d) in enumerate(rows) if s[i]})
            return
        for bit in (0, 1):
            s2 = s if not bit else [a + r[k] for a, (r, _) in zip(s, rows)]
            t.append(bit)
            if ok(s2, k + 1):
                rec(k + 1, s2)
            t.pop()
            if found and first_only:
                return
    rec(0, [0] * len(rows))
    return found


def _subset_sums(ys):
    """phi-sums of every subset of the scalars ``ys``, by doubling (index = mask)."""
    out = [0]
    for y in ys:
        out += [v + y for v in out]
    return out


def mitm_functionals(m):
    """The two fixed integer functionals on Z^m that key the meet-in-the-middle table."""
    state, phis = 0x2545F4914F6CDD1D, ([], [])
    for phi in phis:                     # a zero-sum set matches in both
        for _ in range(m):
            state = (state * 6364136223846793005 + 1442695040888963407) % 2 ** 64
            phi.append((state >> 3) - 2 ** 60)
    return phis


def _mitm(cols, first_only):
    """Zero-sum sets by meet in the middle (``proofs/shallow-criterion.md`` §4, Lemma M).

    S = A u B with A in the first half and B in the second; sum S = 0 iff
    sum A = -sum B. To keep the table small, each vector is replaced by the
    integer phi(x) for a fixed integer functional phi: sum S = 0 implies
    phi(sum A) = -phi(sum B), so no zero-sum set is missed, and every match
    of the scalars is then verified on the full vectors (a false match is
    only skipped). The empty set (A = B = empty) is excluded. Work:
    2^floor(n/2) + 2^ceil(n/2) sums plus one exact test per match.
    """
    m, h = len(cols[0]), len(cols) // 2
    phis = mitm_functionals(m)
    # one integer key per vector: phi_1 and phi_2 packed so that sums of keys are keys of sums
    big = 1 << (2 * max(1, max(abs(a) for x in cols for a in x)).bit_length() + 140 + len(cols))
    ys = [sum(a * b for a, b in zip(phis[0], x)) * big + sum(a * b for a, b in zip(phis[1], x)) for x in cols]
    table = {}
    for mask, v in enumerate(_subset_sums(ys[:h])):
        table.setdefault(v, []).append(mask)
    found, tests = [], 0
    for mask, v in enumerate(_subset_sums(ys[h:])):
        for a in table.get(-v, ()):
            tests += 1
            if tests > 1 << SEARCH_LIMIT:   # adversarial collisions: bounded work, refuse (Bound, §4)
                raise OverflowError(f"meet-in-the-middle needed more than 2^{SEARCH_LIMIT} exact tests")
            S = {i for i in range(h) if a >> i & 1} | {h + i for i in range(len(cols) - h) if mask >> i & 1}
            if S and all(sum(cols[j][k] for j in S) == 0 for k in range(m)):
                found.append(S)
                if first_only:
                    return found
    return found
