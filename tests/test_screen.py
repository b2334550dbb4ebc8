"""Batched float screening (exactsym.experiments.screen): Jacobians, ranks, backends.

The float screen is a candidate filter; these tests pin down that it
computes the literature's float rank correctly, and that it can be wrong.
"""

from fractions import Fraction

import numpy as np
import pytest

from exactsym import Network
from exactsym.check.shared.exact import jacobian_rows
from exactsym.network.generate import random_network
from exactsym.experiments.screen import (BackendUnavailable, batched_jacobians, batched_ranks, cuda_available,
                             get_backend, rational_points, screen, smooth_mask, stack_networks)


def _exact_float_jacobian(net, points):
    return np.array([[float(v) for v in row] for x in points for row in jacobian_rows(net, x)])


def _exact_rank(net, points):
    """Exact rational rank by fraction-free elimination (independent of exactsym.rank.fdim)."""
    import flint
    rows = [[flint.fmpq(v.numerator, v.denominator) for v in row]
            for x in points for row in jacobian_rows(net, x)]
    return flint.fmpq_mat(rows).rank()


@pytest.mark.parametrize("arch", [[1, 3, 1], [2, 3, 4, 2], [3, 2, 2, 2, 1]])
def test_batched_jacobian_equals_exact_rows(arch):
    nets = [random_network(arch, seed=s) for s in range(4)]
    pts = rational_points(arch[0], 9, seed=3)
    J = batched_jacobians(stack_networks(nets), np.array([[float(v) for v in p] for p in pts]))
    assert J.shape == (4, 9 * arch[-1], nets[0].D)
    for i, net in enumerate(nets):
        # dyadic weights and points: the float Jacobian is the exact one rounded
        np.testing.assert_allclose(J[i], _exact_float_jacobian(net, pts), rtol=1e-12, atol=1e-12)


def test_batched_jacobian_matches_finite_differences():
    net = random_network([2, 4, 3, 1], seed=7)
    pts = rational_points(2, 5, seed=1)
    X = np.array([[float(v) for v in p] for p in pts])
    J = batched_jacobians(stack_networks([net]), X)[0]
    theta = np.array([float(v) for v in net.flat()])

    def F(th):
        n = Network.from_flat(net.architecture, [Fraction(v) for v in th])
        return np.array([[float(v) for v in n.forward(x)] for x in pts]).ravel()

    h = 1e-6
    fd = np.stack([(F(theta + h * e) - F(theta - h * e)) / (2 * h) for e in np.eye(len(theta))], axis=1)
    np.testing.assert_allclose(J, fd, atol=1e-5)


def test_ranks_match_numpy_matrix_rank_and_exact():
    nets = [random_network([2, 3, 3, 1], seed=s) for s in range(6)]
    pts = rational_points(2, 30, seed=2)
    res = screen(nets, points=pts)
    for i, net in enumerate(nets):
        M = _exact_float_jacobian(net, pts)
        assert res.ranks[i] == np.linalg.matrix_rank(M)
        # well-scaled small nets: the float rank is the exact rank of this batch
        assert res.ranks[i] == _exact_rank(net, pts)
        assert res.ranks[i] <= net.bound


def test_scaling_generators_in_kernel():
    """The H scaling directions annihilate J (the D - H bound), checked in floats."""
    from exactsym import scaling_generators
    net = random_network([2, 3, 3, 1], seed=4)
    pts = rational_points(2, 12, seed=0)
    J = batched_jacobians(stack_networks([net]), np.array([[float(v) for v in p] for p in pts]))[0]
    for g in scaling_generators(net):
        v = np.array([float(x) for x in g])
        assert np.abs(J @ v).max() < 1e-12


