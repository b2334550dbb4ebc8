r"""Exact tests of the two-hidden-layer criterion (``proofs/deep-two-hidden-layers.md``, "DT").

Shared by the producer (:mod:`exactsym.verdict.deep`, which proposes witnesses
and closure steps) and the checker (:mod:`exactsym.check.deep`, which replays
them); standard library only. Every test here is one of the exact checks of
DT §12; a failed test raises :class:`CheckFailure` naming the definition or
rule that fails.

Conventions: an affine function :math:`f(x)=u\cdot x+\gamma` on :math:`\mathbb{Q}^{n_0}` is the
tuple ``(u_1, ..., u_n0, gamma)`` (DT D1); indices are 0-based (layer-1 neuron
``j`` in ``[0, n1)``, layer-2 neuron ``k`` in ``[0, n2)``); a layer-1 pattern is a
tuple of ``+1``/``-1`` of length ``n1``.
"""

from __future__ import annotations

from fractions import Fraction

from ...network.model import Network
from .exact import CheckFailure
from .flips import SEARCH_LIMIT, zero_one_kernel_vectors

__all__ = [
    "TwoLayer",
    "bend_flat_failure",
    "flat_incidences",
    "in_span",
    "independent",
    "no_zero_one_sum",
    "rank",
    "rule_r1",
    "rule_r2",
    "rule_r3",
    "rule_r4",
]

Q0 = Fraction(0)


def rank(vectors) -> int:
    """Exact rank of a list of equal-length rational vectors (Gaussian elimination)."""
    rows = [list(v) for v in vectors if any(v)]
    r = 0
    ncols = len(rows[0]) if rows else 0
    for c in range(ncols):
        piv = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if piv is None:
            continue
        rows[r], rows[piv] = rows[piv], rows[r]
        for i in range(r + 1, len(rows)):
            if rows[i][c]:
                f = rows[i][c] / rows[r][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r])]
        r += 1
    return r


def in_span(a, basis) -> bool:
    """``a`` in the span of ``basis`` (the empty span is {0})."""
    basis = list(basis)
    return rank(basis + [a]) == rank(basis)


def independent(vectors) -> bool:
    vectors = list(vectors)
    return rank(vectors) == len(vectors)


def no_zero_one_sum(vectors) -> bool:
    """True iff no nonempty index set S has ``sum_{i in S} vectors[i] = 0`` (decided exactly).

    Raises CheckFailure when the kernel has more than ``SEARCH_LIMIT`` free coordinates
    (the test would need more than 2^22 candidates; `shallow-criterion.md` §4).
    """
    if not vectors:
        return True
    try:
        return not zero_one_kernel_vectors(vectors, limit_free=SEARCH_LIMIT)
    except OverflowError as e:
        raise CheckFailure(f"flip condition not decided: {e}") from None


def _dot(a, x) -> Fraction:
    return sum((ai * xi for ai, xi in zip(a, x)), Q0) + a[-1]


