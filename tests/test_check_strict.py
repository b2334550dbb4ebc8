"""Issue 10, checker items 5 and 6 and the provenance key: what every reason names,
and bounded work for criterion (iv)."""
import copy
import itertools
import json
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from exactsym import Network
from exactsym.check import check_certificate
from exactsym.check.shared.flips import SEARCH_LIMIT, zero_one_kernel_vectors, zero_one_search

from test_forgery import BUNDLED, CORPUS, FRESH


def _cert(net, claim, evidence, domain="R^n"):
    return {"format": "exactsym-cert/1", "claim": claim, "network": net.to_dict(),
            "network_sha256": net.sha256(), "domain": domain, "evidence": evidence}


# ---- item 5: every message names the network's SHA-256 and the domain ---------------

def test_item5_every_reason_and_json_object_names_hash_and_domain():
    for name, cert in CORPUS.items():
        r = check_certificate(cert)
        d = r.to_dict()
        assert set(d) == {"valid", "claim", "reason", "network_sha256", "domain"}
        assert d["network_sha256"] == cert["network_sha256"], name
        assert cert["network_sha256"] in r.reason and f"on {r.domain}" in r.reason, name
        bad = copy.deepcopy(cert)                       # a failure after the network parsed
        (bad.get("evidence") or bad["claims"][0]["evidence"])["x"] = 1
        rb = check_certificate(bad)
        assert not rb.valid and cert["network_sha256"] in rb.reason and rb.domain == r.domain, name


def test_item5_box_domains_are_named_as_boxes():
    """hidden-symmetry and equivalent on a box say 'on [lo,hi]^n0' (before: nothing)."""
    r = check_certificate(FRESH["hidden-symmetry on a box"])
    assert r.valid and r.domain == "[-1,1]^1" and "on [-1,1]^1" in r.reason
    from exactsym.verdict.equiv import equivalent
    a = Network([1, 2, 1], [([[1], [-1]], [3, -2]), ([[1, 1]], [0])])
    b = Network([1, 2, 1], [([[1], [-1]], [3, -2]), ([[1, 2]], [0])])
    e = equivalent(a, b, box=(Fraction(-1), Fraction(1)))
    r = check_certificate(e.certificate)
    assert r.valid and "on [-1,1]^1" in r.reason
    r = check_certificate(FRESH["regions-complete on a box"])
    assert "on [-1,1]^2" in r.reason


def test_item5_failure_before_the_network_parses_names_nothing_false():
    c = copy.deepcopy(BUNDLED["flip.cert.json"])
    c["network_sha256"] = "0" * 64
    r = check_certificate(c)
    assert not r.valid and r.network_sha256 is None and "0" * 64 not in r.reason


# ---- provenance (PREAMBLE "Interfaces") ------------------------------------------

def test_provenance_accepted_validated_and_reported():
    c = copy.deepcopy(BUNDLED["flip.cert.json"])
    c["provenance"] = {"rounded_to_denominator": 1000}
    r = check_certificate(c)
    assert r.valid and r.reason.endswith("; the network was rounded to multiples of 1/1000 from its source file")
    c["provenance"] = {"rounded_to_denominator": None}
    r = check_certificate(c)
    assert r.valid and "rounded" not in r.reason
    g = copy.deepcopy(BUNDLED["shallow-generic.cert.json"])
    g["provenance"] = {"rounded_to_denominator": 7}
    assert check_certificate(g).reason.endswith("multiples of 1/7 from its source file")
    for bad in (0, -3, 1.0, True, "7", [7]):
        c["provenance"] = {"rounded_to_denominator": bad}
        assert not check_certificate(c).valid, bad
    for bad in ({}, {"rounded_to_denominator": 7, "by": "me"}, 7, None, "rounded"):
        c["provenance"] = bad
        assert not check_certificate(c).valid, bad


# ---- item 6: bounded work for criterion (iv) --------------------------------------

def _all_positive_network(n1=23):
    """(1, n1, 1), every c_j w_j > 0, rows pairwise non-proportional: no hidden symmetry."""
    W = [[j + 1] for j in range(n1)]
    b = [Fraction((j + 1) ** 2, 7) for j in range(n1)]      # b_j / w_j = (j+1)/7, all distinct
    return Network([1, n1, 1], [(W, b), ([[1] * n1], [0])])


def test_item6_all_positive_1_23_1_decided_in_well_under_a_second():
    """Before: 2^22 subsets enumerated, over five minutes. Now the sign test decides at once."""
    net = _all_positive_network()
    cert = _cert(net, "no-hidden-symmetries", {"criterion": "shallow", "kernel_dimension": 22})
    assert len(json.dumps(cert, separators=(",", ":"))) < 1200
    t = time.perf_counter()
    r = check_certificate(cert)
    elapsed = time.perf_counter() - t
    assert r.valid and "sign test" in r.reason, r.reason
    assert elapsed < 0.5, elapsed


