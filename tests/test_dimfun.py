"""dim_fun as the answer of ``fdim`` and ``certify``; labels of batch ranks; box points; deadlines;
the multimodular kernel (issue 11 items 1-3, issue 10 items 7, 8, 14)."""

import json
import time
from fractions import Fraction

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactsym import Network, random_network
from exactsym.check import check_certificate
from exactsym.network.io import save_network, save_points
from exactsym.rank import kernel as kr
from exactsym.rank.fdim import exact_jacobian, functional_dimension


def far_kinks():
    """(1,3,1): kinks at x = 50, -30, 70, far from the N(0,1) batch; every neuron matters."""
    return Network([1, 3, 1], [([[1], [2], [-1]], [-50, 60, 70]), ([[1, 2, 3]], [1])])


def brute_dim_fun_1d(net, kinks):
    """Independent dim_fun for n0 = 1: two points inside every interval between kinks, FLINT rank."""
    ks = sorted(kinks)
    cuts = [ks[0] - 10] + [(a + b) / 2 for a, b in zip(ks, ks[1:])] + [ks[-1] + 10]
    pts = [(Fraction(c),) for c in cuts] + [(Fraction(c) + Fraction(1, 3),) for c in cuts]
    return flint.fmpz_mat(exact_jacobian(net, pts)).rank()


def test_fdim_is_dim_fun_when_the_batch_misses_regions(run_cli, tmp_path):
    net = far_kinks()
    f, cert = tmp_path / "n.json", tmp_path / "c.json"
    save_network(net, f)
    code, out, _ = run_cli("fdim", f, "--json", "--seed", "3", "--cert", cert)
    obj = json.loads(out)
    truth = brute_dim_fun_1d(net, [50, -30, 70])
    assert code == 0 and obj["what"] == "dim_fun" and obj["exact"] is True
    assert obj["rank"] == truth and obj["batch_rank"] < truth   # the batch alone is wrong
    assert {"rank", "bound", "D", "H", "exact", "what", "domain", "seed"} <= set(obj)
    assert obj["seed"] == 3 and obj["domain"] == "R^n"
    c = json.loads(cert.read_text())
    assert c["claim"] == "fdim=r" and c["r"] == truth and check_certificate(c).valid


def test_fdim_incomplete_enumeration_is_a_labelled_lower_bound(run_cli, tmp_path):
    f = tmp_path / "n.json"
    save_network(far_kinks(), f)
    code, out, _ = run_cli("fdim", f, "--json", "--seed", "3", "--max-regions", "1")
    obj = json.loads(out)
    assert code == 3 and obj["what"] == "batch" and obj["exact"] is False     # only a bound: exit 3
    assert obj["rank"] == obj["batch_rank"] < brute_dim_fun_1d(far_kinks(), [50, -30, 70])
    assert "--max-regions" in obj["reason"]
    code, out, _ = run_cli("fdim", f, "--seed", "3", "--max-regions", "1")
    assert "a lower bound" in out and "exactly" not in out


def test_fdim_seed_is_drawn_printed_and_reproducible(run_cli, tmp_path):
    f = tmp_path / "n.json"
    save_network(random_network([2, 4, 3, 1], seed=1), f)
    code, out, _ = run_cli("fdim", f, "--json")
    obj = json.loads(out)
    assert code == 0 and isinstance(obj["seed"], int)
    code, out2, _ = run_cli("fdim", f, "--json", "--seed", str(obj["seed"]))
    again = json.loads(out2)
    assert {k: v for k, v in again.items() if k != "time_s"} == {k: v for k, v in obj.items() if k != "time_s"}
    code, text, _ = run_cli("fdim", f, "--seed", "11")
    assert "seed         11" in text


def test_fdim_points_keeps_the_batch_meaning(run_cli, tmp_path):
    net = far_kinks()
    f, p = tmp_path / "n.json", tmp_path / "p.json"
    save_network(net, f)
    pts = [(Fraction(v, 4),) for v in range(-8, 9)]
    save_points(pts, p)
    code, out, _ = run_cli("fdim", f, "--points", p, "--json")
    obj = json.loads(out)
    assert code == 0 and obj["what"] == "batch" and obj["exact"] is True
    assert obj["rank"] == flint.fmpz_mat(exact_jacobian(net, pts)).rank()
    code, text, _ = run_cli("fdim", f, "--points", p)
    assert "exact rank of the batch" in text and "lower bound of dim_fun" in text