class TwoLayer:
    r"""The data of DT §1 for a depth-3 network, with its exact forms.

    ``ell[i]`` = :math:`\ell_i`, ``V[m][i]`` = :math:`v_{mi}`, ``beta[m]``, ``cols[m]`` = :math:`c_m`.
    """

    def __init__(self, net: Network):
        if net.depth != 3:
            raise CheckFailure("the two-hidden-layer criterion needs depth d = 3")
        (W1, b1), (W2, b2), (W3, _) = net.layers
        self.net = net
        self.n0, self.n1, self.n2, self.n3 = net.architecture
        self.ell = [tuple(W1[i]) + (b1[i],) for i in range(self.n1)]
        self.V = [list(r) for r in W2]
        self.beta = list(b2)
        self.cols = [[W3[o][m] for o in range(self.n3)] for m in range(self.n2)]
        self._alpha = {}

    def alpha(self, m: int, s) -> tuple:
        r"""Masked form :math:`\alpha_{m,s}=\sum_i v_{mi}[s_i=+1]\ell_i+\beta_m` (DT D2)."""
        key = (m, tuple(s))
        if key not in self._alpha:
            f = [Q0] * self.n0 + [self.beta[m]]
            for i, si in enumerate(s):
                if si > 0 and self.V[m][i]:
                    f = [a + self.V[m][i] * b for a, b in zip(f, self.ell[i])]
            self._alpha[key] = tuple(f)
        return self._alpha[key]

    def values(self, q):
        """Exact forward pass (DT D3): the values of the l_i and of the z_{2,m} at q."""
        if len(q) != self.n0:
            raise CheckFailure(f"a point has {len(q)} coordinates, expected {self.n0}")
        z = self.net.preactivations(q)
        return z[0], z[1]

    @staticmethod
    def sep(s0, s) -> list:
        return [i for i, (a, b) in enumerate(zip(s0, s)) if a != b]

    def presence(self, k: int, q) -> tuple:
        """DT D4: q is a presence witness of (2,k); returns its pattern s."""
        l1, z2 = self.values(q)
        if any(v == 0 for v in l1):
            raise CheckFailure(f"presence point of (2,{k}) lies on a layer-1 hyperplane")
        if z2[k] != 0:
            raise CheckFailure(f"presence point of (2,{k}): z_2,{k} != 0 there")
        s = tuple(1 if v > 0 else -1 for v in l1)
        if not any(self.alpha(k, s)):
            raise CheckFailure(f"presence point of (2,{k}): the masked form is identically zero")
        return s

    def crossing(self, j: int, k: int, q) -> tuple:
        """DT D5 (a)-(c): returns the patterns (s^+, s^-) of the crossing witness (j, k, q)."""
        l1, z2 = self.values(q)
        if l1[j] != 0 or z2[k] != 0:
            raise CheckFailure(f"crossing ({j},{k}): the point is not on H_{j} and on z_2,{k} = 0")
        if any(l1[i] == 0 for i in range(self.n1) if i != j) or \
                any(z2[m] == 0 for m in range(self.n2) if m != k):
            raise CheckFailure(f"crossing ({j},{k}): another hidden neuron vanishes at the point")
        base = [1 if v > 0 else -1 for v in l1]
        sp = tuple(base[:j] + [1] + base[j + 1:])
        sm = tuple(base[:j] + [-1] + base[j + 1:])
        if rank([self.ell[j][:-1], self.alpha(k, sp)[:-1]]) != 2:
            raise CheckFailure(f"crossing ({j},{k}): linear parts of l_{j} and alpha^+ are dependent")
        return sp, sm

    def facet1(self, j: int, p):
        """DT D8: p is a facet witness of (1,j); returns (layer-1 signs with s_j = 0, z_2 values)."""
        l1, z2 = self.values(p)
        if l1[j] != 0 or any(l1[i] == 0 for i in range(self.n1) if i != j):
            raise CheckFailure(f"facet point of (1,{j}) is not on H_{j} alone")
        if any(v == 0 for v in z2):
            raise CheckFailure(f"facet point of (1,{j}): a layer-2 neuron vanishes there")
        return [(v > 0) - (v < 0) for v in l1], z2


def _same_flat(f, g) -> bool:
    return rank(list(f) + list(g)) == 2


def _common_hyperplane(f, g) -> tuple:
    """The defining function of the unique hyperplane through two flats of rank 3 (DT P6), normalised."""
    from .flips import rref_kernel
    basis, _ = rref_kernel([f[0], f[1], [-x for x in g[0]], [-x for x in g[1]]])
    a, b = basis[0][0], basis[0][1]
    h = [a * x + b * y for x, y in zip(f[0], f[1])]
    lead = next(x for x in h if x != 0)
    return tuple(x / lead for x in h)


def flat_incidences(tl: TwoLayer, flats) -> tuple[list[int], list[list[int]]]:
    r"""``(r, groups)`` of DT D6 for ``flats`` = list of ``(j, (l_j, alpha^+))``, duplicates merged.

    ``r[j]`` is the number of distinct listed flats on :math:`H_j`; ``groups`` has one entry
    per hyperplane :math:`Q_{ab}` through two listed flats on different :math:`H_j` (rank 3, DT P6):
    the list of the indices ``j`` of the listed flats in it. Every two flats of such a
    hyperplane form such a pair (proof of DT Lemma 4), so grouping the pairs by their
    common hyperplane finds all its flats.
    """
    distinct = []
    for j, f in flats:
        if not any(jj == j and _same_flat(f, g) for jj, g in distinct):
            distinct.append((j, f))
    r = [sum(1 for jj, _ in distinct if jj == j) for j in range(tl.n1)]
    groups = {}
    for a in range(len(distinct)):
        for b in range(a + 1, len(distinct)):
            (ja, fa), (jb, fb) = distinct[a], distinct[b]
            if ja != jb and rank(list(fa) + list(fb)) == 3:
                groups.setdefault(_common_hyperplane(fa, fb), set()).update((a, b))
    return r, [sorted(distinct[a][0] for a in g) for g in groups.values()]


#: (H3) is checked over all nonempty subsets M of [n1] only up to this n1 (2^16 subsets)
MAX_SUBSET_N1 = 16


