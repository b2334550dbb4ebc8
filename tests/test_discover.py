"""Minimal supports found mod p and near-co-active pairs (``exactsym/rank/discover.py``,
``exactsym/rank/blocks.py``, ``proofs/local-kernels.md`` §5).

The mod-p bookkeeping is checked against FLINT's ``nmod_mat`` (an independent
implementation), the settled ranks against FLINT's rank of the exact Jacobian,
and every accepted vector against the exact Jacobian.
"""

from fractions import Fraction

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactsym import Network, random_network
from exactsym.arrangement.patterns import sample_points
from exactsym.rank import blocks as bl
from exactsym.rank import discover as dc
from exactsym.rank import kernel as kr
from exactsym.rank.fdim import exact_jacobian, functional_dimension, modular_rank
from kernelcheck import assert_settled_like_flint

P = 1048583


def _setup(arch, seed, n):
    net = random_network(arch, seed=seed)
    pts, lab = sample_points(net, n, seed=seed)
    el = modular_rank(net, pts, lab, P, target=net.D - net.H)
    piv = set(el.pivots)
    free = [c for c in range(net.D) if c not in piv]
    Z = kr.structural_zero_columns(net, pts, lab)
    _, _, span = kr.known_kernel_split(net, Z, free, P, span=True)
    K = dc.kernel_basis_mod(el.basis_matrix(), el.pivots, free, P, net.D)
    J = bl.jacobian_rows_mod(net, pts, lab, P, range(len(pts) * net.n_out))
    return net, pts, lab, free, Z, span, K, J


def _nullspace_mod(M):
    """Null space mod P of an integer matrix (columns of the result), by FLINT's nmod_mat."""
    A = flint.nmod_mat(M.shape[0], M.shape[1], [int(v) % P for v in M.ravel()], P)
    N, k = A.nullspace()
    out = np.zeros((M.shape[1], k), dtype=np.int64)
    for i in range(M.shape[1]):
        for j in range(k):
            out[i, j] = int(N[i, j])
    return out


def _opens(J, cols, free, span):
    """Is some kernel vector of J mod P supported in ``cols`` outside the span (restricted to free)?"""
    if not cols:
        return False
    N = _nullspace_mod(J[:, cols])
    pos = {c: t for t, c in enumerate(free)}
    for t in range(N.shape[1]):
        v = np.zeros(len(free), dtype=np.int64)
        for a, c in enumerate(cols):
            if c in pos:
                v[pos[c]] = N[a, t]
        if np.any(span.reduce(v)):
            return True
    return False


@pytest.mark.parametrize("arch,seed,n", [([3, 6, 6, 1], 0, 25), ([2, 5, 4, 2], 1, 12)])
def test_kernel_basis_mod_is_a_kernel_basis(arch, seed, n):
    """J K = 0 mod p on every row (rows from the residue factors, not the elimination) and K[F] = I."""
    net, pts, lab, free, Z, span, K, J = _setup(arch, seed, n)
    assert not ((J.astype(object) @ K.astype(object)) % P).any()
    assert np.array_equal(K[free], np.eye(len(free), dtype=np.int64))


@pytest.mark.parametrize("arch,seed,n", [([3, 6, 6, 1], 0, 25), ([2, 5, 4, 2], 1, 12), ([3, 4, 4, 4, 1], 2, 20)])
def test_minimal_support_is_open_and_minimal_by_groups(arch, seed, n):
    """The support carries an open direction (FLINT nmod_mat null space), and dropping any one of its
    neuron groups leaves none: minimal by inclusion, as the docstring claims."""
    net, pts, lab, free, Z, span, K, J = _setup(arch, seed, n)
    groups = dc.column_groups(bl._Columns(net), Z)
    assert span.rank < len(free)      # there is something to find
    cols = dc.minimal_support(K, groups, span)
    assert cols and _opens(J, cols, free, span)
    kept = [g for _, g in groups if set(g) & set(cols)]
    union = sorted(c for g in kept for c in g)
    assert _opens(J, union, free, span)
    for g in kept:
        assert not _opens(J, [c for c in union if c not in set(g)], free, span)


def test_minimal_support_is_none_when_nothing_is_open():
    net, pts, lab, free, Z, span, K, J = _setup([3, 6, 6, 1], 0, 25)
    full = bl.ModSpan(len(free), P)
    for t in range(len(free)):
        full.add(np.eye(len(free), dtype=np.int64)[t])
    assert dc.minimal_support(K, dc.column_groups(bl._Columns(net), Z), full) is None


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 60), st.integers(1, 3000), st.integers(0, 10 ** 6),
       st.sampled_from([3, 1048583, (1 << 21) - 9, (1 << 21) + 23, 2147483647]))
