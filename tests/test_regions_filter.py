"""The float filters of the region engine (proofs/float-filter.md): a proven sign is the exact sign.

Each test compares against exact integer/Fraction arithmetic (an independent
method); the near-zero tests show that the filter defers there and that a
bound smaller than the proven one would give wrong signs, so these tests
would catch a wrong bound.
"""
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from exactsym import Network
from exactsym.arrangement import _regions as cr
from exactsym.arrangement import regions
from exactsym.arrangement.filters import RegionFloats, filter_safe_box, filtered_classes, supports
from exactsym.arrangement.forms import IntegerForms
from exactsym.arrangement.witnesses import Witnesses, classes
from exactsym.check import check_certificate


def _det(A):
    """Exact determinant over Q (Gaussian elimination on Fractions)."""
    A = [[Fraction(v) for v in r] for r in A]
    n, d = len(A), Fraction(1)
    for k in range(n):
        p = next((i for i in range(k, n) if A[i][k] != 0), None)
        if p is None:
            return Fraction(0)
        if p != k:
            A[k], A[p] = A[p], A[k]
            d = -d
        d *= A[k][k]
        for i in range(k + 1, n):
            f = A[i][k] / A[k][k]
            A[i] = [a - f * b for a, b in zip(A[i], A[k])]
    return d


def _sign(v):
    return (v > 0) - (v < 0)


def _scaled(rows):
    """Rows of integers as the filter sees them: exact doubles scaled into [-1, 1] (None if refused)."""
    F, G, ok = cr.exact_doubles([list(r) for r in rows])
    return G, ok


_big = st.integers(min_value=-(1 << 300), max_value=1 << 300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=1, max_value=6).flatmap(
    lambda n: st.lists(st.lists(_big, min_size=n, max_size=n), min_size=n, max_size=n)))
def test_proven_det_sign_is_the_exact_sign(A):
    # rows scaled by powers of two: positive factors, the sign of det is unchanged
    G, ok = _scaled(A)
    if not ok.all():
        return
    sg = cr.sign_det(G)
    if sg != 0:
        assert sg == _sign(_det(A))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=6), st.randoms(use_true_random=False),
       st.integers(min_value=40, max_value=200))
def test_singular_matrices_defer_and_a_zero_bound_is_caught(n, rnd, bits):
    """Exactly singular integer matrices with large entries: the proven bound always defers (0)."""
    rows = [[rnd.randrange(-(1 << bits), 1 << bits) for _ in range(n)] for _ in range(n - 1)]
    coef = [rnd.randrange(1, 1 << 20) for _ in range(n - 1)]
    rows.append([sum(c * r[j] for c, r in zip(coef, rows)) for j in range(n)])   # rank n - 1
    assert _det(rows) == 0
    G, ok = _scaled(rows)
    assert ok.all()
    assert cr.sign_det(G) == 0


def test_a_bound_below_the_proven_one_gives_wrong_signs():
    """Without the bound (rel = abs = 0) the same evaluation claims non-zero signs of singular matrices."""
    rnd = random.Random(7)
    wrong = 0
    for _ in range(300):
        n = rnd.randrange(3, 7)
        rows = [[rnd.randrange(-(1 << 120), 1 << 120) for _ in range(n)] for _ in range(n - 1)]
        coef = [rnd.randrange(1, 1 << 30) for _ in range(n - 1)]
        rows.append([sum(c * r[j] for c, r in zip(coef, rows)) for j in range(n)])
        G, _ = _scaled(rows)
        assert cr.sign_det(G) == 0
        wrong += cr.sign_det_bound(G, 0.0, 0.0) != 0
    assert wrong > 100          # most of them: rounding makes the float determinant non-zero


