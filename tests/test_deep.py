"""The two-hidden-layer criterion (proofs/deep-two-hidden-layers.md, "DT"): producer and checker.

Soundness tests that can fail: planted mechanisms 1-7 are never certified (by the
producer, nor by the checker given a certificate of the unplanted network);
certified random networks have decisive dim_fun = D - H and no mechanism;
tampering with any point of a certificate fails; each hypothesis fails alone;
the counterexample X1 of DT §10 is a true hidden symmetry that the guards refuse.
"""
import copy
from fractions import Fraction as Q

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactsym.arrangement import regions
from exactsym.check import check_certificate
from exactsym.check import deep as check_deep
from exactsym.check.common import CheckFailure
from exactsym.check.deep import (
    check_anchor,
    check_nf1,
    check_nf2,
    check_rows_and_columns,
)
from exactsym.check.shared.orbit import same_orbit
from exactsym.check.shared.twolayer import TwoLayer, in_span, rule_r3
from exactsym.network.generate import centred_network
from exactsym.network.model import Network
from exactsym.rank.decisive import functional_dimension_decisive
from exactsym.verdict.deep import find_witnesses, two_hidden_layer_certificate
from exactsym.verdict.mechanisms import detect

#: (architecture, seed) of centred networks whose regions are generic and which the criterion certifies
CERTIFIED = [((3, 4, 4, 1), 0), ((3, 4, 4, 1), 1), ((2, 4, 4, 1), 0), ((2, 5, 5, 1), 0),
             ((3, 3, 3, 2), 2), ((3, 3, 3, 1), 4)]


def _net(arch, W1, b1, W2, b2, W3, b3):
    f = lambda M: [[Q(v) for v in r] for r in M]
    g = lambda v: [Q(x) for x in v]
    return Network(arch, [(f(W1), g(b1)), (f(W2), g(b2)), (f(W3), g(b3))])


def _layers(net):
    return [([list(r) for r in W], list(b)) for W, b in net.layers]


def _with(net, layers):
    return Network(net.architecture, [(W, b) for W, b in layers])


def _certify(net):
    reg = regions(net, progress=False)
    return reg, two_hidden_layer_certificate(net, reg)


@pytest.fixture(scope="module")
def base():
    net = centred_network((3, 4, 4, 1), seed=0)
    reg, cert = _certify(net)
    assert isinstance(cert, dict), cert
    return net, reg, cert


def _transplant(cert, net):
    c = copy.deepcopy(cert)
    c["network"], c["network_sha256"] = net.to_dict(), net.sha256()
    return c


# ---------------------------------------------------------------- counterexample X1 (DT §10)

def _x1():
    W1, b1 = [[0, 1], [1, 0], [0, 1]], [0, 5, 5]
    theta = _net((2, 3, 2, 1), W1, b1, [[1, 1, -1], [0, 1, 1]], [0, -10], [[1, 1]], [0])
    theta_p = _net((2, 3, 2, 1), W1, b1, [[2, 1, -1], [-1, 1, 1]], [0, -10], [[1, 1]], [0])
    return theta, theta_p


