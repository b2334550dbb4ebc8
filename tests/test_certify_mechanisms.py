"""Mechanism witnesses, the shallow criterion, exact equivalence and their certificates (issue 5)."""
import itertools
import json
import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from exactsym import Network, random_network, same_orbit
from exactsym.verdict.certify import shallow_criterion
from exactsym.check import check_certificate
from exactsym.check.shared.flips import flip_matrices, zero_one_kernel_vectors
from exactsym.verdict.mechanisms import detect
from exactsym.verdict.equiv import equivalent, line_breakpoints
from conftest import flip_network
from tamper import assert_a_tampering_fails


def exact_agree(a, b, n=40, seed=0, box=None):
    rng = random.Random(seed)
    lo, hi = box or (-10, 10)
    for _ in range(n):
        x = [Fraction(rng.randint(lo * 97, hi * 97), 97) for _ in range(a.n0)]
        if a.forward(x) != b.forward(x):
            return False
    return True


PLANTED = {
    1: Network([2, 3, 1], [([[1, 2], [3, -1], [1, 1]], [0, 1, -1]), ([[1, 0, 2]], [0])]),
    2: Network([1, 2, 2, 1], [([[1], [1]], [0, -1]), ([[1, 1], [-1, -1]], [1, -1]), ([[1, 2]], [0])]),
    3: Network([1, 2, 2, 1], [([[1], [1]], [0, -1]), ([[1, 1], [1, -2]], [1, "1/2"]), ([[1, 2]], [0])]),
    4: Network([2, 2, 1], [([[0, 0], [1, 2]], [3, 1]), ([[2, 1]], [0])]),
    5: Network([2, 3, 1], [([[1, 2], [2, 4], [1, -1]], [1, 2, 0]), ([[1, 1, 1]], [0])]),
    6: flip_network()[0],
    7: Network([1, 2, 2, 1], [([[1], [1]], [0, -1]), ([[1, 1], [2, 1]], [1, 1]), ([[1, 2]], [0])]),
}


@pytest.mark.parametrize("mech", sorted(PLANTED))
def test_planted_mechanism_found_and_certified(mech):
    net = PLANTED[mech]
    regions = None
    if mech in (2, 3, 7):
        from exactsym.arrangement import regions as enumerate_regions
        from exactsym.verdict.certify import _RegionFacts
        res = enumerate_regions(net, progress=False)
        assert res.complete
        regions = _RegionFacts(res)
    ws, _ = detect(net, None, regions)
    mechs = [w.mechanism for w in ws]
    assert mech in mechs, mechs
    for w in ws:
        assert not same_orbit(net, w.theta_prime)
        assert exact_agree(net, w.theta_prime)
        r = check_certificate(w.certificate)
        assert r.valid, r.reason
        if net.n0 == 1:
            e = equivalent(net, w.theta_prime)
            assert e.equivalent is True and check_certificate(e.certificate).valid


def test_flip_example_of_spec():
    a, b = flip_network()
    ws, _ = detect(a)
    assert [w.mechanism for w in ws] == [6]
    assert ws[0].theta_prime == b                       # exactly the theta' of SPEC 4.6
    e = equivalent(a, b)
    assert e.equivalent is True and e.same_orbit is False
    assert json.loads(json.dumps(e.certificate))["evidence"]["breakpoints"] == ["-1/2", "0"]


def test_box_stability_first_layer():
    # on [-1, 1] the first neuron x + 3 is always active, the second -x - 2 never
    net = Network([1, 2, 1], [([[1], [-1]], [3, -2]), ([[1, 1]], [0])])
    assert detect(net)[0] == [] or all(w.mechanism not in (2, 3) for w in detect(net)[0])
    ws, _ = detect(net, box=(Fraction(-1), Fraction(1)))
    assert {w.mechanism for w in ws} >= {2, 3}
    for w in ws:
        assert check_certificate(w.certificate).valid
        assert exact_agree(net, w.theta_prime, box=(-1, 1))
        assert not exact_agree(net, w.theta_prime, box=(-10, 10)) or w.mechanism not in (2, 3)


def test_box_certificate_rejected_on_wider_domain():
    net = Network([1, 2, 1], [([[1], [-1]], [3, -2]), ([[1, 1]], [0])])
    ws = [w for w in detect(net, box=(Fraction(-1), Fraction(1)))[0] if w.mechanism in (2, 3)]
    assert ws
    for w in ws:
        c = json.loads(json.dumps(w.certificate))
        c["domain"] = {"box": ["-5", "5"]}
        assert not check_certificate(c).valid
        c["domain"] = "R^n"
        assert not check_certificate(c).valid


def brute_force_flip_sets(vecs):
    n = len(vecs)
    return [list(S) for k in range(1, n + 1) for S in itertools.combinations(range(n), k)
            if all(sum(vecs[j][i] for j in S) == 0 for i in range(len(vecs[0])))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.integers(1, 7), st.integers(0, 10**6))