def test_near_singular_signs_need_the_exact_fallback():
    """det = +-1 against entries of 2^200: the filter cannot prove it (0), the exact sign is known."""
    t = 1 << 200
    for A, sgn in (([[t, t + 1], [t - 1, t]], 1), ([[t - 1, t], [t, t + 1]], -1)):
        assert _det(A) == sgn                     # t^2 - (t^2 - 1) = 1, and -1
        G, ok = _scaled(A)
        assert cr.sign_det(G) == 0
    A = [[3, 1], [1, 2]]
    G, _ = _scaled(A)
    assert cr.sign_det(G) == 1                    # far from zero: proven


@settings(max_examples=200, deadline=None)
@given(st.lists(_big, min_size=1, max_size=8))
def test_exact_doubles_are_correctly_rounded(xs):
    """Hypothesis H1: the conversion of an integer is its correctly rounded double (checked by Fraction)."""
    F, G, ok = cr.exact_doubles([xs])
    for x, f in zip(xs, F[0].tolist()):
        assert f == float(x)
        err = abs(Fraction(f) - x)
        assert err <= abs(Fraction(f)) * Fraction(1, 1 << 53)
        assert (f == 0) == (x == 0)
    assert ok[0] == 1
    assert all(abs(g) <= 1 for g in G[0].tolist())


def test_exact_doubles_refuse_huge_rows():
    F, G, ok = cr.exact_doubles([[1 << 1100, 1], [1 << 999, 3], [5, 0]])
    assert ok.tolist() == [0, 1, 1]


def test_box_safety():
    assert filter_safe_box((Fraction(-1), Fraction(2)))
    assert filter_safe_box((Fraction(0), Fraction(1, 3)))
    assert not filter_safe_box((Fraction(1, 10 ** 400), Fraction(1)))
    assert not filter_safe_box((Fraction(-10 ** 400), Fraction(1)))


def _f64net(arch, seed, dup=False):
    rng = np.random.default_rng(seed)
    layers = []
    for l, (fan_in, n) in enumerate(zip(arch[:-1], arch[1:])):
        W = rng.normal(0.0, (2.0 / fan_in) ** 0.5, size=(n, fan_in))
        b = rng.normal(0.0, 0.1, size=n)
        if dup and l == 0:
            W[1], b[1] = 2 * W[0], 2 * b[0]       # a rescaled copy: proportional forms
        layers.append(([[Fraction(float(v)) for v in r] for r in W], [Fraction(float(v)) for v in b]))
    return Network(list(arch), layers)


def _random_patterns(net, k, rng):
    return [tuple(rng.choice((-1, 1)) for _ in range(net.H)) for _ in range(k)]


@pytest.mark.parametrize("arch,seed,dup", [((3, 8, 8, 1), 0, False), ((2, 6, 6, 6, 1), 1, False),
                                           ((2, 6, 6, 1), 2, True)])
def test_filtered_classes_and_point_signs_equal_the_exact_ones(arch, seed, dup):
    net = _f64net(arch, seed, dup)
    F = IntegerForms(net)
    rng = random.Random(seed)
    n0 = net.n0
    for s in _random_patterns(net, 40, rng):
        M = F.forms(s)
        rf = RegionFloats(M)
        assert filtered_classes(M, rf) == classes(M)
        pts = [([rng.randrange(-(1 << 40), 1 << 40) for _ in range(n0)], 1 << rng.randrange(1, 60))
               for _ in range(5)]
        for (P, Q), row in zip(pts, rf.signs(M, s, pts)):
            exact = [_sign(sk * (sum(m[i] * P[i] for i in range(n0)) + m[n0] * Q)) for sk, m in zip(s, M)]
            assert row == exact
    if dup:
        M = F.forms(tuple([1] * net.H))
        assert classes(M)                          # the duplicated neuron: the filter must defer
        assert filtered_classes(M, RegionFloats(M)) == classes(M)