def test_counterexample_x1():
    theta, theta_p = _x1()
    pts = [[Q(a, 3), Q(b, 4)] for a in range(-24, 25, 5) for b in range(-30, 31, 3)]
    for x in pts:
        z, zp = theta.preactivations(x), theta_p.preactivations(x)
        # DT §10: for x2 > 0 the two layer-2 neurons swap functions, for x2 <= 0 they agree
        assert zp[1] == (z[1][::-1] if x[1] > 0 else z[1])
        assert theta.forward(x) == theta_p.forward(x)
    assert not same_orbit(theta, theta_p)
    # The exact identity behind DT §10's algebraic proof: on each of the six layer-1 chambers
    # (each shown non-empty by a rational point) the masked forms of theta' are those of theta
    # for x2 < 0 and those of theta swapped for x2 > 0, as affine functions. As c_1 = c_2 = 1,
    # F' = F on the dense union of the chambers, hence on R^2 by continuity.
    t, tp = TwoLayer(theta), TwoLayer(theta_p)
    assert t.cols == tp.cols == [[1], [1]] and t.net.layers[2] == tp.net.layers[2]
    chambers = set()
    for x in ([Q(a), Q(b)] for a in (-6, 0) for b in (1, -1, -6)):
        l1 = t.values(x)[0]
        assert all(v != 0 for v in l1)
        s = tuple(1 if v > 0 else -1 for v in l1)
        a, ap = [t.alpha(m, s) for m in (0, 1)], [tp.alpha(m, s) for m in (0, 1)]
        assert ap == (a[::-1] if s[0] > 0 else a)
        chambers.add(s)
    # six distinct chambers; the other two patterns (s_1 = +1, s_3 = -1) are empty: x2 > 0 forces x2 + 5 > 0
    assert len(chambers) == 6 and all(not (s[0] > 0 and s[2] < 0) for s in chambers)
    tl, s0 = t, (-1, 1, 1)
    # epsilon_{1,1} = v'_11 - v_11 = 1 != 0: any rule concluding it is 0 would be unsound.
    assert theta_p.layers[1][0][0][0] - theta.layers[1][0][0][0] == 1
    # R2 at q = (0, 0) would fire if the witness condition D5(b) were dropped: the partner
    # set is {1} and u = 1 separates c_0 from it ...
    a0, a1 = tl.alpha(0, s0), tl.alpha(1, s0)
    assert in_span(a1, [tl.ell[0], a0]) and tl.cols[1][0] * 1 >= 0 and tl.cols[0][0] != 0
    # ... but D5(b) refuses the point: the other layer-2 neuron vanishes there.
    with pytest.raises(CheckFailure, match="another hidden neuron vanishes"):
        tl.crossing(0, 0, [Q(0), Q(0)])
    # R3 at p = (1, 0): both neurons active, c_0 = c_1 = 1 dependent -> (R3b) refuses.
    with pytest.raises(CheckFailure, match="R3b"):
        rule_r3(tl, s0, set(), 0, [Q(1), Q(0)])
    # and the producer does not certify theta.
    assert isinstance(_certify(theta)[1], str)


# ---------------------------------------------------------------- certified networks

class _Facts:
    def __init__(self, reg):
        self.patterns = [tuple(r.pattern) for r in reg.regions]
        self.evidence = reg.certificate["evidence"]


@pytest.mark.parametrize("arch,seed", CERTIFIED)
def test_certified_networks_have_full_dimension_and_no_mechanism(arch, seed):
    net = centred_network(arch, seed=seed)
    reg, cert = _certify(net)
    assert isinstance(cert, dict), cert
    r = check_certificate(cert)
    assert r.valid and r.claim == "no-hidden-symmetries", r.reason
    dec = functional_dimension_decisive(net, result=reg)
    assert dec.complete and dec.rank == net.D - net.H == dec.bound
    found, _ = detect(net, None, _Facts(reg))
    assert found == []


def test_shallow_certificates_still_dispatch():
    import json
    from pathlib import Path
    cert = json.loads((Path(__file__).parent.parent / "proofs/examples/shallow-generic.cert.json").read_text())
    sub = next(dict(c) for c in cert["claims"] if c["claim"] == "no-hidden-symmetries")
    for key in ("format", "network", "network_sha256", "domain"):
        sub.setdefault(key, cert.get(key))
    r = check_certificate(sub)
    assert r.valid and "shallow" in r.reason, r.reason
    sub["evidence"] = dict(sub["evidence"], criterion="two-hidden-layer")
    assert not check_certificate(sub).valid


# ---------------------------------------------------------------- planted mechanisms 1-7

def _plant(net, mech):
    """The network with mechanism `mech` planted (variant label, new network)."""
    (W1, b1), (W2, b2), (W3, b3) = _layers(net)
    if mech == "1a":                        # zero output column of (2, 0)
        W3 = [[Q(0)] + r[1:] for r in W3]
    elif mech == "1b":                      # zero outgoing column of (1, 0)
        W2 = [[Q(0)] + r[1:] for r in W2]
    elif mech == "2":                       # (2, 0) stably unactivated
        W2[0], b2[0] = [-abs(v) for v in W2[0]], Q(-1)
    elif mech in ("3", "7"):                # (2, 0) / all of layer 2 stably activated
        for m in ([0] if mech == "3" else range(len(W2))):
            W2[m], b2[m] = [abs(v) for v in W2[m]], Q(1)
    elif mech == "4a":                      # zero incoming weights of (1, 0)
        W1[0], b1[0] = [Q(0)] * len(W1[0]), Q(1, 2)
    elif mech == "4b":                      # zero incoming weights of (2, 0)
        W2[0], b2[0] = [Q(0)] * len(W2[0]), Q(1)
    elif mech in ("5a", "5b"):              # layer-1 row 1 = (+2 or -1) x row 0
        lam = Q(2) if mech == "5a" else Q(-1)
        W1[1], b1[1] = [lam * v for v in W1[0]], lam * b1[0]
    elif mech == "5c":                      # layer-2 row 1 = 3 x row 0
        W2[1], b2[1] = [3 * v for v in W2[0]], 3 * b2[0]
    elif mech == "6a":                      # layer-1 flip set {0, 1}: sum W2[:, i] w_i = 0
        W1[1], b1[1] = [2 * v for v in W1[0]], 2 * b1[0] + 1
        for r in W2:
            r[1] = -r[0] / 2
    elif mech == "6b":                      # layer-2 flip set {0, 1}: sum c_k W2[k, :] = 0
        W2[1], b2[1] = [2 * v for v in W2[0]], 2 * b2[0] + 1
        W3 = [[r[0], -r[0] / 2] + r[2:] for r in W3]
    return _with(net, [(W1, b1), (W2, b2), (W3, b3)])