def test_float_rank_is_wrong_on_badly_scaled_weights():
    """Tiny output weights c: exact rank full, float SVD rank too small.

    dF/dW1 and dF/db1 carry the factor c ~ 2^-70, so six of the ten columns
    sit below the tolerance s_max * max(m, n) * eps next to the O(1) columns
    dF/dW2 = relu(w x + b) and dF/db2 = 1.
    """
    base = random_network([1, 3, 1], seed=0)
    t = Fraction(1, 2**70)
    (W1, b1), (W2, b2) = base.layers
    net = Network([1, 3, 1], [(W1, b1), ([[w * t for w in r] for r in W2], b2)])
    pts = rational_points(1, 40, seed=0)
    assert smooth_mask([net], pts).all()
    exact = _exact_rank(net, pts)
    assert exact == net.bound == 7
    r = screen([net], points=pts).ranks[0]
    assert r < exact


def test_smooth_mask_leaves_out_nonsmooth_points():
    net = Network([1, 1, 1], [([[1]], [0]), ([[1]], [0])])
    pts = [[Fraction(0)], [Fraction(1)], [Fraction(2)]]
    assert smooth_mask([net], pts).tolist() == [[False, True, True]]
    J = batched_jacobians(stack_networks([net]), np.array([[0.0], [1.0], [2.0]]),
                          row_mask=smooth_mask([net], pts))[0]
    assert not J[0].any() and J[1].any()


def test_chunking_does_not_change_ranks():
    nets = [random_network([2, 4, 4, 1], seed=s) for s in range(10)]
    a = screen(nets, seed=1).ranks
    b = screen(nets, seed=1, chunk_bytes=1).ranks
    assert a.tolist() == b.tolist()


def test_mixed_architectures_refused():
    with pytest.raises(ValueError):
        stack_networks([random_network([1, 2, 1]), random_network([1, 3, 1])])


def test_unknown_backend():
    with pytest.raises(ValueError):
        get_backend("tpu")


@pytest.mark.skipif(cuda_available(), reason="a GPU is present")
def test_cuda_backend_without_gpu_is_a_clear_error():
    with pytest.raises(BackendUnavailable, match="cuda"):
        screen([random_network([1, 2, 1])], backend="cuda")


@pytest.mark.skipif(not cuda_available(), reason="needs CuPy and a CUDA GPU")
def test_cuda_matches_numpy():
    nets = [random_network([2, 8, 8, 8, 1], seed=s) for s in range(64)]
    a = screen(nets, seed=0, backend="numpy")
    b = screen(nets, seed=0, backend="cuda")
    # same arithmetic up to rounding: ranks agree unless a singular value sits at the tolerance
    assert (a.ranks == b.ranks).mean() >= 0.95
    assert np.abs(a.ranks - b.ranks).max() <= 1
    cp = get_backend("cuda")
    L = stack_networks(nets[:4])
    X = np.array([[float(v) for v in p] for p in rational_points(2, 20)])
    Jn = batched_jacobians(L, X)
    Jc = batched_jacobians([(cp.asarray(W), cp.asarray(b)) for W, b in L], X, xp=cp)
    np.testing.assert_allclose(cp.asnumpy(Jc), Jn, rtol=1e-12, atol=1e-12)
    rn = batched_ranks(Jn)
    rc = cp.asnumpy(batched_ranks(Jc, xp=cp))
    assert rn.tolist() == rc.tolist()


def test_non_numpy_code_path_with_a_numpy_shim(monkeypatch):
    """The branch taken for CuPy (device arrays, asnumpy) run with a numpy stand-in."""
    import types
    import exactsym.experiments.screen as S
    shim = types.ModuleType("fakecupy")
    shim.__dict__.update({k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    shim.asnumpy = np.asarray
    monkeypatch.setattr(S, "get_backend", lambda name="numpy": np if name == "numpy" else shim)
    nets = [random_network([2, 4, 4, 1], seed=s) for s in range(6)]
    a = S.screen(nets, seed=2)
    b = S.screen(nets, seed=2, backend="cuda")
    assert a.ranks.tolist() == b.ranks.tolist()
    np.testing.assert_allclose(a.smin_ratio, b.smin_ratio)
