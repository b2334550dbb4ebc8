"""Certified region enumeration, its certificates, graphs, decisive dim_fun and CLI."""
import copy
import json
import random
from fractions import Fraction

import networkx as nx
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from exactsym import Network
from exactsym.check import check_certificate
from exactsym.check.shared.exact import jacobian_rows
from exactsym.rank.decisive import functional_dimension_decisive
from exactsym.network.generate import random_network
from exactsym.arrangement import decisive_points, evidence_digest, line_regions, regions

from tamper import numeric_paths, tampered, assert_a_tampering_fails


def _run(net, box=None, **kw):
    return regions(net, box=box, progress=False, **kw)


# ---- n0 = 1: fast path against the general traversal ---------------------------

@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("box", [None, ("-3", "2")])
def test_line_fast_path_agrees(seed, box):
    net = random_network((1, 4, 4, 1) if seed % 2 else (1, 6, 3, 2), seed=seed)
    b = None if box is None else (Fraction(box[0]), Fraction(box[1]))
    pieces = line_regions(net, box=b)
    res = _run(net, b)
    assert res.complete, res.reason
    assert len(pieces) == res.count
    assert {p for _, _, p in pieces} == set(res.patterns)
    # breakpoints of the fast path are exactly the facet points of the traversal
    bps = {e[2][0] for e in res.facets.values() if e[0] == "facet"}
    assert bps == {left for left, _, _ in pieces[1:]}


# ---- never fewer regions than a dense grid ----------------------------------------

@pytest.mark.parametrize("arch,seed,box", [((2, 6, 6, 1), 1, (-3, 3)), ((2, 8, 5, 1), 2, (-2, 2)),
                                           ((2, 5, 5, 1), 3, None), ((3, 5, 4, 1), 4, (-2, 2))])
def test_traversal_covers_grid(arch, seed, box):
    net = random_network(arch, seed=seed)
    res = _run(net, box)
    assert res.complete, res.reason
    found = set(res.patterns)
    lo, hi = box if box else (-6, 6)
    n = 41 if net.n0 == 2 else 13
    rng = random.Random(seed)
    seen = set()
    for _ in range(n ** 2 if net.n0 == 2 else 1500):
        x = [Fraction(lo) + (Fraction(hi) - Fraction(lo)) * Fraction(rng.randrange(1, 4096), 4096)
             for _ in range(net.n0)]
        lab = net.labels(x)
        if 0 not in lab:
            seen.add(lab)
    assert seen <= found
    assert len(found) >= len(seen)


# ---- certificates -------------------------------------------------------------------

def _certs():
    out = []
    for arch, seed, box in [((2, 3, 2, 1), 0, None), ((2, 3, 3, 1), 1, (Fraction(-1), Fraction(1))),
                            ((1, 3, 2, 1), 2, None)]:
        net = random_network(arch, seed=seed)
        res = _run(net, box)
        assert res.complete
        out.append(res.certificate)
    fd = functional_dimension_decisive(random_network((2, 3, 2, 1), seed=0))
    out.append(fd.certificate)
    return out


CERTS = _certs()


def test_certificates_valid():
    for c in CERTS:
        r = check_certificate(c)
        assert r.valid, r.reason


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_tampered_certificate_rejected(data):
    assert_a_tampering_fails(data, CERTS)


def _resign(cert):
    """Recompute the digests, so that only the mathematics can reject."""
    ev = cert["evidence"]
    if "regions" in ev and isinstance(ev["regions"], dict):
        ev["regions"]["digest"] = evidence_digest(ev["regions"])
    ev["digest"] = evidence_digest(ev)
    return cert


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_tampered_math_rejected_even_with_fresh_digest(data):
    """Patterns, facet witnesses, neighbours and Farkas multipliers are checked mathematically."""
    cert = data.draw(st.sampled_from(CERTS[:3]))
    paths = [p for p in numeric_paths(cert)
             if p[:1] == ("evidence",) and ("facets" in p or "pattern" in p)]
    path = data.draw(st.sampled_from(paths))
    k = data.draw(st.integers(1, 5))
    bad = _resign(tampered(cert, path, k))
    assert not check_certificate(bad).valid, path


