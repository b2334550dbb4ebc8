"""Regions on a plane or line through given points (issue 12, item 2)."""
from fractions import Fraction
from itertools import product

import pytest

from exactsym import Network, random_network
from exactsym.arrangement import slice_regions
from exactsym.check import check_certificate

PLANE = [[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]]


def _lift(points, u):
    p0 = [Fraction(v) for v in points[0]]
    return [p0[i] + sum(Fraction(ui) * (Fraction(points[k + 1][i]) - p0[i]) for k, ui in enumerate(u))
            for i in range(len(p0))]


def test_slice_regions_are_traces_of_the_original_network():
    net = random_network([4, 6, 5, 1], seed=7)
    sr = slice_regions(net, PLANE, progress=False)
    assert sr.result.complete
    # every certified region, read in the ORIGINAL network at its lifted point, has its pattern
    for reg in sr.result.regions:
        assert tuple(net.labels(_lift(PLANE, reg.point))) == tuple(reg.pattern)
    # no pattern seen on a fine exact grid of the plane is missing from the certified list
    found = set(sr.result.patterns)
    for a, b in product(range(-40, 41, 3), repeat=2):
        lab = tuple(net.labels(_lift(PLANE, [Fraction(a, 7), Fraction(b, 7)])))
        if 0 not in lab:
            assert lab in found
    r = check_certificate(sr.certificate)
    assert r.valid and r.claim == "slice-regions-complete", r.reason


def test_line_slice_count_matches_roots_of_a_shallow_network():
    # depth 2: the breakpoints on the line are the roots of the first-layer neurons
    net = random_network([3, 7, 1], seed=2)
    pts = [[0, 0, 0], [1, 2, -1]]
    W, b = net.layers[0]
    d = [1, 2, -1]
    roots = {-bi / sum(w * di for w, di in zip(row, d)) for row, bi in zip(W, b)
             if sum(w * di for w, di in zip(row, d)) != 0}
    sr = slice_regions(net, pts, progress=False)
    assert sr.result.complete and sr.result.count == len(roots) + 1
    assert check_certificate(sr.certificate).valid


def test_tampered_slice_certificates_are_rejected():
    net = random_network([3, 4, 1], seed=1)
    cert = slice_regions(net, [[0, 0, 0], [1, 0, 0], [0, 0, 1]], progress=False).certificate
    assert check_certificate(cert).valid
    import copy
    bad = copy.deepcopy(cert)
    bad["evidence"]["points"][1] = ["2", "0", "0"]       # another plane: the sliced network differs
    assert not check_certificate(bad).valid
    bad = copy.deepcopy(cert)
    bad["evidence"]["sliced_network_sha256"] = "0" * 64
    assert not check_certificate(bad).valid
    bad = copy.deepcopy(cert)
    bad["evidence"]["points"] = bad["evidence"]["points"][:1] * 3     # a degenerate "plane"
    assert not check_certificate(bad).valid


def test_degenerate_slice_points_are_refused():
    net = Network([3, 2, 1], [([[1, 0, 0], [0, 1, 0]], [0, 0]), ([[1, 1]], [0])])
    with pytest.raises(ValueError, match="affinely dependent"):
        slice_regions(net, [[0, 0, 0], [1, 1, 1], [2, 2, 2]], progress=False)


def test_cli_slice_writes_a_checked_certificate_and_a_plot(run_cli, tmp_path):
    pytest.importorskip("matplotlib")
    from exactsym import save_network
    net = random_network([4, 5, 1], seed=3)
    f = tmp_path / "n.json"
    save_network(net, f)
    cert, fig = tmp_path / "s.cert.json", tmp_path / "s.svg"
    code, out, err = run_cli("regions", f, "--slice", "0,0,0,0;1,0,0,0;0,0,1,-1", "--cert", cert,
                             "--plot", fig)
    assert code == 0, err
    assert "plane through the slice points" in out
    code, out, _ = run_cli("check", cert)
    assert code == 0 and "slice-regions-complete" in out
    assert fig.read_text().lstrip().startswith("<?xml")
    code, _, err = run_cli("regions", f, "--slice", "0,0,0,0;1,1,1,1;2,2,2,2")
    assert code == 2 and "affinely dependent" in err
    code, _, err = run_cli("regions", f, "--slice", "0,0;1,1")
    assert code == 2 and "coordinates" in err