def test_mm_float_path_equals_integer_products(rows, inner, seed, p):
    """(X @ Y) mod p of residues: the float64 path (p <= 2^21) against Python integers."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, p, (rows, inner), dtype=np.int64)
    Y = rng.integers(0, p, (inner, 2), dtype=np.int64)
    want = (X.astype(object) @ Y.astype(object)) % p
    assert np.array_equal(bl._mm(X, Y, p).astype(object), want)


def _near_pair_network():
    """(2, 4, 3, 1) whose last-layer neurons 0 and 1 have almost the same incoming weights: their
    activation patterns differ at a few points only."""
    net = random_network([2, 4, 3, 1], seed=6)
    (W1, b1), (W2, b2), (W3, b3) = net.layers
    W2 = [list(r) for r in W2]
    b2 = list(b2)
    W2[1] = [w + Fraction(1, 16) for w in W2[0]]
    b2[1] = b2[0] + Fraction(1, 32)
    return Network([2, 4, 3, 1], [(W1, b1), (W2, b2), (W3, b3)])


def test_near_pairs_are_found_and_settle_the_rank_exactly():
    net = _near_pair_network()
    pts, lab = sample_points(net, 60, seed=6)
    sup = bl.support(net, pts, lab)
    R = sup[1][2]
    h = int((R[:, 0] != R[:, 1]).sum())
    assert 0 < h <= 4      # the construction: patterns differ at a few points, at most the fan-in
    assert bl._near_pairs(net, sup)[0] == ((2, 0), (2, 1))
    res = functional_dimension(net, pts, seed=0, certificate=False)
    M = flint.fmpz_mat(exact_jacobian(net, res.points))
    meta = bl._Columns(net)

    def nullity(cols):
        sub = flint.fmpz_mat([[M[r, c] for c in cols] for r in range(M.nrows())])
        return len(cols) - sub.rank()
    one = [meta.incoming(2, i) + meta.outgoing(2, i) for i in (0, 1)]
    # the pair carries directions that neither neuron carries alone (fan-in + 1 - h of them)
    assert nullity(sorted(set(one[0] + one[1]))) > nullity(one[0]) + nullity(one[1])
    assert_settled_like_flint(net, res)


@pytest.mark.parametrize("arch,seed,n", [([3, 6, 6, 1], 0, 40), ([2, 5, 4, 2], 1, 30), ([3, 4, 4, 4, 1], 2, 60),
                                         ([4, 8, 8, 8, 1], 3, 150)])
def test_discovered_blocks_settle_without_reconstruction(arch, seed, n, monkeypatch):
    """With the fixed families switched off (only singles are left), the minimal supports alone still
    prove the rank: FLINT's rank, and every accepted vector in the exact kernel."""
    real = bl._candidate_blocks

    def only_discovery(net, meta, sup):
        for b in real(net, meta, sup):
            if b is bl._DISCOVER:
                yield b
                return
    monkeypatch.setattr(bl, "_candidate_blocks", only_discovery)
    monkeypatch.setattr(kr, "ROW_SOLVE_RANK", 0)   # the column path, even where rows would be fewer
    net = random_network(arch, seed=seed)
    pts, _ = sample_points(net, n, seed=seed)
    res = functional_dimension(net, pts, seed=0, certificate=False)
    assert_settled_like_flint(net, res)
    assert res.kernel_info["local"] > 0


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10 ** 6), st.integers(1, 6))
def test_annihilates_agrees_with_the_plain_sum_on_random_vectors(seed, k):
    """The FLINT arrangement of the check against ``jvp_is_zero`` (Lemma LK2 term by term) and the
    exact Jacobian: random combinations of true kernel vectors (True) and perturbations (False),
    touching few or many neurons so that both product sides are used."""
    net = random_network([3, 5, 4, 2], seed=7)
    pts, lab = sample_points(net, 6, seed=7)
    fac = bl.BatchFactors(net, pts, lab)
    M = flint.fmpz_mat(exact_jacobian(net, pts))
    N, nk = M.nullspace()
    rng = np.random.default_rng(seed)
    coef = rng.integers(-3, 4, nk)
    cols = sorted(rng.choice(nk, size=min(k, nk), replace=False).tolist())
    w = [sum(int(coef[j]) * int(N[i, j]) for j in cols) for i in range(net.D)]
    allp = np.arange(len(pts))
    truth = (M * flint.fmpz_mat([[x] for x in w])).is_zero()
    assert truth
    nz = [c for c in range(net.D) if w[c]]
    assert fac.annihilates(nz, [w[c] for c in nz]) is True
    assert bl.jvp_is_zero(fac.meta, fac.exact, nz, [w[c] for c in nz], allp)
    c0 = int(rng.integers(net.D))
    w[c0] += int(rng.integers(1, 5))
    truth = (M * flint.fmpz_mat([[x] for x in w])).is_zero()
    nz = [c for c in range(net.D) if w[c]]
    assert fac.annihilates(nz, [w[c] for c in nz]) == truth
    assert bl.jvp_is_zero(fac.meta, fac.exact, nz, [w[c] for c in nz], allp) == truth