def test_zero_subset_sum_matches_brute_force(n0, n1, seed):
    net = random_network([n0, n1, 1], seed=seed, init="int:1")
    vecs = flip_matrices(net, 1)
    found = zero_one_kernel_vectors(vecs, first_only=False)
    assert sorted(found) == sorted(brute_force_flip_sets(vecs))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 2), st.integers(2, 4), st.integers(0, 10**6), st.sampled_from(["int:1", "int:2"]))
def test_soundness_shallow(n0, n1, seed, init):
    """No-hidden-symmetries is never concluded where a witness exists; witnesses are sound."""
    net = random_network([n0, n1, 1], seed=seed, init=init)
    crit = shallow_criterion(net)
    ws, _ = detect(net)
    if crit["i"] and crit["ii"] and crit["iii"] and crit["iv"]:
        assert ws == []
    for w in ws:
        assert exact_agree(net, w.theta_prime, seed=seed)
        assert not same_orbit(net, w.theta_prime)
        assert check_certificate(w.certificate).valid
        if n0 == 1:
            assert equivalent(net, w.theta_prime).equivalent is True


def test_equivalence_refutes_with_exact_point():
    a = random_network([2, 4, 1], seed=1)
    b = random_network([2, 4, 1], seed=2)
    e = equivalent(a, b)
    assert e.equivalent is False
    assert a.forward(e.point) != b.forward(e.point) and e.values == [a.forward(e.point), b.forward(e.point)]
    assert check_certificate(e.certificate).valid


def test_line_breakpoints_against_dense_grid():
    net = random_network([1, 6, 5, 1], seed=4)
    ts = line_breakpoints(net)
    assert ts == sorted(set(ts))
    # every sign change on a fine grid lies in a bracket that contains a computed breakpoint
    grid = [Fraction(k, 64) for k in range(-64 * 12, 64 * 12)]
    labels = [net.labels([x]) for x in grid]
    for x0, x1, l0, l1 in zip(grid, grid[1:], labels, labels[1:]):
        if l0 != l1:
            assert any(x0 <= t <= x1 for t in ts)
    # and every breakpoint is a genuine sign change of some neuron
    for t in ts:
        eps = Fraction(1, 10**9)
        assert net.labels([t - eps]) != net.labels([t + eps])


def _witness_2d():
    from exactsym.verdict.certify import certify
    net = random_network([2, 6, 6, 1], seed=0)
    r = certify(net)
    assert r.verdict == "hidden-symmetry"
    return net, r.witness.theta_prime


def _certs():
    a, b = flip_network()
    out = [equivalent(a, b).certificate,
           equivalent(random_network([1, 3, 1], seed=1), random_network([1, 3, 1], seed=2)).certificate]
    for mech, net in sorted(PLANTED.items()):
        if mech in (1, 4, 5, 6):
            out += [w.certificate for w in detect(net)[0]]
    net = Network([1, 2, 1], [([[1], [-1]], [3, -2]), ([[1, 1]], [0])])
    out += [w.certificate for w in detect(net, box=(Fraction(-1), Fraction(1)))[0]]
    crit_net = Network([2, 3, 1], [([[1, 0], [0, 1], [1, 1]], [0, 1, 2]), ([[1, 2, 3]], [0])])
    from exactsym.verdict.certify import shallow_criterion as sc
    c = sc(crit_net)
    out.append({"format": "exactsym-cert/1", "claim": "no-hidden-symmetries", "network": crit_net.to_dict(),
                "network_sha256": crit_net.sha256(), "domain": "R^n",
                "evidence": {"criterion": "shallow", "kernel_dimension": c["kernel_dimension"]}})
    import pathlib
    ex = pathlib.Path(__file__).resolve().parent.parent / "proofs" / "examples"
    net, tp = _witness_2d()
    out.append(equivalent(net, tp).certificate)
    for name in ("shallow-generic", "deep-3-5-5-1", "mechanism-2", "mechanism-7"):
        out.append(json.loads((ex / f"{name}.cert.json").read_text()))
    return out


CERTS = _certs()


def test_untouched_certificates_accepted():
    assert len(CERTS) >= 10
    for c in CERTS:
        r = check_certificate(c)
        assert r.valid, (c["claim"], r.reason)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_tampered_certificates_rejected(data):
    assert_a_tampering_fails(data, CERTS)


def test_certify_verdicts():
    from exactsym.verdict.certify import certify
    net = random_network([2, 4, 1], seed=11)
    r = certify(net)
    assert r.verdict == "no-hidden-symmetries" and r.fdim == net.bound == 13
    assert r.criterion["i"] and r.criterion["iv"] and check_certificate(r.certificate).valid
    r = certify(random_network([3, 5, 5, 1], seed=1))
    # depth 3: the two-hidden-layer criterion holds here, bundled with local identifiability
    assert r.verdict == "no-hidden-symmetries" and r.fdim == r.bound == 46
    c = check_certificate(r.certificate)
    assert c.valid and "no-hidden-symmetries" in c.reason and "locally-identifiable" in c.reason
    nhs = [x for x in r.certificate["claims"] if x["claim"] == "no-hidden-symmetries"][0]
    assert nhs["evidence"]["criterion"] == "two-hidden-layer"
    r = certify(random_network([3, 5, 5, 5, 1], seed=1))
    assert r.verdict in ("locally-identifiable", "undecided", "hidden-symmetry")
    assert r.verdict == "hidden-symmetry" or any("depth >= 4" in s for s in r.not_proven)
    r = certify(random_network([2, 5, 5, 1], seed=0))
    # exact functional dimension below D - H and no witness: honest "undecided"
    assert r.verdict == "undecided" and r.fdim == 40 and r.fdim_exact
    c = check_certificate(r.certificate)
    assert c.valid and c.claim == "fdim=r"
    # on a box the shallow criterion does not apply
    r = certify(net, box=(Fraction(-1), Fraction(1)))
    assert r.verdict != "no-hidden-symmetries"