def test_certify_calls_only_a_proven_dim_fun_exact(run_cli, tmp_path):
    f = tmp_path / "n.json"
    save_network(far_kinks(), f)
    code, out, _ = run_cli("certify", f, "--json", "--seed", "1")
    obj = json.loads(out)
    truth = brute_dim_fun_1d(far_kinks(), [50, -30, 70])
    assert obj["fdim"] == truth and obj["fdim_exact"] is True
    code, out, _ = run_cli("certify", f, "--json", "--seed", "1", "--max-regions", "1")
    obj = json.loads(out)
    assert obj["fdim_exact"] is False and obj["fdim"] is None and obj["fdim_lower_bound"] < truth
    assert not any("functional dimension" in p for p in obj["proven"])
    code, text, _ = run_cli("certify", f, "--seed", "1", "--max-regions", "1")
    line = next(ln for ln in text.splitlines() if ln.startswith("fdim"))
    assert "rank of this batch >=" in line and "a lower bound" in line and "exactly" not in line


@pytest.mark.parametrize("seed", range(4))
def test_box_batch_lies_in_the_box_and_its_certificate_checks(seed):
    net = random_network([2, 3, 2, 1], seed=seed)
    box = (Fraction(-1, 2), Fraction(1))
    res = functional_dimension(net, seed=seed, box=box)
    assert all(box[0] < v < box[1] for x in res.points for v in x)
    cert = res.certificate
    assert cert["domain"] == {"box": ["-1/2", "1"]}
    assert check_certificate(cert).valid
    bad = json.loads(json.dumps(cert))
    bad["evidence"]["points"][0] = ["2", "0"]        # outside the box
    out = check_certificate(bad)
    assert not out.valid and "inside the domain box" in out.reason


def test_certify_box_lists_nothing_uncertified_as_proven(run_cli, tmp_path):
    for seed in range(3):
        f, cert = tmp_path / f"n{seed}.json", tmp_path / f"c{seed}.json"
        save_network(random_network([2, 2, 2, 1], seed=seed), f)
        code, out, _ = run_cli("certify", f, "--box", "-1,1", "--json", "--cert", cert, "--seed", "0")
        obj = json.loads(out)
        if any("functional dimension" in p for p in obj["proven"]):
            assert obj["fdim_exact"] is True
        if cert.exists():
            assert check_certificate(json.loads(cert.read_text())).valid


def big_flip_net(n=20):
    """(1, n, 1) with all c_j w_j > 0: criterion (iv) would enumerate 2^(n-1) flip sets."""
    W = [[1 + i] for i in range(n)]
    b = [-(i + 1) * (i - 11) for i in range(n)]
    return Network([1, n, 1], [(W, b), ([[1] * n], [0])])


def test_shallow_criterion_search_respects_the_deadline():
    from exactsym.verdict.criteria import shallow_criterion
    t = time.monotonic()
    crit = shallow_criterion(big_flip_net(), deadline=t + 0.5)
    assert time.monotonic() - t < 10
    assert crit["iv"] is None and any("time limit" in s for s in crit["failing"])


def test_certify_time_limit_is_wall_clock_over_every_phase(run_cli, tmp_path):
    f = tmp_path / "n.json"
    save_network(big_flip_net(), f)
    t = time.monotonic()
    code, out, _ = run_cli("certify", f, "--json", "--time-limit", "2")
    assert code == 3 and time.monotonic() - t < 30      # undecided: exit 3; was > 200 s
    obj = json.loads(out)
    assert obj["verdict"] == "undecided"


# ---- the multimodular kernel -------------------------------------------------------

def test_structural_zero_columns_are_exactly_zero():
    from exactsym.arrangement.patterns import sample_points
    for seed in range(4):
        net = random_network([3, 6, 6, 2], seed=seed)
        pts, lab = sample_points(net, 40, seed=seed)
        Z = kr.structural_zero_columns(net, pts, lab)
        M = np.array(exact_jacobian(net, pts), dtype=object)
        assert all(not any(M[:, c]) for c in Z)


def test_dead_neuron_columns_are_structural_zeros():
    net = Network([1, 2, 1], [([[1], [1]], [-100, 0]), ([[1, 1]], [0])])   # neuron 0 dead near 0
    pts = [(Fraction(v, 3),) for v in range(1, 6)]
    lab = np.array([net.labels(x) for x in pts], dtype=np.int8)
    Z = set(int(c) for c in kr.structural_zero_columns(net, pts, lab))
    assert {net.index_W(1, 0, 0), net.index_b(1, 0), net.index_W(2, 0, 0)} <= Z


