"""Exact functional dimension: Jacobian mod p, labels, deficits, certificates, float baseline."""

import json
import subprocess
import sys
from fractions import Fraction

import flint
import numpy as np

from exactsym.network.generate import centred_network
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactsym import Network, random_network
from exactsym.rank import _modp
from exactsym.check import check_certificate
from exactsym.check.shared.exact import jacobian_rows
from exactsym.rank.fdim import (exact_jacobian, float_jacobian, float_rank,
                           functional_dimension)
from exactsym.arrangement.patterns import batch_labels, exact_labels, sample_points
from exactsym.rank.modular import residues
from exactsym.network.group import scale, scaling_generators

P = 1048583


def flint_rank(net, points):
    """Independent exact rank: FLINT fmpz_mat on the checker's rational Jacobian."""
    M = exact_jacobian(net, points)
    return flint.fmpz_mat(M).rank() if M else 0


def centred_net(arch, seed):
    return centred_network(arch, seed=seed)


ARCHS = [([1, 2, 1], 0), ([2, 3, 1], 1), ([2, 4, 3, 2], 2), ([3, 5, 4, 1], 3), ([2, 3], 4), ([4, 6, 6, 6, 2], 5)]


@pytest.mark.parametrize("arch,seed", ARCHS)
def test_jacobian_mod_p_equals_exact(arch, seed):
    net = random_network(arch, seed=seed)
    pts, lab = sample_points(net, 7, seed=seed)
    theta = residues(net.flat(), P)
    X = np.array([residues(x, P) for x in pts], dtype=np.uint64).reshape(len(pts), net.n0)
    out = np.empty((len(pts) * net.n_out, net.D), dtype=np.uint64)
    _modp.jacobian_modp(net.architecture, theta, P, X, lab.reshape(len(pts), net.H), out)
    k = 0
    for x in pts:
        for row in jacobian_rows(net, x):
            assert [int(v) for v in out[k]] == [q.numerator * pow(q.denominator, -1, P) % P for q in row]
            k += 1


@pytest.mark.parametrize("arch,seed", ARCHS)
def test_integer_jacobian_is_a_positive_row_scaling_of_the_rational_one(arch, seed):
    net = random_network(arch, seed=seed)
    pts = [tuple(v + Fraction(1, 3) for v in x) for x in sample_points(net, 5, seed=seed)[0]]
    pts = [x for x in pts if net.is_smooth(x)]
    M = exact_jacobian(net, pts)
    R = [r for x in pts for r in jacobian_rows(net, x)]
    assert len(M) == len(R)
    for mi, ri in zip(M, R):
        assert all(isinstance(v, int) for v in mi)
        j = next((j for j, v in enumerate(ri) if v), None)
        if j is None:
            assert not any(mi)
            continue
        lam = mi[j] / ri[j]
        assert lam > 0 and all(a == lam * b for a, b in zip(mi, ri))


def test_jacobian_rejects_bad_pattern():
    net = random_network([2, 3, 1], seed=0)
    theta = residues(net.flat(), P)
    X = np.zeros((1, 2), dtype=np.uint64)
    out = np.empty((1, net.D), dtype=np.uint64)
    with pytest.raises(ValueError):
        _modp.jacobian_modp(net.architecture, theta, P, X, np.zeros((1, 3), dtype=np.int8), out)
    with pytest.raises(ValueError):
        _modp.jacobian_modp(net.architecture, theta[:-1].copy(), P, X, np.ones((1, 3), dtype=np.int8), out)


@pytest.mark.parametrize("arch,seed", ARCHS)
def test_scaling_generators_in_kernel_exactly(arch, seed):
    net = random_network(arch, seed=seed)
    pts, _ = sample_points(net, 5, seed=1)
    for x in pts:
        for row in jacobian_rows(net, x):
            for s in scaling_generators(net):
                assert sum(a * b for a, b in zip(row, s)) == 0