def test_point_signs_on_a_hyperplane_are_computed_exactly():
    """A point exactly on z_h = 0: the filter cannot prove a sign (2), the exact value 0 is used."""
    net = _f64net((2, 4, 1), 3)
    F = IntegerForms(net)
    s = (1, 1, 1, 1)
    M = F.forms(s)
    W = Witnesses(F, None)
    P, Q = W.facet_candidate(M, 0, [0.3, -0.2], 0.1, 0)
    assert M[0][0] * P[0] + M[0][1] * P[1] + M[0][2] * Q == 0
    rf = RegionFloats(M)
    raw = cr.point_signs(rf.G, rf.ok, s, [(P, Q)])
    assert raw[0][0] == 2
    assert rf.signs(M, s, [(P, Q)])[0][0] == 0


@pytest.mark.parametrize("arch,seed,box", [((3, 8, 8, 1), 0, None), ((2, 10, 10, 1), 4, (-1, 1)),
                                           ((3, 6, 6, 6, 1), 5, None)])
def test_proven_farkas_supports_match_the_exact_solve(arch, seed, box):
    """Every support the filter proves is a Farkas identity the exact solve confirms, with all > 0."""
    from exactsym.arrangement.proposals import float_forms, region_lps
    net = _f64net(arch, seed)
    F = IntegerForms(net)
    fb = None if box is None else (Fraction(box[0]), Fraction(box[1]))
    W = Witnesses(F, fb)
    scales = np.array([float(v) for v in F.scales])
    res = regions(net, box=box, progress=False, lean=True, max_regions=60)
    proven = 0
    for reg in res.regions:
        s = reg.pattern
        M = F.forms(s)
        rf = RegionFloats(M)
        A, c = float_forms(rf.F, scales, net.n0)
        lp = region_lps(A, c, s, None if box is None else (float(box[0]), float(box[1])), [1] * net.H)
        _, _, _, tstar, _, supp, status = lp
        want = [1 if status[h] == 0 and tstar[h] <= 1e-12 else 0 for h in range(net.H)]
        hs, codes = rf.farkas_proven(s, supp, want, None if box is None else (float(box[0]), float(box[1])))
        for h, ids in zip(hs, supports(codes)):
            fk, why = W.farkas(s, M, h, [i for i in supp[h] if i >= 0])
            assert fk is not None, why
            assert fk["constant"] > 0
            assert all(v > 0 for _, v in fk["neurons"]) and all(v > 0 for *_, v in fk.get("box", []))
            assert W.support(s, M, fk) == list(ids)
            proven += 1
    assert proven > 50


def test_filtered_run_certifies_and_matches_the_unfiltered_run(monkeypatch):
    """The same network with every filter answering 'undecided': the same certificate, byte for byte."""
    import hashlib
    import json
    net = _f64net((2, 8, 8, 1), 6)
    box = (Fraction(-2), Fraction(3))
    a = regions(net, box=box, progress=False, lean=True)
    assert a.complete and check_certificate(a.certificate).valid
    monkeypatch.setattr(cr, "rows_generic", lambda G, ok: False)
    monkeypatch.setattr(cr, "farkas_proven_codes", lambda G, ok, s, sp, want, fb: ([], []))
    monkeypatch.setattr(cr, "point_signs", lambda G, ok, s, c: np.full((len(c), len(s)), 2, dtype=np.intc))
    b = regions(net, box=box, progress=False, lean=True)
    dig = lambda r: hashlib.sha256(json.dumps(r.certificate, sort_keys=True).encode()).hexdigest()  # noqa: E731
    assert a.count == b.count and dig(a) == dig(b)


def test_filter_proves_most_generic_signs():
    """Not vacuous: on generic matrices of 300-bit integers the filter proves nearly every sign, correctly."""
    rnd = random.Random(3)
    proven = 0
    for _ in range(200):
        n = rnd.randrange(1, 7)
        A = [[rnd.randrange(-(1 << 300), 1 << 300) for _ in range(n)] for _ in range(n)]
        G, ok = _scaled(A)
        sg = cr.sign_det(G)
        if sg:
            proven += 1
            assert sg == _sign(_det(A))
    assert proven >= 190