def bend_flat_failure(r: list[int], groups: list[list[int]]):
    r"""The first nonempty :math:`M\subset[n_1]` violating (H3) of DT §2, or ``None`` if (H3) holds.

    (H3) for M: :math:`\sum_{j\in M}r_j>|M|\,\hat t_M` or :math:`\max_{j\in M}r_j>|M|`, with
    :math:`\hat t_M=\max(1,\max_Q\#\{\text{flats of }Q\text{ on }H_j,\ j\in M\})`. The uniform
    bound :math:`\min_jr_j\ge\hat t_{[n_1]}+1` implies it for every M and is tried first.
    """
    n1 = len(r)
    t_all = max([1] + [len(g) for g in groups])
    if min(r) >= t_all + 1:
        return None
    if n1 > MAX_SUBSET_N1:
        raise CheckFailure(f"(H3) not decided: min r_j < t_hat + 1 and n1 = {n1} > {MAX_SUBSET_N1}")
    for mask in range(1, 1 << n1):
        M = [j for j in range(n1) if mask >> j & 1]
        t_m = max([1] + [sum(1 for j in g if mask >> j & 1) for g in groups])
        if not (sum(r[j] for j in M) > len(M) * t_m or max(r[j] for j in M) > len(M)):
            return M
    return None


def _unknown(s0, s, L, m) -> list:
    return [i for i in TwoLayer.sep(s0, s) if (m, i) not in L]


def rule_r1(tl: TwoLayer, s0, L, k: int, q) -> set:
    """R1 (DT D11, Lemma 8): returns the pairs (k, i), i in U_k(s), it proves."""
    s = tl.presence(k, q)
    ak = tl.alpha(k, s)
    Uk = _unknown(s0, s, L, k)
    if not independent([ak] + [tl.ell[i] for i in Uk]):
        raise CheckFailure(f"R1 (2,{k}): (R1a) alpha and the unknown l_i are dependent")
    for m in range(tl.n2):
        if m != k and in_span(tl.alpha(m, s), [ak] + [tl.ell[i] for i in _unknown(s0, s, L, m)]):
            raise CheckFailure(f"R1 (2,{k}): (R1b) fails for neuron {m}")
    return {(k, i) for i in Uk}


def rule_r2(tl: TwoLayer, s0, L, j: int, k: int, q, u) -> set:
    """R2 (DT D11, Lemma 9): the crossing step; returns {(k, j)}."""
    sp, sm = tl.crossing(j, k, q)
    s = sp if s0[j] > 0 else sm
    if any((k, i) not in L for i in TwoLayer.sep(s0, s)):
        raise CheckFailure(f"R2 ({j},{k}): (R2a) neuron {k} is not known on the chamber")
    ak = tl.alpha(k, s)
    partners = [m for m in range(tl.n2) if m != k and
                in_span(tl.alpha(m, s), [tl.ell[j], ak] + [tl.ell[i] for i in _unknown(s0, s, L, m)])]
    if len(u) != tl.n3:
        raise CheckFailure(f"R2 ({j},{k}): u has {len(u)} entries, expected {tl.n3}")
    def dot(c):
        return sum((a * b for a, b in zip(u, c)), Q0)

    if any(dot(tl.cols[m]) < 0 for m in partners) or dot(tl.cols[k]) == 0:
        raise CheckFailure(f"R2 ({j},{k}): (R2b) u does not separate c_{k} from the partners {partners}")
    return {(k, j)}


def rule_r3(tl: TwoLayer, s0, L, j: int, p) -> set:
    """R3 (DT D11, Lemma 10): the kink step at a facet witness of (1,j)."""
    signs, z2 = tl.facet1(j, p)
    s = tuple(s0[j] if i == j else signs[i] for i in range(tl.n1))
    sep = TwoLayer.sep(s0, s)
    if any((m, i) not in L for m in range(tl.n2) for i in sep):
        raise CheckFailure(f"R3 (1,{j}): (R3a) some (m, i), i in sep(s0, s), is not learned")
    act = [m for m in range(tl.n2) if z2[m] > 0 and (m, j) not in L]
    if not independent([tl.cols[m] for m in act]):
        raise CheckFailure(f"R3 (1,{j}): (R3b) the columns c_m of {act} are dependent")
    return {(m, j) for m in act}


def rule_r4(tl: TwoLayer, s0, L, m: int) -> set:
    """R4 (DT D11, Lemma 11): the affine step for layer-2 neuron m."""
    full = [mm for mm in range(tl.n2) if all((mm, i) in L for i in range(tl.n1))]
    if not full:
        raise CheckFailure("R4: (R4a) no layer-2 row is fully learned yet")
    vecs = [[tl.V[mm][i] * w for mm in full for w in tl.ell[i][:-1]] for i in range(tl.n1)]
    if not no_zero_one_sum(vecs):
        raise CheckFailure("R4: (R4a) a layer-1 flip set is invisible to the learned rows")
    Q = [i for i in range(tl.n1) if s0[i] > 0 and (m, i) not in L]
    if not independent([tl.ell[i][:-1] for i in Q]):
        raise CheckFailure(f"R4 (2,{m}): (R4b) the w_i, i in Q_m, are dependent")
    return {(m, i) for i in Q}
