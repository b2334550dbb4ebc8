"""Exact fallback of the region engine and non-simple arrangements (issue 13, items 1-2).

Region counts here are proved by hand in the docstrings; the float paths are
forced to fail to show that a float failure costs time, never completeness.
"""
import copy
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from exactsym import Network
from exactsym.arrangement import evidence_digest, line_regions, regions
from exactsym.arrangement.exactlp import maxmin_slack
from exactsym.check import check_certificate
from exactsym.network.generate import random_network


def _run(net, box=None, **kw):
    return regions(net, box=box, progress=False, **kw)


def _break_floats(monkeypatch):
    """Every float LP fails, the C Farkas path gives nothing, HiGHS gives nothing."""
    import exactsym.arrangement._regions as cr
    import exactsym.arrangement.proposals as pr

    def broken(A, c, s, box, todo):
        H, n0 = np.shape(A)
        return (1, np.zeros(n0), 0.0, np.zeros(H), np.zeros((H, n0)),
                np.full((H, n0 + 1), -1, dtype=np.intc), np.ones(H, dtype=np.intc))
    monkeypatch.setattr(cr, "region_lps", broken)
    monkeypatch.setattr(cr, "farkas_region", lambda *a, **k: {})
    monkeypatch.setattr(pr, "fallback_support", lambda *a, **k: (None, "forced failure"))


@pytest.mark.parametrize("arch,seed,box", [((2, 4, 3, 1), 1, None), ((2, 4, 3, 1), 1, (-1, 2)),
                                           ((3, 4, 4, 1), 2, None), ((1, 4, 4, 1), 3, None)])
def test_exact_fallback_when_every_float_path_fails(monkeypatch, arch, seed, box):
    net = random_network(arch, seed=seed)
    ref = _run(net, box)
    assert ref.complete
    _break_floats(monkeypatch)
    res = _run(net, box)
    assert res.complete, res.reason
    assert set(res.patterns) == set(ref.patterns) and res.count == ref.count
    assert res.stats["exact_decisions"] > 0
    for cert in (res.certificate, res.compact_certificate()):
        r = check_certificate(cert)
        assert r.valid, r.reason


def test_exact_fallback_non_simple(monkeypatch):
    _break_floats(monkeypatch)
    res = _run(_two_d_duplicate())
    assert res.complete and res.count == 6 and check_certificate(res.certificate).valid


def test_exact_lp_against_a_hand_solution():
    """max t: x >= t, y >= t, 1 - x - y >= t (t* = 1/3 at (1/3, 1/3)); with x - y = 0 the same;
    with 1 - x - y replaced by -1 - x - y, t* = -1/3 and the dual weights are 1/3 each."""
    def q(v):
        return Fraction(int(v.p), int(v.q))
    t, x, y, mu, w = maxmin_slack([[1, 0, 0], [0, 1, 0], [-1, -1, 1]])
    assert q(t) == Fraction(1, 3) and [q(v) for v in x] == [Fraction(1, 3)] * 2
    t, x, y, mu, w = maxmin_slack([[1, 0, 0], [0, 1, 0], [-1, -1, -1]], eq=[1, -1, 0])
    assert q(t) == Fraction(-1, 3) and [q(v) for v in y] == [Fraction(1, 3)] * 3 and q(w) == 0


# ---- non-simple arrangements with hand-proved counts ---------------------------------

def _one_d():
    r"""n0 = 1. Layer 1: z0 = x, z1 = x - 1, z2 = -2x; layer 2: z3 = relu(z0) - 1, z4 = relu(z0).

    Breakpoints: x = 0 (z0, z2, and z4, which is 0 on x < 0 and x on x > 0) and
    x = 1 (z1 and z3 = x - 1 on x > 0). Three pieces, patterns
    (-,-,+,-,0), (+,-,-,-,+), (+,+,-,+,+): exactly 3 regions.
    """
    return Network([1, 3, 2, 1], [([[1], [1], [-2]], [0, -1, 0]), ([[1, 0, 0], [1, 0, 0]], [-1, 0]),
                                  ([[1, 1]], [0])])