@settings(max_examples=200, deadline=None)
@given(st.integers(-10 ** 6, 10 ** 6), st.integers(1, 10 ** 6))
def test_rational_reconstruction_round_trip(a, b):
    import math
    q = Fraction(a, b)
    N = 2 ** 61 - 1      # prime, so every denominator is a unit
    u = q.numerator * pow(q.denominator, -1, N) % N
    assert kr.rational_reconstruct(u, N) == q
    assert math.gcd(q.denominator, N) == 1


@pytest.mark.parametrize("seed", range(3))
def test_row_norm_bound_dominates_the_exact_rows(seed):
    import math
    from exactsym.arrangement.patterns import sample_points
    net = random_network([2, 4, 3, 2], seed=seed)
    pts, _ = sample_points(net, 10, seed=seed)
    bits = kr.row_norm_bits(net, pts)
    q = 1
    for W, b in net.layers:
        ql = 1
        for v in [v for row in W for v in row] + list(b):
            ql = ql * v.denominator // math.gcd(ql, v.denominator)
        q *= ql
    from exactsym.check.shared.exact import jacobian_rows
    for x in pts:
        s = 1
        for v in x:
            s = s * v.denominator // math.gcd(s, v.denominator)
        for row in jacobian_rows(net, x):
            assert s * q * sum(abs(v) for v in row) < 2 ** bits
            assert all((s * q * v).denominator == 1 for v in row)     # c_x J_x is an integer row


def test_multimodular_settlement_reconstructs_and_matches_flint(monkeypatch):
    """A deficit that needs reconstructed kernel directions (local blocks off, so that CRT and
    p-adic lifting do the work): rank = FLINT's, J v = 0 exactly."""
    orig = kr.settle_multimodular
    monkeypatch.setattr(kr, "settle_multimodular", lambda *a, **k: orig(*a, **dict(k, local_blocks=False,
                                                                                  crt_primes=16, small_minor=0)))
    seen = 0
    for arch, seed in [([2, 4, 3, 1], 1), ([3, 5, 5, 2], 2), ([2, 2, 2, 2, 1], 3), ([2, 5, 5, 1], 4),
                       ([3, 4, 4, 4, 1], 5)]:
        net = random_network(arch, seed=seed)
        res = functional_dimension(net, seed=0)
        M = exact_jacobian(net, res.points)
        assert res.exact and res.rank == flint.fmpz_mat(M).rank()
        if res.kernel_info and res.kernel_info["reconstructed"]:
            seen += 1
            V = flint.fmpz_mat(net.D, len(res.kernel), [res.kernel[j][i] for i in range(net.D)
                                                         for j in range(len(res.kernel))])
            assert (flint.fmpz_mat(M) * V).is_zero()
            assert V.rank() == net.D - res.rank
    assert seen >= 1


def test_padic_lifting_alone_settles_the_deficit(monkeypatch):
    """max_primes = 0: every reconstructed direction comes from p-adic lifting; rank = FLINT's."""
    import exactsym.rank.fdim as fd
    orig = kr.settle_multimodular
    monkeypatch.setattr(kr, "settle_multimodular", lambda *a, **k: orig(*a, **dict(k, max_primes=0,
                                                                                  local_blocks=False, small_minor=0)))
    monkeypatch.setattr(fd, "EXACT_LIMIT", 0)      # no FLINT fallback
    seen = 0
    for arch, seed in [([2, 4, 3, 1], 1), ([3, 5, 5, 2], 2), ([2, 5, 5, 1], 4), ([3, 4, 4, 4, 1], 5)]:
        net = random_network(arch, seed=seed)
        res = functional_dimension(net, seed=0)
        M = exact_jacobian(net, res.points)
        assert res.exact and res.rank == flint.fmpz_mat(M).rank()
        if res.kernel_info and res.kernel_info.get("padic"):
            seen += 1
            V = flint.fmpz_mat(net.D, len(res.kernel), [res.kernel[j][i] for i in range(net.D)
                                                         for j in range(len(res.kernel))])
            assert (flint.fmpz_mat(M) * V).is_zero() and V.rank() == net.D - res.rank
    assert seen >= 1


def test_garner_symmetric_crt():
    from exactsym.rank.padic import _garner_mod_p
    qs, p = [1048573, 1048571, 1048559], 1048583
    vals = [0, 1, -1, 12345678901234, -(math_prod(qs) // 2 - 1)]
    res = [np.array([v % q for v in vals], dtype=np.int64) for q in qs]
    assert _garner_mod_p(res, qs, p).tolist() == [v % p for v in vals]


def math_prod(xs):
    import math
    return math.prod(xs)