def test_certify_shallow_failing_condition_without_witness():
    from exactsym.verdict.certify import certify
    # (iii) fails with a negative ratio and non-cancelling columns: no witness, no global claim
    net = Network([1, 2, 1], [([[1], [-2]], [1, -2]), ([[1, 1]], [0])])
    r = certify(net)
    assert r.verdict in ("locally-identifiable", "undecided")
    assert any("(iii)" in s for s in r.not_proven)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([[1, 3, 3, 1], [1, 2, 3, 2, 1], [2, 3, 3, 1]]), st.integers(0, 10**6))
def test_soundness_deep(arch, seed):
    """Every certify verdict on a random deep network carries a certificate the checker accepts;
    every hidden-symmetry witness is exactly equivalent (line method for n0 = 1, exact points else)."""
    from exactsym.verdict.certify import certify
    net = random_network(arch, seed=seed)
    r = certify(net, seed=0, time_limit=20)
    if r.verdict == "no-hidden-symmetries":
        # only the two-hidden-layer criterion can say so here: depth 3, n0 >= 2, exact dim_fun = D - H
        # (proofs/deep-two-hidden-layers.md; a network with a hidden symmetry has none of this)
        assert net.depth == 3 and net.n0 >= 2 and r.fdim == net.bound and r.fdim_exact
        assert not detect(net, None)[0]
    if r.certificate is not None:
        c = check_certificate(r.certificate)
        assert c.valid, (r.verdict, c.reason)
    if r.verdict == "hidden-symmetry":
        tp = r.witness.theta_prime
        assert not same_orbit(net, tp) and exact_agree(net, tp, seed=seed)
        if net.n0 == 1:
            e = equivalent(net, tp)
            assert e.equivalent is not False
            if e.equivalent:
                assert check_certificate(e.certificate).valid
    if r.verdict == "locally-identifiable":
        assert r.fdim == net.bound


def test_reduce_network_preserves_function():
    from exactsym.check.shared.difference import difference_network, reduce_network
    rng = random.Random(5)
    for seed in range(6):
        a = random_network([2, 4, 3, 1], seed=seed)
        b = random_network([2, 4, 3, 1], seed=seed + 100)
        for d in (difference_network(a, b), difference_network(a, a)):
            r = reduce_network(d)
            assert r.H <= d.H
            for _ in range(10):
                x = [Fraction(rng.randint(-500, 500), 37) for _ in range(2)]
                assert r.forward(x) == d.forward(x)
    a = random_network([2, 4, 3, 1], seed=1)
    assert reduce_network(difference_network(a, a)).H == 2        # one idle neuron per hidden layer


def test_equivalence_of_a_2d_witness_by_refinement():
    net, tp = _witness_2d()
    e = equivalent(net, tp)
    assert e.equivalent is True and "refinement" in json.dumps(e.certificate["evidence"]["method"])
    assert check_certificate(e.certificate).valid
    # the same evidence does not prove equivalence with another network
    bad = json.loads(json.dumps(e.certificate))
    other = random_network([2, 6, 6, 1], seed=1)
    bad["evidence"]["network2"], bad["evidence"]["network2_sha256"] = other.to_dict(), other.sha256()
    assert not check_certificate(bad).valid


def test_equivalence_by_orbit_and_affine():
    from exactsym import act
    a = random_network([2, 4, 3, 1], seed=1)
    b = act(a, perms={1: [1, 0, 2, 3]}, scales={2: [1, 2, Fraction(1, 3)]})
    e = equivalent(a, b)
    assert e.equivalent and e.same_orbit and e.certificate["evidence"]["method"] == "orbit"
    assert check_certificate(e.certificate).valid
    c = json.loads(json.dumps(e.certificate))
    c2 = random_network([2, 4, 3, 1], seed=2)
    c["evidence"]["network2"], c["evidence"]["network2_sha256"] = c2.to_dict(), c2.sha256()
    assert not check_certificate(c).valid
    # an idle network against its bias-only twin: decided by the reduced difference network
    z1 = Network([2, 1, 1], [([[0, 0]], [0]), ([[3]], [2])])
    z2 = Network([2, 1, 1], [([[1, 1]], [0]), ([[0]], [2])])
    e = equivalent(z1, z2)
    assert e.equivalent and e.certificate["evidence"]["method"] == "affine"
    assert check_certificate(e.certificate).valid