def _two_d_duplicate():
    r"""n0 = 2. Layer 1: z0 = x, z1 = y, z2 = 2x (a duplicate of z0), z3 = x - 1; layer 2: z4 = relu(x) - 1.

    z2 has z0's sign everywhere, and z4 = -1 on x < 0, x - 1 on x > 0, so the
    pattern is a function of (sign x, sign y, sign(x - 1)), and the 2 * 3 cells
    {x < 0}, {0 < x < 1}, {x > 1} times {y < 0}, {y > 0} are all realised: exactly 6 regions.
    """
    return Network([2, 4, 1, 1], [([[1, 0], [0, 1], [2, 0], [1, 0]], [0, 0, 0, -1]),
                                  ([[1, 0, 0, 0]], [-1]), ([[1]], [0])])


def test_line_coinciding_breakpoints():
    pieces = line_regions(_one_d())
    assert [(a, b) for a, b, _ in pieces] == [(None, 0), (0, 1), (1, None)]
    assert [p for _, _, p in pieces] == [(-1, -1, 1, -1, 0), (1, -1, -1, -1, 1), (1, 1, -1, 1, 1)]
    res = _run(_one_d())
    assert res.complete and res.count == 3 and set(res.patterns) == {p for _, _, p in pieces}
    assert any("flips neurons [1, 3]" in d for d in res.degenerate)
    assert check_certificate(res.certificate).valid


def test_two_d_duplicated_neuron():
    for box in (None, (Fraction(-3), Fraction(3))):
        res = _run(_two_d_duplicate(), box)
        assert res.complete and res.count == 6, res.reason
        assert {p[:2] for p in res.patterns} == {(a, b) for a in (1, -1) for b in (1, -1)}
        assert all(p[0] == p[2] for p in res.patterns)
        assert check_certificate(res.certificate).valid


def test_zero_on_a_half_plane():
    """z2 = relu(x) is identically 0 on x < 0: regions (-,+-,0) and (+,+-,+), exactly 4."""
    net = Network([2, 2, 1, 1], [([[1, 0], [0, 1]], [0, 0]), ([[1, 0]], [0]), ([[1]], [0])])
    res = _run(net)
    assert res.complete and sorted(res.patterns) == [(-1, -1, 0), (-1, 1, 0), (1, -1, 1), (1, 1, 1)]
    assert check_certificate(res.certificate).valid


# ---- the compact form rejects what the proof does not cover ------------------------

def _resign(cert):
    cert["evidence"]["digest"] = evidence_digest(cert["evidence"])
    return cert


def test_compact_rejects_the_flag_counterexample():
    """(1,2,1) with both hidden rows x: listing only {x > 0} with a Farkas support naming the
    duplicate (lambda_0 = 0, only a proportional neuron) must fail (proofs, section 6 flag)."""
    net = Network([1, 2, 1], [([[1], [1]], [0, 0]), ([[1, 1]], [0])])
    cert = _run(net).certificate
    ev = cert["evidence"]
    ev["regions"] = [r for r in ev["regions"] if r["pattern"] == [1, 1]]
    ev["pairs"] = [[0, 0, [1]]]
    assert not check_certificate(_resign(cert)).valid


@pytest.mark.parametrize("mutate", ["neighbour", "drop", "pattern", "split"])
def test_compact_forgeries_rejected(mutate):
    res = _run(_two_d_duplicate())
    cert = copy.deepcopy(res.certificate)
    ev = cert["evidence"]
    cross = [i for i, e in enumerate(ev["pairs"]) if isinstance(e[2], int)]
    if mutate == "neighbour":
        e = ev["pairs"][cross[0]]
        e[2] = (e[2] + 1) % len(ev["regions"])
    elif mutate == "drop":
        ev["pairs"].pop(cross[-1])
    elif mutate == "pattern":
        ev["regions"][0]["pattern"][2] *= -1
    else:                      # duplicate's pair listed separately: covered twice
        r, h, k = ev["pairs"][cross[0]]
        ev["pairs"].append([r, 2 if h == 0 else 0, k])
    assert not check_certificate(_resign(cert)).valid


def _compact_certs():
    out = []
    for net, box in [(random_network((2, 4, 3, 1), seed=1), None),
                     (random_network((2, 3, 3, 1), seed=2), (Fraction(-1), Fraction(1))),
                     (_two_d_duplicate(), None), (_one_d(), None)]:
        res = _run(net, box)
        assert res.complete
        out.append(res.compact_certificate())
    return out


