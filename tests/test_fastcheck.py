"""The independent FLINT engine (``exactsym check --engine flint``) against the stdlib checker."""

import copy
import json
from fractions import Fraction

import flint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactsym import random_network
from exactsym.check import check_certificate
from exactsym.check.shared.exact import jacobian_rows, residue
from exactsym.fastcheck import check_certificate_fast
from exactsym.fastcheck.fdim import exact_labels_flint, minor_mod_p
from exactsym.network.io import save_network
from exactsym.rank.fdim import functional_dimension

CASES = [([2, 4, 3, 1], 0, None), ([3, 5, 4, 2], 1, None), ([2, 3, 3, 1], 2, (Fraction(-1), Fraction(2))),
         ([4, 6, 6, 1], 3, None)]


def certs():
    out = []
    for arch, seed, box in CASES:
        net = random_network(arch, seed=seed)
        out.append(functional_dimension(net, seed=seed, box=box).certificate)
    return out


CERTS = certs()


def _mutations(cert):
    """(name, forged certificate) pairs, each of which must be rejected."""
    ev = cert["evidence"]
    r = cert["r"]

    def m(f):
        c = copy.deepcopy(cert)
        f(c)
        return c
    yield "label", m(lambda c: c["evidence"]["labels"][0].__setitem__(0, -c["evidence"]["labels"][0][0]))
    yield "row-swap", m(lambda c: c["evidence"].__setitem__("rows", ev["rows"][1:2] + ev["rows"][:1]
                                                            + ev["rows"][2:]))
    yield "row-range", m(lambda c: c["evidence"]["rows"].__setitem__(0, len(ev["points"]) * 99))
    yield "r+1", m(lambda c: c.__setitem__("r", r + 1))
    yield "prime", m(lambda c: c["evidence"].__setitem__("prime", 1048583))
    yield "point", m(lambda c: c["evidence"]["points"][0].__setitem__(0, "1/7"))
    yield "weight", m(lambda c: c["network"]["layers"][0]["b"].__setitem__(0, "12345"))
    yield "bool-r", m(lambda c: c.__setitem__("r", True))
    yield "dup-col", m(lambda c: c["evidence"]["columns"].__setitem__(1, c["evidence"]["columns"][0]))
    yield "float-point", m(lambda c: c["evidence"]["points"][0].__setitem__(0, 0.5))
    yield "format", m(lambda c: c.__setitem__("format", "exactsym-cert/0"))


@pytest.mark.parametrize("k", range(len(CERTS)))
def test_engines_agree_on_valid_certificates(k):
    a, b = check_certificate(CERTS[k]), check_certificate_fast(CERTS[k])
    assert a.valid and b.valid and "[engine flint]" in b.reason


@pytest.mark.parametrize("k", range(len(CERTS)))
def test_every_forgery_is_rejected_by_both_engines(k):
    for name, bad in _mutations(CERTS[k]):
        a, b = check_certificate(bad), check_certificate_fast(bad)
        assert not a.valid and not b.valid, name


def test_minor_matches_the_checkers_exact_jacobian():
    cert = CERTS[1]
    from exactsym.network.model import Network
    net = Network.from_dict(cert["network"])
    ev = cert["evidence"]
    pts = [[Fraction(v) for v in x] for x in ev["points"]]
    P = ev["prime"]
    M = minor_mod_p(net, pts, ev["labels"], ev["rows"], ev["columns"], P)
    nd = net.n_out
    J = {i * nd + k: row for i, x in enumerate(pts) for k, row in enumerate(jacobian_rows(net, x))}
    E = [[residue(J[q][c], P) for c in ev["columns"]] for q in ev["rows"]]
    # equal up to unit row/column scalings: the same rank of every leading block
    for t in (5, 20, len(E)):
        assert flint.nmod_mat([row[:t] for row in M.tolist()[:t]], P).rank() == \
            flint.nmod_mat([row[:t] for row in E[:t]], P).rank()
    assert flint.nmod_mat(M.tolist(), P).rank() == len(E)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10 ** 6), st.lists(st.tuples(st.integers(-40, 40), st.integers(1, 9)), min_size=3,
                                         max_size=3))
def test_flint_labels_equal_the_exact_evaluator(seed, coords):
    net = random_network([3, 4, 3, 1], seed=seed)
    x = [Fraction(a, b) for a, b in coords]
    pts = [x, [v / 2 for v in x]]
    assert exact_labels_flint(net, pts) == [list(net.labels(p)) for p in pts]


def test_cli_engine_flint(run_cli, tmp_path):
    f = tmp_path / "c.json"
    f.write_text(json.dumps(CERTS[0]))
    code, out, _ = run_cli("check", f, "--engine", "flint", "--json")
    obj = json.loads(out)
    assert code == 0 and obj["valid"] and obj["engine"] == "flint"
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps(dict(next(_mutations(CERTS[0]))[1])))
    code, out, _ = run_cli("check", bad, "--engine", "flint", "--json")
    assert code == 1 and not json.loads(out)["valid"]
    n = tmp_path / "n.json"
    save_network(random_network([1, 3, 1], seed=1), n)


def test_flint_engine_is_as_strict_as_the_stdlib_checker():
    """Forgeries the stdlib checker rejects for syntax or structure (an unknown key, a float label,
    a respelled rational) are rejected by the flint engine too: it shares every such check."""
    import copy
    from exactsym import random_network
    from exactsym.rank.fdim import functional_dimension
    cert = functional_dimension(random_network([2, 3, 1], seed=1), seed=0).certificate
    forgeries = []
    f = copy.deepcopy(cert)
    f["unknown_key"] = 1
    forgeries.append(f)
    f = copy.deepcopy(cert)
    f["evidence"]["labels"][0][0] = float(f["evidence"]["labels"][0][0])
    forgeries.append(f)
    f = copy.deepcopy(cert)
    f["evidence"]["points"][0][0] = " " + f["evidence"]["points"][0][0]
    forgeries.append(f)
    f = copy.deepcopy(cert)
    f["domain"] = "R^2"
    forgeries.append(f)
    for f in forgeries:
        assert not check_certificate(f).valid and not check_certificate_fast(f).valid
    assert check_certificate_fast(cert).valid