# ---- wide batches: the rank bounded by row dependencies (kernel.settle_by_rows) ----------------

@pytest.mark.parametrize("arch,seed,n,deps", [([2, 8, 8, 3], 0, 20, 7), ([1, 8, 8, 2], 1, 20, 27),
                                              ([2, 10, 10, 1], 1, 40, 5), ([3, 8, 8, 2], 0, 12, 0)])
def test_a_wide_batch_is_settled_by_row_dependencies(arch, seed, n, deps, monkeypatch):
    """Fewer rows than parameters: the rank is FLINT's, proven by row dependencies (no kernel basis)."""
    monkeypatch.setattr(kr, "ROWS_MIN_OPEN", 1)   # these small cases would take the column path
    net = random_network(arch, seed=seed)
    pts, _ = sample_points(net, n, seed=seed)
    res = functional_dimension(net, pts, seed=0, certificate=False)
    M = flint.fmpz_mat(exact_jacobian(net, res.points))
    assert res.exact and res.rank == M.rank() == len(res.points) * net.n_out - deps
    assert res.kernel_info.get("row_dependencies") == deps
    assert ("row dependencies" if deps else "number of rows") in res.method


def test_a_wrong_row_solve_is_caught_and_the_column_path_decides(monkeypatch):
    """A corrupted solve gives vectors outside the left kernel: the exact check refuses them, and the
    rank still comes out right (by the column path)."""
    real = flint.fmpz_mat.solve

    def bad(self, B):
        X = real(self, B)
        X[0, 0] = X[0, 0] + 1
        return X
    monkeypatch.setattr(flint.fmpz_mat, "solve", bad)
    monkeypatch.setattr(kr, "ROWS_MIN_OPEN", 1)
    net = random_network([2, 8, 8, 3], seed=0)
    pts, _ = sample_points(net, 20, seed=0)
    res = functional_dimension(net, pts, seed=0, certificate=False)
    monkeypatch.undo()
    M = flint.fmpz_mat(exact_jacobian(net, res.points))
    assert res.rank == M.rank()
    assert res.kernel_info is None or res.kernel_info.get("row_dependencies") is None


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10 ** 6))
def test_left_annihilates_agrees_with_the_fraction_jacobian(seed):
    """y^T (diag(c_x) J) = 0 decided by the FLINT products, against the standard-library checker's
    Fraction rows: vectors of FLINT's left null space (True) and perturbations of them."""
    import math

    from exactsym.check.shared.exact import jacobian_rows
    net = random_network([3, 4, 3, 2], seed=3)
    pts, lab = sample_points(net, 10, seed=3)
    fac = bl.BatchFactors(net, pts, lab)
    qprod = math.prod(q for _, _, q in net.integer_layers())
    rows = []
    for x in pts:
        cx = math.lcm(*[v.denominator for v in x]) * qprod
        for row in jacobian_rows(net, x):
            assert all((v * cx).denominator == 1 for v in row)
            rows.append([int(v * cx) for v in row])
    Jt = flint.fmpz_mat(rows)
    N, k = Jt.transpose().nullspace()
    assert k > 0
    rng = np.random.default_rng(seed)
    coef = rng.integers(-3, 4, k)
    y = [sum(int(coef[j]) * int(N[i, j]) for j in range(k)) for i in range(len(rows))]
    assert fac.left_annihilates(y)
    y[int(rng.integers(len(y)))] += int(rng.integers(1, 4))
    truth = (flint.fmpz_mat([y]) * Jt).is_zero()
    assert fac.left_annihilates(y) == truth


def test_annihilates_refuses_repeated_columns():
    """A vector is given by distinct columns; (c, v) and (c, 0) together would be ambiguous (referee)."""
    net = random_network([3, 4, 3, 2], seed=3)
    pts, lab = sample_points(net, 6, seed=3)
    fac = bl.BatchFactors(net, pts, lab)
    with pytest.raises(RuntimeError):
        fac.annihilates([0, 0], [1, 0])
    with pytest.raises(RuntimeError):
        fac.left_annihilates([0] * 5)    # 6 points x 2 outputs = 12 rows


def test_an_elimination_whose_rank_disagrees_with_its_lists_is_not_settled(monkeypatch):
    """Referee (row dependencies, objection 1): a rank off by one from the eliminator's pivot and row
    lists must not be reported as exact, on either path."""
    import exactsym.rank.fdim as fd
    real = fd.modular_rank

    class Off:
        def __init__(self, e):
            self._e = e

        def __getattr__(self, name):
            return getattr(self._e, name)

        @property
        def rank(self):
            return self._e.rank - 1
    net = random_network([2, 8, 8, 3], seed=0)
    pts, lab = sample_points(net, 20, seed=0)
    el = Off(real(net, pts, lab, P, target=net.D - net.H))
    status, info = kr.settle_multimodular(net, pts, lab, el, lambda q: el, iter([1048601, 1048609]))
    assert status == "unsettled" and "disagree" in info["why"]