def test_structural_tampering_rejected():
    cert = copy.deepcopy(CERTS[0])
    ev = cert["evidence"]
    ev["facets"] = ev["facets"][:-1]
    assert not check_certificate(_resign(cert)).valid
    cert = copy.deepcopy(CERTS[0])
    cert["evidence"]["regions"] = cert["evidence"]["regions"][:-1]
    assert not check_certificate(_resign(cert)).valid
    cert = copy.deepcopy(CERTS[0])
    cert["evidence"]["facets"].append(cert["evidence"]["facets"][0])
    assert not check_certificate(_resign(cert)).valid


# ---- graphs -----------------------------------------------------------------------

def test_dual_graph_connected_and_facets_are_edges(tmp_path):
    net = random_network((2, 6, 5, 1), seed=5)
    res = _run(net)
    G = res.dual_graph
    assert G.number_of_nodes() == res.count and nx.is_connected(G)
    for (r, h), e in res.facets.items():
        if e[0] == "facet":
            assert G.has_edge(r, e[1]) and G.edges[r, e[1]]["neuron"] == h
    assert G.number_of_edges() == sum(1 for (r, h), e in res.facets.items() if e[0] == "facet") // 2
    N = res.neuron_graph
    assert N.number_of_nodes() == net.H
    for h, d in N.nodes(data=True):
        assert d["empty"] == (d["pieces"] == 0)
        if d["layer"] == 1 and not d["empty"]:
            assert d["connected"]          # a first-layer bent hyperplane is a hyperplane
    from exactsym.arrangement.graphs import write_graphs
    paths = write_graphs(res, tmp_path / "g.graphml")
    assert nx.read_graphml(paths[0]).number_of_nodes() == res.count
    p = write_graphs(res, tmp_path / "g.json")[0]
    obj = json.loads(open(p).read())
    assert set(obj) >= {"dual", "neurons"}


# ---- decisive functional dimension ------------------------------------------------

@pytest.mark.parametrize("arch,seed", [((2, 4, 3, 1), 0), ((2, 3, 3, 2), 1), ((1, 3, 3, 1), 2),
                                       ((3, 3, 3, 1), 3)])
def test_decisive_fdim_vs_batch(arch, seed):
    import flint
    net = random_network(arch, seed=seed)
    fd = functional_dimension_decisive(net)
    assert fd.complete and fd.rank <= net.bound
    rng = random.Random(seed)
    J = []
    for _ in range(60):
        x = [Fraction(rng.randint(-3000, 3000), 1000) for _ in range(net.n0)]
        if net.is_smooth(x):
            J += [[flint.fmpq(v.numerator, v.denominator) for v in row] for row in jacobian_rows(net, x)]
    assert flint.fmpq_mat(J).rank() <= fd.rank
    # the decisive rank equals the rank over all decisive points plus random ones
    assert len(fd.kernel) == net.D - fd.rank
    assert check_certificate(fd.certificate).valid


def test_decisive_points_affinely_independent():
    net = random_network((2, 4, 4, 1), seed=7)
    res = _run(net, (Fraction(-1), Fraction(1)))
    for reg, pts in zip(res.regions, decisive_points(res)):
        assert len(pts) == 3
        for x in pts:
            assert net.labels(x) == reg.pattern
        (a, b), (c, d) = [[u - v for u, v in zip(p, pts[0])] for p in pts[1:]]
        assert a * d - b * c != 0


# ---- budgets and non-generic inputs ---------------------------------------------------

def test_budgets_give_incomplete():
    net = random_network((2, 8, 8, 1), seed=0)
    res = _run(net, max_regions=5)
    assert not res.complete and res.certificate is None and "max_regions" in res.reason
    assert res.count == 5
    res = _run(net, time_limit=1e-9)
    assert not res.complete and "time_limit" in res.reason
    fd = functional_dimension_decisive(net, max_regions=4)
    assert not fd.complete and fd.certificate is None


def test_coinciding_zero_sets_certified():
    """Two neurons with one zero set x + y = 0: the regions are its two sides, crossed as one."""
    net = Network([2, 2, 1], [([[1, 1], [2, 2]], [0, 0]), ([[1, 1]], [0])])
    res = _run(net)
    assert res.complete and res.count == 2 and set(res.patterns) == {(1, 1), (-1, -1)}
    assert res.degenerate and check_certificate(res.certificate).valid


