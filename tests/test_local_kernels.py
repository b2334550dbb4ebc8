"""Local block kernels of the batch Jacobian (``exactsym/rank/blocks.py``, ``proofs/local-kernels.md``).

Every claim is cross-checked against an independent computation: the
standard-library checker's Fraction Jacobian rows (``check.shared.exact``)
or FLINT's rank of the exact integer Jacobian.
"""

import math
from fractions import Fraction

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactsym import Network, random_network
from exactsym.arrangement.patterns import batch_labels, sample_points
from exactsym.check.shared.exact import jacobian_rows
from exactsym.network.group import scaling_generators
from exactsym.rank import blocks as bl
from exactsym.rank import kernel as kr
from exactsym.rank.fdim import exact_jacobian, functional_dimension
from kernelcheck import assert_settled_like_flint


def _c(net, x, q):
    return math.lcm(*[v.denominator for v in x]) * math.prod(q[1:])


def _fraction_rows(net, pts):
    return [row for x in pts for row in jacobian_rows(net, x)]


@pytest.mark.parametrize("arch,seed", [([3, 4, 3, 2], 0), ([2, 5, 1], 1), ([2, 3, 3, 3, 2], 2)])
def test_integer_factors_are_c_x_times_the_fraction_jacobian(arch, seed):
    """c_x J[(x,k), (l,i,j)] = q_l G_l[x,k,i] A_{l-1}[x,j] (bias: S_{l-1}[x]), entry by entry."""
    net = random_network(arch, seed=seed)
    pts, lab = sample_points(net, 9, seed=seed)
    Fi = bl._scaled(bl.factors_int(net, pts, lab))
    meta = bl._Columns(net)
    m, nd = len(pts), net.n_out
    M = bl._block_rows_int(meta, Fi, list(range(net.D)), np.arange(m), range(m * nd))
    J = _fraction_rows(net, pts)
    for r in range(m * nd):
        cx = _c(net, pts[r // nd], Fi[3])
        assert [cx * v for v in J[r]] == [Fraction(int(v)) for v in M[r]]


def test_factors_mod_are_the_residues_of_the_jacobian():
    net = random_network([3, 4, 4, 2], seed=3)
    pts, lab = sample_points(net, 8, seed=3)
    p = 1048583
    Fm = bl.factors_mod(net, pts, lab, p)
    meta = bl._Columns(net)
    M = bl._block_matrix_mod(meta, Fm, list(range(net.D)), np.arange(len(pts)))
    J = _fraction_rows(net, pts)
    want = [[v.numerator * pow(v.denominator, -1, p) % p for v in row] for row in J]
    assert M.tolist() == want


def test_jacobian_rows_mod_are_the_residues_of_the_chosen_rows():
    net = random_network([3, 4, 4, 2], seed=4)
    pts, lab = sample_points(net, 8, seed=4)
    p = 1048573
    rows = [15, 0, 7, 3, 3]
    J = _fraction_rows(net, pts)
    want = [[v.numerator * pow(v.denominator, -1, p) % p for v in J[r]] for r in rows]
    assert bl.jacobian_rows_mod(net, pts, lab, p, rows).tolist() == want


@pytest.mark.parametrize("seed", range(4))
def test_block_rows_contain_every_nonzero_entry(seed):
    """The lemma's R: a column is 0 exactly at every point outside its block rows."""
    net = random_network([3, 6, 6, 2], seed=seed)
    pts, lab = sample_points(net, 40, seed=seed)
    meta, sup = bl._Columns(net), bl.support(net, pts, lab)
    J = _fraction_rows(net, pts)
    nd = net.n_out
    for c in range(net.D):
        R = set(bl.block_rows(meta, sup, [c]).tolist())
        nonzero = {r // nd for r in range(len(J)) if J[r][c] != 0}
        assert nonzero <= R


def test_jvp_is_zero_agrees_with_the_fraction_product():
    """True for the scaling generators, False for perturbed ones; equal to J v == 0 computed in Fractions."""
    net = random_network([3, 5, 4, 2], seed=5)
    pts, lab = sample_points(net, 30, seed=5)
    fac = bl.BatchFactors(net, pts, lab)
    J = _fraction_rows(net, pts)
    rng = np.random.default_rng(0)
    for g in scaling_generators(net):
        L = math.lcm(*[v.denominator for v in g])
        w = [int(v * L) for v in g]
        cols = [c for c in range(net.D) if w[c]]
        assert fac.annihilates(cols, [w[c] for c in cols])
        c0 = int(rng.integers(net.D))
        w[c0] += 1
        truth = all(sum(row[c] * w[c] for c in range(net.D)) == 0 for row in J)
        assert fac.annihilates(list(range(net.D)), w) == truth
        # the plain per-neuron sum (no FLINT) is the same test
        assert bl.jvp_is_zero(fac.meta, fac.exact, list(range(net.D)), w, np.arange(len(pts))) == truth
        assert truth is False or not any(J[r][c0] for r in range(len(J)))


def rare_neuron_network():
    """(2,4,1): neuron (1,0) is active only where x0 > 3, i.e. at 2 of the batch's points."""
    W1 = [[1, 0], [1, 1], [-1, 2], [2, -1]]
    b1 = [-3, Fraction(1, 3), Fraction(1, 5), Fraction(-1, 7)]
    return Network([2, 4, 1], [(W1, b1), ([[1, -2, 3, 1]], [Fraction(1, 2)])])


def test_a_rare_neuron_gives_a_local_kernel_vector():
    net = rare_neuron_network()
    pts = [(Fraction(4 + i, 1), Fraction(i, 3)) for i in range(2)]
    pts += [(Fraction(i, 7) - 1, Fraction(i * i, 11) - Fraction(1, 2)) for i in range(12)]
    lab, _ = batch_labels(net, pts)
    assert (np.asarray(lab)[:, 0] > 0).sum() == 2
    res = functional_dimension(net, pts, seed=0)
    M = assert_settled_like_flint(net, res)
    assert res.kernel_info["local"] >= 1
    V = flint.fmpz_mat(net.D, len(res.kernel), [res.kernel[j][i] for i in range(net.D)
                                                 for j in range(len(res.kernel))])
    assert (M * V).is_zero() and V.rank() == net.D - res.rank


def test_a_rarely_nonzero_input_coordinate_gives_local_kernel_vectors():
    """Input 2 is nonzero at one point only: W_1[:, 2] lives on one row, so a - 1 of its a nonzero columns
    (a = neurons active there) are dependent."""
    net = random_network([3, 6, 1], seed=7)
    pts, _ = sample_points(net, 60, seed=7)
    pts = [(x[0], x[1], Fraction(0) if i else Fraction(1, 3)) for i, x in enumerate(pts)]
    res = functional_dimension(net, pts, seed=0)
    M = flint.fmpz_mat(exact_jacobian(net, res.points))
    assert res.exact and res.rank == M.rank() < net.bound
    a = int((np.asarray(batch_labels(net, pts[:1])[0]) > 0).sum())   # W_1[i, 2] != 0 only for these i
    assert a >= 3 and res.kernel_info["local"] >= a - 1


def test_exact_null_rejects_a_solve_on_too_few_rows():
    """A null space computed on one row only fails the exact check on the others (returns None)."""
    net = random_network([2, 4, 1], seed=1)
    pts, lab = sample_points(net, 20, seed=1)
    fac = bl.BatchFactors(net, pts, lab)
    cols = fac.meta.incoming(1, 0) + fac.meta.outgoing(1, 0)
    R = bl.block_rows(fac.meta, bl.support(net, pts, lab), cols)
    assert len(R) > 3
    assert bl._exact_null(fac.meta, fac.exact, cols, R, [0], fac.annihilates) is None
    X = bl._exact_null(fac.meta, fac.exact, cols, R, range(len(R)), fac.annihilates)
    assert X is not None and X.shape[1] == 1      # the scaling generator only


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=6, max_size=6), min_size=1, max_size=12))
def test_mod_span_rank_equals_flint(rows):
    p = 1048583
    sp = bl.ModSpan(6, p)
    added = [sp.add(r) for r in rows]
    assert sp.rank == sum(added) == flint.nmod_mat(rows, p).rank()
    for r in rows:
        assert not np.any(sp.reduce(r))