def test_item6_mixed_signs_meet_in_the_middle_and_refusal():
    # (1, 23, 1) with mixed signs: 2^22 free assignments, meet in the middle needs 2^12
    net = _all_positive_network()
    C = [[1 if j % 2 else -1 for j in range(23)]]
    net = Network([1, 23, 1], [(net.layers[0][0], net.layers[0][1]), (C, [0])])
    t = time.perf_counter()
    S, how = zero_one_search([[c * w[0]] for c, w in zip(C[0], net.layers[0][0])])
    assert time.perf_counter() - t < 1.0 and "meet-in-the-middle" in how
    assert S and sum((1 if j % 2 else -1) * (j + 1) for j in S[0]) == 0
    # past the documented limit: refused at once, with the limit in the message
    vecs = [[Fraction((-1) ** j * 3 ** j)] for j in range(2 * SEARCH_LIMIT + 2)]
    t = time.perf_counter()
    with pytest.raises(OverflowError, match=f"exceeds the documented limit 2\\^{SEARCH_LIMIT}"):
        zero_one_kernel_vectors(vecs)
    assert time.perf_counter() - t < 0.5
    # the checker refuses such a certificate at once, saying why
    n1 = 2 * SEARCH_LIMIT + 2
    W = [[j + 1] for j in range(n1)]
    wide = Network([1, n1, 1], [(W, [Fraction((j + 1) ** 2, 7) for j in range(n1)]),
                                ([[(-1) ** j * 3 ** j for j in range(n1)]], [0])])
    t = time.perf_counter()
    r = check_certificate(_cert(wide, "no-hidden-symmetries", {"criterion": "shallow", "kernel_dimension": n1 - 1}))
    assert time.perf_counter() - t < 1.0
    assert not r.valid and "(iv) not decided, certificate refused" in r.reason and "limit 2^20" in r.reason


def _brute(vs):
    n = len(vs)
    return [list(S) for r in range(1, n + 1) for S in itertools.combinations(range(n), r)
            if all(sum(vs[j][i] for j in S) == 0 for i in range(len(vs[0])))]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3).flatmap(lambda m: st.lists(
    st.lists(st.fractions(min_value=-2, max_value=2, max_denominator=2), min_size=m, max_size=m),
    min_size=1, max_size=9)))
def test_item6_search_equals_brute_force(vs):
    """Sign test + depth-first search / meet-in-the-middle find exactly the zero-sum sets,
    in the order of the old enumeration (cross-check: brute force over all subsets)."""
    found = zero_one_kernel_vectors(vs, first_only=False)
    assert sorted(map(tuple, found)) == sorted(map(tuple, _brute(vs)))
    one = zero_one_kernel_vectors(vs)
    assert (one == [] and not found) or (len(one) == 1 and one[0] in found)


# ---- item 17 (proofs): the (iii) counterexample of shallow-criterion.md §5 -----------

def test_item17_iii_fails_without_a_mechanism():
    """w = (1,-1), b = 0, c = (1,2): (iii) fails (rows negatively proportional), the columns do
    not cancel, so mechanism 5 does not apply and no mechanism is found; the checker, which uses
    the criterion only as a sufficient condition, rejects no-hidden-symmetries for it."""
    from exactsym.verdict.certify import shallow_criterion
    from exactsym.verdict.mechanisms import detect
    net = Network([1, 2, 1], [([[1], [-1]], [0, 0]), ([[1, 2]], [0])])
    crit = shallow_criterion(net)
    assert crit["i"] and crit["ii"] and not crit["iii"] and crit["iv"]
    assert detect(net)[0] == []
    # F(x) = relu(x) + 2 relu(-x): slopes -2 and 1, the normal form of §5
    assert [net.forward([x])[0] for x in (-2, -1, 0, 1, 2)] == [4, 2, 0, 1, 2]
    r = check_certificate(_cert(net, "no-hidden-symmetries", {"criterion": "shallow", "kernel_dimension": 0}))
    assert not r.valid and "(iii) fails" in r.reason


def test_item6_adversarial_collisions_are_bounded():
    """The referee's attack: flip vectors in the kernel of the table's functionals collide on every
    subset pair; the search must stay bounded (refuse) instead of running 2^n exact tests."""
    import time
    from fractions import Fraction

    from exactsym.check.shared.flips import mitm_functionals, zero_one_kernel_vectors
    p1, p2 = mitm_functionals(3)
    v = [p1[1] * p2[2] - p1[2] * p2[1], p1[2] * p2[0] - p1[0] * p2[2], p1[0] * p2[1] - p1[1] * p2[0]]
    assert sum(a * b for a, b in zip(p1, v)) == 0 == sum(a * b for a, b in zip(p2, v))
    # multiples 1, 2, 4, ... and one non-integer negative: mixed signs, no zero-sum set at all
    coef = [Fraction(2 ** k) for k in range(39)] + [Fraction(-(2 ** 39) + 1, 2)]
    vecs = [[c * x for x in v] for c in coef]
    t = time.perf_counter()
    with pytest.raises(OverflowError, match="exact tests"):
        zero_one_kernel_vectors(vecs)
    assert time.perf_counter() - t < 30