COMPACT = _compact_certs()


def test_compact_certificates_valid():
    for c in COMPACT:
        r = check_certificate(c)
        assert r.valid, r.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_compact_tampering_rejected(data):
    """Any changed number fails the digest; with a fresh digest, a changed pattern, region,
    or neighbour index fails the mathematics (a changed support may be another valid one, and a
    changed neuron another member of the same class, which names the same entry)."""
    from tamper import assert_a_tampering_fails, numeric_paths, tampered
    assert_a_tampering_fails(data, COMPACT)
    cert = data.draw(st.sampled_from(COMPACT))
    paths = [p for p in numeric_paths(cert) if p[:1] == ("evidence",)
             and ("pattern" in p or (p[1] == "pairs" and len(p) == 4 and p[3] != 1))]
    path = data.draw(st.sampled_from(paths))
    bad = _resign(tampered(cert, path, data.draw(st.integers(1, 5))))
    assert not check_certificate(bad).valid, path


def test_fdim_evidence_refuses_zero_labels():
    """fdim=r needs parameter-smooth points in every region: label-0 regions are refused there."""
    from exactsym.check.regions import verify_regions_evidence
    from exactsym.check.common import CheckFailure
    net = Network([2, 2, 1, 1], [([[1, 0], [0, 1]], [0, 0]), ([[1, 0]], [0]), ([[1]], [0])])
    res = _run(net)
    ev = res.certificate["evidence"]
    assert verify_regions_evidence(net, None, ev, zero_labels=True)[0] == 4
    with pytest.raises(CheckFailure):
        verify_regions_evidence(net, None, ev)


def _degenerate_network(rng):
    """Small networks with entries in {-1, 0, 1, 2}: duplicated, dead and coinciding neurons abound."""
    n0 = rng.choice([1, 2, 2, 3])
    arch = [n0] + [rng.randint(1, 4) for _ in range(rng.randint(1, 3))] + [1]
    layers = [([[rng.choice([-1, 0, 1, 1, 2]) for _ in range(a)] for _ in range(b)],
               [rng.choice([-1, 0, 0, 1]) for _ in range(b)]) for a, b in zip(arch[:-1], arch[1:])]
    return Network(arch, layers)


@pytest.mark.parametrize("seed", range(4))
def test_random_degenerate_networks(seed):
    """Every one certifies; every point sampled off the zero sets has a listed pattern
    (an independent exact check: the network's own labels at random rational points)."""
    import random
    rng = random.Random(seed)
    for _ in range(15):
        net = _degenerate_network(rng)
        box = rng.choice([None, (Fraction(-2), Fraction(3))])
        res = _run(net, box)
        assert res.complete, res.reason
        r = check_certificate(res.certificate)
        assert r.valid, r.reason
        lo, hi = box if box else (Fraction(-5), Fraction(5))
        found = set(res.patterns)
        for _ in range(100):
            x = [lo + (hi - lo) * Fraction(rng.randrange(1, 10007), 10007) for _ in range(net.n0)]
            lab = net.labels(x)
            assert lab in found or 0 in lab


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=4).flatmap(
    lambda m: st.tuples(st.lists(st.lists(st.integers(-6, 6), min_size=m, max_size=m), min_size=m, max_size=m),
                        st.lists(st.integers(-6, 6), min_size=m, max_size=m))))
def test_checker_square_cramer_solve_is_exact(data):
    """The checker's square Cramer path against Gauss-Jordan over Fractions (singular -> None)."""
    from exactsym.check.regions_compact import _det, _solve_unique
    from exactsym.check.shared.exact import gauss_jordan
    cols, target = data
    m = len(cols)
    A = [[Fraction(cols[j][i]) for j in range(m)] + [Fraction(target[i])] for i in range(m)]
    piv = gauss_jordan(A, m)
    sol = _solve_unique(cols, target)
    if len(piv) < m:
        assert sol is None and _det(cols) == 0
        return
    num, den = sol
    assert den > 0
    lam = [Fraction(0)] * m
    for i, c in enumerate(piv):
        lam[c] = A[i][m]
    assert [Fraction(v, den) for v in num] == lam