#: the first hypothesis of DT §2 the producer reports as failing, per planted mechanism
EXPECTED_REASON = {"1a": "(H2)", "1b": "(H6)", "2": "(H4)", "3": "(H4)", "4a": "(H1)", "4b": "(H4)",
                   "5a": "(H1)", "5b": "(H1)", "5c": "(H4)", "6a": "(H6)",
                   "6b": "(H4)/(H5)", "7": "(H3)"}
PLANTED = ["1a", "1b", "2", "3", "4a", "4b", "5a", "5b", "5c", "6a", "6b", "7"]


@pytest.mark.parametrize("mech", PLANTED)
def test_planted_mechanisms_never_certified(base, mech):
    net0, _, cert0 = base
    net = _plant(net0, mech)
    assert net != net0
    reg, cert = _certify(net)
    assert isinstance(cert, str), f"mechanism {mech} was certified"
    assert cert.startswith(EXPECTED_REASON[mech]), cert
    # the checker refuses the unplanted network's certificate for the planted one
    assert not check_certificate(_transplant(cert0, net)).valid
    # and the planted network really has a hidden symmetry when the detector can show it
    if reg.complete:
        found, _ = detect(net, None, _Facts(reg))
        # 5b (negative ratio) and 5c need not give a witness the detector knows: a negative ratio
        # with non-cancelling columns may have no hidden symmetry at all (shallow-criterion.md §5)
        assert found or mech in ("5b", "5c"), mech


def test_each_hypothesis_fails_alone(base):
    net0, _, cert0 = base
    with pytest.raises(CheckFailure, match=r"\(H1\)"):
        check_rows_and_columns(TwoLayer(_plant(net0, "5a")))
    with pytest.raises(CheckFailure, match=r"\(H2\)"):
        check_rows_and_columns(TwoLayer(_plant(net0, "1a")))
    with pytest.raises(CheckFailure, match=r"\(H6\)"):
        check_nf1(TwoLayer(_plant(net0, "6a")))
    net6 = _plant(net0, "6b")
    wit = find_witnesses(net6, regions(net6, progress=False))
    by_s = {}
    for (k, s), q in wit["presence"].items():
        by_s.setdefault(s, {})[k] = q
    s0, pts = next((s, p) for s, p in by_s.items() if len(p) == net6.architecture[2])
    anchor = {"pattern": list(s0), "presence": [[str(v) for v in pts[k]] for k in range(len(pts))]}
    s0 = check_anchor(TwoLayer(net6), anchor)
    with pytest.raises(CheckFailure, match=r"\(H5\)"):
        check_nf2(TwoLayer(net6), s0)
    ev = cert0["evidence"]
    # (H4): with layer-2 row 1 = 3 x row 0, the presence point of (2,0) is one of (2,1) too,
    # and the two masked forms are proportional
    anchor = copy.deepcopy(ev["anchor"])
    anchor["presence"][1] = anchor["presence"][0]
    with pytest.raises(CheckFailure, match=r"\(H4\) fails: masked forms 0 and 1 are proportional"):
        check_anchor(TwoLayer(_plant(net0, "5c")), anchor)
    few = copy.deepcopy(cert0)
    few["evidence"]["crossings"] = [c for c in ev["crossings"] if c["j"] != 0][:]
    assert "(H3)" in check_certificate(few).reason
    short = copy.deepcopy(cert0)
    short["evidence"]["steps"] = ev["steps"][:-1]
    assert "(H7)" in check_certificate(short).reason
    flip = copy.deepcopy(cert0)
    flip["evidence"]["anchor"]["pattern"][0] *= -1
    assert "(H4)" in check_certificate(flip).reason