def test_labels_float_bound_agrees_with_exact():
    net = random_network([3, 8, 8, 8, 1], seed=4)
    pts, lab = sample_points(net, 200, seed=2)
    assert (lab == exact_labels(net, pts)).all()
    assert (lab != 0).all()


def test_labels_near_zero_go_exact_and_bent_points_are_rejected():
    # neuron 0: z = x - 1/3 (not a float); neuron 1: z = x - (1 + 2^-60)
    net = Network([1, 2, 1], [([[1], [1]], ["1/3", Fraction(2 ** 60 + 1, 2 ** 60)]), ([[1, 1]], [0])])
    net = Network([1, 2, 1], [([[1], [1]], [Fraction(-1, 3), -Fraction(2 ** 60 + 1, 2 ** 60)]), ([[1, 1]], [0])])
    pts = [(Fraction(1, 3),), (Fraction(1),), (Fraction(1) + Fraction(1, 2 ** 61),), (Fraction(2),)]
    lab, n_exact = batch_labels(net, pts)
    assert n_exact >= 2
    assert lab.tolist() == [[0, -1], [1, -1], [1, -1], [1, 1]]
    assert lab.tolist() == exact_labels(net, pts).tolist()
    res = functional_dimension(net, points=pts)
    assert res.rejected == [(Fraction(1, 3),)] and res.n_points == 3


def test_full_rank_certificate_and_exact_flag():
    net = centred_net([3, 6, 5, 2], 0)
    res = functional_dimension(net, seed=1)
    assert res.rank == res.bound == net.D - net.H == 60 and res.exact
    assert res.second_prime is None and res.kernel is None
    assert flint_rank(net, res.points) == res.bound
    chk = check_certificate(json.loads(json.dumps(res.certificate)))
    assert chk.valid, chk.reason
    ev = res.certificate["evidence"]
    assert len(ev["rows"]) == len(ev["columns"]) == 60
    assert len(ev["points"]) <= 60


@pytest.mark.parametrize("arch,seed", [([2, 3, 1], 0), ([2, 4, 3, 1], 1), ([3, 5, 5, 2], 2), ([2, 2, 2, 2, 1], 3)])
def test_deficit_settled_exactly(arch, seed):
    net = random_network(arch, seed=seed)
    res = functional_dimension(net, seed=0)
    fr = flint_rank(net, res.points)
    assert res.exact and res.rank == fr
    if res.rank < res.bound:
        assert res.method  # which exact method settled it is recorded
        assert len(res.kernel) == net.D - fr
        # J v = 0 over Q, checked here with the checker's Fractions
        rows = [r for x in res.points for r in jacobian_rows(net, x)]
        for v in res.kernel:
            assert any(v)
            for row in rows:
                assert sum(a * b for a, b in zip(row, v)) == 0
        assert len(res.kernel_extra) == net.D - fr - res.scaling_rank
        # the extra directions are independent of the scaling generators
        S = [[flint.fmpq(q.numerator, q.denominator) for q in s] for s in scaling_generators(net)]
        stacked = S + [[flint.fmpq(c) for c in v] for v in res.kernel_extra]
        assert flint.fmpq_mat(stacked).rank() == len(stacked)
    assert check_certificate(res.certificate).valid


def test_shallow_flip_example_is_full():
    # SPEC 4.6: (1,2,1) with w = (1,2), b = (0,1), c = (2,-1); rank D - H = 5
    net = Network([1, 2, 1], [([[1], [2]], [0, 1]), ([[2, -1]], [0])])
    pts = [(Fraction(v),) for v in ["-3", "-2", "-3/8", "-1/8", "1", "2", "3"]]
    res = functional_dimension(net, points=pts)
    assert res.rank == 5 == flint_rank(net, res.points) and res.exact
    # without points in (-1/2, 0) the batch misses a region: exact rank 3
    pts = [(Fraction(v),) for v in ["-3", "-2", "1", "2", "3"]]
    assert functional_dimension(net, points=pts).rank == 3 == flint_rank(net, pts)