def test_identically_zero_neuron_certified():
    """Neuron 2 has weight 0: identically zero everywhere (label 0); the quadrants are the regions."""
    net = Network([2, 2, 1, 1], [([[1, 0], [0, 1]], [0, 0]), ([[0, 0]], [0]), ([[1]], [0])])
    res = _run(net)
    assert res.complete and res.count == 4
    assert set(res.patterns) == {(a, b, 0) for a in (1, -1) for b in (1, -1)}
    assert check_certificate(res.certificate).valid


def test_three_lines_through_a_vertex():
    """A degenerate vertex that does not matter: x + y = 0 meets the quadrant x, y > 0 only at 0."""
    net = Network([2, 3, 1], [([[1, 0], [0, 1], [1, 1]], [0, 0, 0]), ([[1, 2, 3]], [0])])
    res = _run(net)
    assert res.complete and res.count == 6
    assert check_certificate(res.certificate).valid
    res = _run(net, (Fraction(-1), Fraction(1)))
    assert res.complete and res.count == 6


def test_highs_fallback_certifies(monkeypatch):
    """With the C Farkas path and the LP's dual support refused, HiGHS proposals still certify."""
    import exactsym.arrangement._regions as cr
    import exactsym.arrangement.witnesses as W
    monkeypatch.setattr(cr, "farkas_region", lambda *a, **k: {})
    orig = W.Witnesses.farkas

    def picky(self, s, M, h, supp):
        if any(i < 0 for i in supp):          # the padded support of the C LP
            return None, "refused for the test"
        return orig(self, s, M, h, supp)
    monkeypatch.setattr(W.Witnesses, "farkas", picky)
    net = random_network((2, 4, 3, 1), seed=1)
    for box in (None, (Fraction(-1), Fraction(2))):
        res = _run(net, box)
        assert res.stats["fallbacks"] > 0
        assert res.complete, res.reason
        assert check_certificate(res.certificate).valid


def test_no_hidden_layer():
    net = Network([2, 1], [([[1, 2]], [3])])
    res = _run(net)
    assert res.complete and res.count == 1
    assert check_certificate(res.certificate).valid


def test_region_objects_exact():
    net = random_network((2, 4, 3, 2), seed=4)
    res = _run(net)
    reg = res.regions[3]
    A, c = reg.affine_map
    assert [sum((a * x for a, x in zip(row, reg.point)), ci) for row, ci in zip(A, c)] == net.forward(reg.point)
    assert all(sum((ai * x for ai, x in zip(a, reg.point)), ci) > 0 for a, ci in reg.inequalities)


# ---- CLI ------------------------------------------------------------------------------

def test_cli_regions(run_cli, tmp_path):
    net = random_network((2, 4, 4, 1), seed=2)
    f = tmp_path / "n.json"
    f.write_text(json.dumps(net.to_dict()))
    code, out, _ = run_cli("regions", f, "--json", "--cert", tmp_path / "c.json", "--graph",
                           tmp_path / "g.json", "--plot", tmp_path / "p.png", "--box=-2,2")
    assert code == 0
    obj = json.loads(out)
    assert obj["complete"] and obj["n0"] == 2 and obj["domain"] == {"box": ["-2", "2"]}
    assert obj["count"] > 1
    code, out, _ = run_cli("check", tmp_path / "c.json", "--json")
    assert code == 0 and json.loads(out)["valid"]
    assert (tmp_path / "p.png").stat().st_size > 1000
    code, out, _ = run_cli("regions", f, "--json", "--max-regions", "2")
    obj = json.loads(out)
    # incomplete: exit 3, the count is only a lower bound and the message names the option to raise
    assert code == 3 and obj["complete"] is False and obj["count"] is None and obj["count_lower_bound"] == 2
    assert "raise --max-regions" in obj["reason"]
    code, out, _ = run_cli("regions", f, "--json", "--box", "3,1")
    assert code == 2
    code, out, _ = run_cli("regions", tmp_path / "missing.json", "--json")
    assert code == 2