# ---------------------------------------------------------------- tampering

def _points(cert):
    ev = cert["evidence"]
    out = [("crossings", a) for a in range(len(ev["crossings"]))]
    out += [("presence", k) for k in range(len(ev["anchor"]["presence"]))]
    out += [("steps", a) for a, s in enumerate(ev["steps"]) if "point" in s]
    return out


def _point_of(cert, where):
    kind, a = where
    ev = cert["evidence"]
    if kind == "presence":
        return ev["anchor"]["presence"][a]
    return ev[kind][a]["point"]


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_tampering_with_any_point_fails(base, data):
    _, _, cert0 = base
    cert = copy.deepcopy(cert0)
    where = data.draw(st.sampled_from(_points(cert)))
    pt = _point_of(cert, where)
    i = data.draw(st.integers(0, len(pt) - 1))
    delta = data.draw(st.fractions(min_value=-3, max_value=3, max_denominator=50).filter(lambda d: d != 0))
    pt[i] = str(Q(pt[i]) + delta)
    assert not check_certificate(cert).valid


def test_tampering_with_structure_fails(base):
    _, _, cert0 = base
    assert check_certificate(cert0).valid
    cases = []
    c = copy.deepcopy(cert0); c["domain"] = {"box": ["-1", "1"]}; cases.append(c)
    c = copy.deepcopy(cert0); c["evidence"]["extra"] = 1; cases.append(c)
    c = copy.deepcopy(cert0); c["evidence"]["steps"].append(c["evidence"]["steps"][0]); cases.append(c)
    c = copy.deepcopy(cert0); c["evidence"]["crossings"][0]["k"] = 99; cases.append(c)
    c = copy.deepcopy(cert0); c["evidence"]["steps"][0]["rule"] = "R9"; cases.append(c)
    c = copy.deepcopy(cert0); c["evidence"]["anchor"]["pattern"][0] = 0; cases.append(c)
    c = copy.deepcopy(cert0); c["evidence"]["crossings"][0]["j"] = True; cases.append(c)
    for a, s in enumerate(cert0["evidence"]["steps"]):
        if s["rule"] == "R2":
            c = copy.deepcopy(cert0); c["evidence"]["steps"][a]["u"] = ["0"] * len(s["u"]); cases.append(c)
    for c in cases:
        assert not check_certificate(c).valid


def test_net_weights_change_is_refused(base):
    net0, _, cert0 = base
    (W1, b1), (W2, b2), (W3, b3) = _layers(net0)
    W2[0][0] += Q(1, 3)
    assert not check_certificate(_transplant(cert0, _with(net0, [(W1, b1), (W2, b2), (W3, b3)]))).valid
    bad = copy.deepcopy(cert0)
    bad["network_sha256"] = "0" * 64
    assert not check_certificate(bad).valid


# ---------------------------------------------------------------- X2, X3: the flip checks are load-bearing

def _evidence_without_flip_checks(net):
    """DT evidence for `net` built without testing (H5), (H6): crossings, an anchor, a full closure."""
    from exactsym.verdict import deep as producer
    tl = TwoLayer(net)
    wit = find_witnesses(net, regions(net, progress=False))
    crossings, _, bad = producer._broken_flats(tl, wit["crossings"])
    assert bad is None
    by_s = {}
    for (k, s), q in wit["presence"].items():
        by_s.setdefault(s, {})[k] = q
    for s0, pts in sorted(by_s.items()):
        if len(pts) < tl.n2:
            continue
        L, steps = producer._closure(tl, s0, wit)
        if len(L) == tl.n1 * tl.n2:
            anchor = {"pattern": list(s0), "presence": [producer._pt(pts[k]) for k in range(tl.n2)]}
            return {"format": "exactsym-cert/1", "claim": "no-hidden-symmetries", "network": net.to_dict(),
                    "network_sha256": net.sha256(), "domain": "R^n",
                    "evidence": {"criterion": "two-hidden-layer", "crossings": crossings,
                                 "anchor": anchor, "steps": steps}}
    raise AssertionError("no anchor with a full closure")


@pytest.mark.parametrize("arch,seed,mech,hyp,check", [((4, 4, 4, 1), 0, "6a", "(H6)", "check_nf1"),
                                                      ((3, 4, 4, 1), 0, "6b", "(H5)", "check_nf2")])