def test_affine_network_has_no_hidden_layer():
    net = random_network([3, 2], seed=0)
    res = functional_dimension(net, seed=0)
    assert res.H == 0 and res.rank == res.bound == 8 and res.exact


# ---- float rank is a baseline; these are cases where it is WRONG ------------------------

def test_float_wrong_huge_and_tiny_scales():
    base = centred_net([2, 4, 4, 1], 0)
    pts, _ = sample_points(base, 40, seed=3)
    assert functional_dimension(base, points=pts).rank == base.bound
    # move theta along its G-orbit: F unchanged, exact rank unchanged (J changes by an invertible map)
    net = scale(base, 1, [2 ** 40, 2 ** -40, 2 ** 30, 1])
    net = scale(net, 2, [2 ** -35, 2 ** 35, 1, 2 ** 20])
    res = functional_dimension(net, points=pts)
    assert res.rank == net.bound == 29 and res.exact
    assert flint_rank(net, pts) == 29
    assert float_rank(net, pts) < 29


def test_float_wrong_nearly_dependent_rows():
    net = centred_net([3, 5, 5, 1], 2)
    x0 = sample_points(net, 1, seed=5)[0][0]
    eps = Fraction(1, 2 ** 45)
    pts = [x0] + [tuple(v + (eps * (k + 1) if j == k % 3 else 0) * (1 + k // 3) for j, v in enumerate(x0))
                  for k in range(6)]
    res = functional_dimension(net, points=pts)
    assert all(tuple(net.labels(x)) == tuple(net.labels(x0)) for x in pts)
    # rows are affine in x inside one region: rank n0 + 1 = 4 exactly
    assert res.rank == 4 == flint_rank(net, pts) and res.exact
    assert float_rank(net, pts) < 4


def test_float_wrong_deep_narrow():
    depth = 24
    arch = [2] + [2] * (depth - 1) + [1]
    layers = [([["1/8", "1/16"], ["1/16", "1/8"]], ["1", "1"]) for _ in range(depth - 1)]
    layers = [([["1/8", "1/16"], ["1/16", "1/8"]], ["1", "1"])] + layers[1:]
    layers.append(([["1/8", "3/32"]], ["1"]))
    net = Network(arch, layers)
    pts = [(Fraction(i), Fraction(j)) for i in range(3) for j in range(3)]
    res = functional_dimension(net, points=pts)
    fr = flint_rank(net, pts)
    assert res.exact and res.rank == fr == 3   # all neurons active: F affine on the batch
    assert float_rank(net, pts) == 1           # columns other than d F / d b_d fall below the tolerance


def test_float_jacobian_matches_exact_when_representable():
    net = random_network([2, 4, 3, 2], seed=6)
    pts, _ = sample_points(net, 6, seed=1)
    J = float_jacobian(net, pts)
    E = np.array([[float(q) for q in r] for x in pts for r in jacobian_rows(net, x)])
    assert np.allclose(J, E, rtol=1e-12, atol=1e-12)


# ---- certificates -----------------------------------------------------------------------

def _cert():
    net = centred_net([2, 3, 3, 2], 7)
    res = functional_dimension(net, seed=2)
    assert res.rank == res.bound
    return res.certificate


CERT = _cert()


def _number_paths(obj, path=()):
    """Paths to every number (ints, and rational strings) in a certificate."""
    if isinstance(obj, bool):
        return
    if isinstance(obj, int):
        yield path
    elif isinstance(obj, str):
        if path and path[-2:-1] != ("format",) and any(ch.isdigit() for ch in obj) and \
                all(ch in "-0123456789/" for ch in obj):
            yield path
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _number_paths(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _number_paths(v, path + (i,))


PATHS = list(_number_paths(CERT))


def test_valid_certificate_accepted():
    assert check_certificate(json.loads(json.dumps(CERT))).valid


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(PATHS) - 1), st.integers(-5, 5).filter(lambda d: d != 0),
       st.integers(1, 3))
def test_changing_any_number_is_rejected(i, delta, den):
    cert = json.loads(json.dumps(CERT))
    path = PATHS[i]
    node = cert
    for k in path[:-1]:
        node = node[k]
    old = node[path[-1]]
    if isinstance(old, int):
        new = old + delta
    else:
        new = str(Fraction(old) + Fraction(delta, den))
        if Fraction(new) == Fraction(old):  # pragma: no cover
            return
    node[path[-1]] = new
    assert not check_certificate(cert).valid, path


def test_checker_rejects_structural_problems():
    def mutate(f):
        c = json.loads(json.dumps(CERT))
        f(c)
        r = check_certificate(c)
        assert not r.valid
        return r.reason
    assert "duplicates" in mutate(lambda c: c["evidence"]["rows"].__setitem__(1, c["evidence"]["rows"][0]))
    assert "duplicates" in mutate(lambda c: c["evidence"]["columns"].__setitem__(1, c["evidence"]["columns"][0]))
    assert "range" in mutate(lambda c: c["evidence"]["columns"].__setitem__(0, 10 ** 6))
    assert "prime" in mutate(lambda c: c["evidence"].__setitem__("prime", 1048575))
    assert "exceeds" in mutate(lambda c: c.__setitem__("r", 10 ** 6))
    assert "labels" in mutate(lambda c: c["evidence"]["labels"][0].__setitem__(0, -c["evidence"]["labels"][0][0]))
    assert "sha256" in mutate(lambda c: c["network"]["layers"][0]["b"].__setitem__(0, "7/3"))
    mutate(lambda c: c["evidence"].__setitem__("points", c["evidence"]["points"][:-1]))
    mutate(lambda c: c["evidence"]["labels"][0].__setitem__(0, True))


def test_checker_rejects_point_on_bent_hyperplane():
    net = Network([1, 2, 1], [([[1], [2]], [0, 1]), ([[2, -1]], [0])])
    res = functional_dimension(net, points=[(Fraction(v),) for v in ["-3", "-2", "-3/8", "-1/8", "1", "2", "3"]])
    c = json.loads(json.dumps(res.certificate))
    c["evidence"]["points"][0] = ["0"]
    r = check_certificate(c)
    assert not r.valid and "bent hyperplane" in r.reason


def test_checker_is_standard_library_only():
    code = ("import sys, json; from exactsym.check import check_certificate; "
            "r = check_certificate(json.loads(sys.stdin.read())); "
            "bad = [m for m in ('numpy', 'flint', 'scipy', 'exactsym._modp', 'exactsym._core') if m in sys.modules]; "
            "print(r.valid, bad)")
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(CERT), capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "True []"


# ---- CLI --------------------------------------------------------------------------------

def test_cli_fdim_json_compare_float_and_cert(run_cli, tmp_path):
    from exactsym.network.io import save_network
    net = centred_net([2, 4, 3, 1], 3)
    f = tmp_path / "n.json"
    save_network(net, f)
    cert = tmp_path / "c.json"
    code, out, _ = run_cli("fdim", f, "--json", "--compare-float", "--seed", "4", "--cert", cert)
    assert code == 0
    obj = json.loads(out)
    for k in ("rank", "bound", "D", "H", "n_points", "exact", "float_rank", "float_agrees"):
        assert k in obj
    assert obj["rank"] == obj["bound"] == net.bound and obj["exact"] is True
    assert obj["float_agrees"] is (obj["float_rank"] == obj["rank"])
    code, out, _ = run_cli("check", cert, "--json")
    assert code == 0 and json.loads(out)["valid"] is True
    code, out, _ = run_cli("fdim", f, "--n-points", "3", "--seed", "1")
    assert code == 0 and "rank" in out


def test_cli_fdim_points_and_bad_input(run_cli, tmp_path):
    from exactsym.network.io import save_network, save_points
    net = Network([1, 2, 1], [([[1], [2]], [0, 1]), ([[2, -1]], [0])])
    f = tmp_path / "n.json"
    save_network(net, f)
    pts = tmp_path / "p.json"
    save_points([(Fraction(v),) for v in ["-3", "-2", "-3/8", "-1/8", "1", "2", "3", "0"]], pts)
    code, out, err = run_cli("fdim", f, "--points", pts, "--json")
    obj = json.loads(out)
    assert code == 0 and obj["rank"] == 5 and obj["n_points"] == 7 and obj["rejected_points"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n")
    code, out, _ = run_cli("fdim", f, "--points", bad, "--json")
    assert code == 2 and "error" in json.loads(out)
    code, out, _ = run_cli("fdim", tmp_path / "missing.json", "--json")
    assert code == 2


def test_packed_determinant_matches_common_and_flint():
    import random
    from exactsym.check.shared.exact import det_nonzero_mod_p
    from exactsym.check.fdim import det_nonzero_packed
    rng = random.Random(9)
    for _ in range(300):
        n = rng.randint(0, 14)
        p = rng.choice([3, 5, 7, 1048583, 2 ** 61 - 1])
        r = rng.randint(0, n)
        if r and n:
            C = flint.nmod_mat([[rng.randrange(p) for _ in range(r)] for _ in range(n)], p) * \
                flint.nmod_mat([[rng.randrange(p) for _ in range(n)] for _ in range(r)], p)
            M = [[int(C[i, j]) for j in range(n)] for i in range(n)]
        else:
            M = [[0] * n for _ in range(n)]
        want = (flint.nmod_mat(M, p).det() != 0) if n else True
        assert det_nonzero_packed(M, p) == det_nonzero_mod_p(M, p) == want


def test_no_smooth_point_is_reported(run_cli, tmp_path):
    net = Network([1, 2, 1], [([[0], [2]], [0, 1]), ([[2, -1]], [0])])
    with pytest.raises(ValueError, match="identically 0"):
        functional_dimension(net, seed=0)
    from exactsym.network.io import save_network
    f = tmp_path / "z.json"
    save_network(net, f)
    code, out, _ = run_cli("fdim", f, "--json")
    assert code == 2 and "identically 0" in json.loads(out)["error"]


def test_kernel_classification_small_example():
    # (1,2,1) with both bends at x = 0 and x = -1/2, but no points in (-1/2, 0)
    net = Network([1, 2, 1], [([[1], [2]], [0, 1]), ([[2, -1]], [0])])
    pts = [(Fraction(v),) for v in ["-3", "-2", "1", "2", "3"]]
    res = functional_dimension(net, points=pts)
    assert res.rank == 3 and res.exact and len(res.kernel) == 4
    assert res.scaling_rank == 2 and len(res.kernel_extra) == 2
    assert sum(res.kernel_in_scaling_span) <= 2


def test_deficit_settled_by_kernel_certificate_alone(monkeypatch):
    """Large-matrix path: no fmpz rank, the rank is capped by verified kernel vectors."""
    import exactsym.rank.fdim as fd
    import exactsym.rank.kernel as kr
    monkeypatch.setattr(fd, "FMPZ_RANK_LIMIT", 0)
    monkeypatch.setattr(kr, "settle_multimodular",
                        lambda *a, **k: ("unsettled", {"why": "disabled in this test"}))
    net = random_network([3, 5, 5, 2], seed=2)
    res = functional_dimension(net, seed=0)
    fr = flint_rank(net, res.points)
    assert res.flint_rank is None and res.exact and res.rank == fr < res.bound
    assert len(res.kernel) == net.D - fr
    M = flint.fmpz_mat(exact_jacobian(net, res.points))
    V = flint.fmpz_mat(net.D, len(res.kernel), [res.kernel[j][i] for i in range(net.D)
                                                 for j in range(len(res.kernel))])
    assert (M * V).entries() == [0] * (M.nrows() * len(res.kernel))
    assert flint.fmpz_mat(res.kernel).rank() == len(res.kernel)
    assert len(res.kernel_extra) == net.D - fr - res.scaling_rank