@pytest.mark.parametrize("arch,seed", [([2, 4, 3, 1], 1), ([3, 5, 5, 2], 2), ([2, 2, 2, 2, 1], 3),
                                       ([3, 4, 4, 4, 1], 5), ([4, 8, 8, 8, 1], 0)])
def test_settlement_with_local_blocks_matches_flint(arch, seed):
    """Deficits settled with local blocks: rank = FLINT's, the kernel basis is exact and complete."""
    net = random_network(arch, seed=seed)
    res = functional_dimension(net, seed=0)
    M = flint.fmpz_mat(exact_jacobian(net, res.points))
    assert res.exact and res.rank == M.rank()
    if res.kernel is not None and res.rank < res.cap:
        V = flint.fmpz_mat(net.D, len(res.kernel), [res.kernel[j][i] for i in range(net.D)
                                                     for j in range(len(res.kernel))])
        assert (M * V).is_zero() and V.rank() == net.D - res.rank


def test_without_local_blocks_the_same_rank(monkeypatch):
    """The reconstruction path alone (local blocks off) reaches the same exact rank."""
    net = random_network([4, 8, 8, 8, 1], seed=0)
    with_blocks = functional_dimension(net, seed=0)
    orig = kr.settle_multimodular
    monkeypatch.setattr(kr, "settle_multimodular", lambda *a, **k: orig(*a, **dict(k, local_blocks=False)))
    without = functional_dimension(net, seed=0)
    assert with_blocks.exact and without.exact and with_blocks.rank == without.rank
    assert without.kernel_info["local"] == 0