def test_flip_checks_are_load_bearing(monkeypatch, arch, seed, mech, hyp, check):
    """DT §10 X2/X3: every hypothesis but one flip condition holds, and theta has a hidden symmetry."""
    net = _plant(centred_network(arch, seed=seed), mech)
    found, _ = detect(net, None, _Facts(regions(net, progress=False)))
    flips = [w for w in found if w.mechanism == 6]
    assert flips and check_certificate(flips[0].certificate).valid      # a hidden symmetry, checked
    cert = _evidence_without_flip_checks(net)
    r = check_certificate(cert)
    assert not r.valid and hyp in r.reason, r.reason                   # refused by that check alone
    monkeypatch.setattr(check_deep, check, lambda *a: None)
    assert check_certificate(cert).valid                               # without it: an unsound verdict


@pytest.mark.parametrize("r,groups,bad", [
    ([3, 3], [], None),                         # fast path: min r_j = 3 >= t_hat + 1 = 2
    ([2, 2], [], None),                         # no hyperplane through two flats: t_hat = 1
    ([2, 2], [[0, 1], [0, 1]], [0, 1]),         # n0 = 2: two junk lines could carry all four flats
    ([1, 5], [[0, 1]], [0]),                    # one flat on H_0: one junk hyperplane carries it
    ([2, 3, 3], [[0, 1, 2]], [0, 1, 2]),        # 8 flats, sum 8 <= |M| t_hat_M = 9: the counting cannot exclude a 3-hyperplane cover
    ([3, 3, 4], [[0, 1, 2]], None),             # the uniform bound r >= t_hat + 1 = 4 fails, subsets pass
    ([3, 3, 3], [[0, 1, 2]], [0, 1, 2]),        # 9 flats, sum 9 <= 9: the counting bound fails (the minimal cover itself may be larger)
])
def test_bend_flat_condition(r, groups, bad):
    """(H3) of DT §2 over all subsets M, against hand-computed cases of the counting in Lemma 4."""
    from exactsym.check.shared.twolayer import bend_flat_failure
    assert bend_flat_failure(r, groups) == bad


def test_subset_form_of_h3_is_what_certifies_this_network():
    """(3,3,3,1) seed 4: r = min r_j = 3 < t_hat + 1 = 4, yet every subset M passes (H3) and the
    certificate checks: the subset form of DT §2 is used, not only the uniform bound."""
    from exactsym.check.shared.twolayer import flat_incidences
    net = centred_network((3, 3, 3, 1), seed=4)
    cert = _certify(net)[1]
    assert isinstance(cert, dict) and check_certificate(cert).valid
    tl = TwoLayer(net)
    flats = []
    for c in cert["evidence"]["crossings"]:
        q = [Q(v) for v in c["point"]]
        flats.append((c["j"], (tl.ell[c["j"]], tl.alpha(c["k"], tl.crossing(c["j"], c["k"], q)[0]))))
    r, groups = flat_incidences(tl, flats)
    assert r == [3, 6, 5] and max(len(g) for g in groups) == 3


def test_pair_hyperplane_counts_match_the_definition(base):
    """flat_incidences (grouping pairs by their hyperplane) against D6 read literally: for every
    rank-3 pair on different H_j, count the listed flats E with rank(h, f1, f2) = 2."""
    from exactsym.check.shared.flips import rref_kernel
    from exactsym.check.shared.twolayer import flat_incidences, rank
    net, _, cert = base
    tl = TwoLayer(net)
    flats = []
    for c in cert["evidence"]["crossings"]:
        q = [Q(v) for v in c["point"]]
        f = (tl.ell[c["j"]], tl.alpha(c["k"], tl.crossing(c["j"], c["k"], q)[0]))
        if not any(j == c["j"] and rank(list(f) + list(g)) == 2 for j, g in flats):
            flats.append((c["j"], f))
    literal = []
    for a, (ja, fa) in enumerate(flats):
        for jb, fb in flats[a + 1:]:
            if ja != jb and rank(list(fa) + list(fb)) == 3:
                (x, y, _, _), = rref_kernel([fa[0], fa[1], [-v for v in fb[0]], [-v for v in fb[1]]])[0]
                h = [x * u + y * v for u, v in zip(fa[0], fa[1])]
                if not any(rank([h, h2]) == 1 for h2, _ in literal):      # one entry per hyperplane
                    literal.append((h, sorted(j for j, g in flats if rank([h, g[0], g[1]]) == 2)))
    r, groups = flat_incidences(tl, [(j, f) for j, f in flats])
    assert r == [sum(1 for j, _ in flats if j == i) for i in range(tl.n1)]
    assert sorted(map(tuple, groups)) == sorted(tuple(js) for _, js in literal)