def test_small_minor_flint_solve_matches_flint_rank(monkeypatch):
    """With local blocks off, a small minor's open directions come from FLINT's solve (``solved``)."""
    orig = kr.settle_multimodular
    monkeypatch.setattr(kr, "settle_multimodular", lambda *a, **k: orig(*a, **dict(k, local_blocks=False)))
    seen = 0
    for arch, seed in [([2, 4, 3, 1], 1), ([3, 5, 5, 2], 2), ([3, 4, 4, 4, 1], 5)]:
        net = random_network(arch, seed=seed)
        res = functional_dimension(net, seed=0)
        M = flint.fmpz_mat(exact_jacobian(net, res.points))
        assert res.exact and res.rank == M.rank()
        if res.kernel_info and res.kernel_info.get("solved"):
            seen += 1
            V = flint.fmpz_mat(net.D, len(res.kernel), [res.kernel[j][i] for i in range(net.D)
                                                         for j in range(len(res.kernel))])
            assert (M * V).is_zero() and V.rank() == net.D - res.rank
    assert seen >= 1


def test_a_wrong_row_support_costs_time_not_a_wrong_vector(monkeypatch):
    """Block rows cut in half: the solves see too few rows, the exact check at every point rejects
    what is wrong, and the rank is still FLINT's."""
    true_rows, true_null = bl.block_rows, bl._exact_null
    rejected = []

    def null(*a):
        X = true_null(*a)
        rejected.append(X is None)
        return X
    monkeypatch.setattr(bl, "block_rows", lambda meta, sup, cols: true_rows(meta, sup, cols)[::2])
    monkeypatch.setattr(bl, "_exact_null", null)
    net = random_network([4, 8, 8, 8, 1], seed=0)
    res = functional_dimension(net, seed=0)
    assert any(rejected)
    assert_settled_like_flint(net, res)


def test_local_blocks_stop_at_the_deadline():
    import time
    net = random_network([4, 8, 8, 8, 1], seed=0)
    pts, lab = sample_points(net, 200, seed=0)
    free = list(range(net.D))
    sp = bl.ModSpan(len(free), 1048583)
    assert bl.local_kernel_vectors(net, pts, lab, 1048583, free, sp, deadline=time.monotonic() - 1) == []
    assert bl.local_kernel_vectors(net, pts, lab, 1048583, free, sp)    # without it, the blocks find vectors


@pytest.mark.parametrize("seed", [6, 11, 23])
def test_a_u64_elimination_prime_never_yields_a_non_kernel_vector(monkeypatch, seed):
    """Referee's reproducer: a caller's prime >= 2^26 (basis not fully reduced) used to seed CRT and let
    the bound accept vectors outside ker J. Now the basis is redone mod a double-path prime and every
    direction passes the exact check."""
    orig = kr.settle_multimodular
    monkeypatch.setattr(kr, "settle_multimodular", lambda *a, **k: orig(*a, **dict(k, small_minor=0)))
    net = random_network([2, 3, 1], seed=seed)
    pts, _ = sample_points(net, 2, seed=seed)
    res = functional_dimension(net, pts, seed=seed, prime=2 ** 61 - 1, certificate=False)
    M = flint.fmpz_mat(exact_jacobian(net, res.points))
    assert res.rank == M.rank()
    if res.exact and res.kernel:
        V = flint.fmpz_mat(net.D, len(res.kernel), [res.kernel[j][i] for i in range(net.D)
                                                     for j in range(len(res.kernel))])
        assert (M * V).is_zero() and V.rank() == net.D - res.rank


def test_the_final_span_count_downgrades_a_short_kernel():
    """Theorem LK3's hypothesis is recounted from the accepted vectors: one direction short is 'unsettled'."""
    net = rare_neuron_network()
    free = list(range(net.D))
    status, _ = kr._finish(net, {}, free, [], free, 1048583)
    assert status == "exact"
    status, info = kr._finish(net, {}, free, [], free[:-1], 1048583)   # the output bias: no generator has it
    assert status == "unsettled" and "span" in info["why"]
