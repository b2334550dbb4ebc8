"""Network model, exact forward pass and file formats (issue 2)."""
import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from exactsym import Network, load_network, save_network, random_network
from exactsym.network.io import InputError, load_points, save_points
from exactsym.network.numbers import EntryError, fmt, parse_entry
from conftest import flip_network


def float_forward(net, x):
    """Independent float evaluation with numpy."""
    a = np.asarray(x, dtype=float)
    for l, (W, b) in enumerate(net.layers, start=1):
        z = np.array([[float(v) for v in r] for r in W]) @ a + np.array([float(v) for v in b])
        a = np.maximum(z, 0) if l < net.depth else z
    return a


def test_sizes():
    net = random_network([4, 30, 30, 30, 1], seed=0)
    assert net.D == 2041 and net.H == 90 and net.bound == 1951
    assert len(net.flat()) == 2041
    a, _ = flip_network()
    assert (a.D, a.H, a.bound) == (7, 2, 5)


def test_flat_order_is_canonical():
    a, _ = flip_network()
    # W1 row-major, b1, W2 row-major, b2
    assert a.flat() == [1, 2, 0, 1, 2, -1, 0]
    assert a.index_W(2, 0, 1) == 5 and a.index_b(1, 1) == 3
    assert Network.from_flat(a.architecture, a.flat()) == a


def test_flip_example_values():
    a, b = flip_network()
    for x in [-3, Fraction(-1, 2), 0, Fraction(1, 3), 5]:
        assert a.forward([x]) == b.forward([x])
    assert a.forward([3]) == [-1]           # 2*3 - 7
    assert a.labels([Fraction(-1, 2)]) == (-1, 0)
    assert not a.is_smooth([Fraction(-1, 2)]) and a.is_smooth([1])


@pytest.mark.parametrize("arch,seed", [([2, 3, 1], 0), ([3, 5, 4, 2], 1), ([1, 8, 8, 8, 1], 2),
                                       ([5, 2, 7, 3], 3)])
def test_forward_agrees_with_float(arch, seed):
    net = random_network(arch, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(20):
        x = [Fraction(int(v), 64) for v in rng.integers(-200, 200, size=arch[0])]
        exact = net.forward(x)
        fl = float_forward(net, [float(v) for v in x])
        assert np.allclose([float(v) for v in exact], fl, rtol=1e-12, atol=1e-12)
        zs = net.preactivations(x)
        assert len(zs) == net.depth and zs[-1] == exact
        assert net.labels(x) == tuple((v > 0) - (v < 0) for z in zs[:-1] for v in z)


def test_entry_parsing():
    assert parse_entry(3) == 3
    assert parse_entry("-2/6") == Fraction(-1, 3)
    assert parse_entry("0.125") == Fraction(1, 8)
    assert parse_entry("1e-3") == Fraction(1, 1000)
    assert parse_entry("-1.5E2") == -150
    assert parse_entry(0.1) == Fraction(3602879701896397, 36028797018963968)
    for bad in ["nan", "inf", "-Infinity", "1/0", "abc", "", "1/2/3", True, None, [1], float("nan"),
                "1e99999", "1" * 5000]:
        with pytest.raises(EntryError):
            parse_entry(bad)
    assert fmt(Fraction(4, 2)) == "2" and fmt(Fraction(-3, 6)) == "-1/2"


def test_json_round_trip_exact(tmp_path):
    net = random_network([3, 4, 2], seed=5, init="uniform", denominator=1000)
    p = tmp_path / "n.json"
    save_network(net, p)
    back = load_network(p)
    assert back == net and back.sha256() == net.sha256()


def test_json_floats_are_exact_binary(tmp_path):
    p = tmp_path / "f.json"
    p.write_text(json.dumps({"format": "exactsym-net/1", "architecture": [1, 1, 1],
                             "layers": [{"W": [[0.1]], "b": [1]}, {"W": [["3/7"]], "b": ["1e-3"]}]}))
    net = load_network(p)
    assert net.layers[0][0][0][0] == Fraction(0.1)
    assert net.layers[1][1][0] == Fraction(1, 1000)
    r = load_network(p, denominator=10)
    assert r.layers[0][0][0][0] == Fraction(1, 10) and r.layers[1][0][0][0] == Fraction(4, 10)


def test_npz_round_trip_exact(tmp_path):
    net = random_network([2, 5, 3, 1], seed=7)  # dyadic entries: exact in float64
    p = tmp_path / "n.npz"
    save_network(net, p)
    assert load_network(p) == net
    with np.load(p) as z:
        assert sorted(z.files) == ["W0", "W1", "W2", "b0", "b1", "b2"]


def test_canonical_bytes_and_sha():
    a, _ = flip_network()
    assert a.canonical_bytes() == (b'{"architecture":[1,2,1],"format":"exactsym-net/1","layers":'
                                   b'[{"W":[["1"],["2"]],"b":["0","1"]},{"W":[["2","-1"]],"b":["0"]}]}')
    import hashlib
    assert a.sha256() == hashlib.sha256(a.canonical_bytes()).hexdigest()


def test_points_round_trip(tmp_path):
    pts = [(Fraction(1, 3), Fraction(-2)), (Fraction(0), Fraction(5, 7))]
    p = tmp_path / "p.json"
    save_points(pts, p)
    assert load_points(p, n0=2) == pts
    c = tmp_path / "p.csv"
    c.write_text("1/3, -2\n# comment\n0,5/7\n")
    assert load_points(c, n0=2) == pts
    with pytest.raises(InputError):
        load_points(c, n0=3)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.fractions(max_denominator=50), min_size=7, max_size=7))
def test_from_flat_round_trip(vals):
    net = Network.from_flat([1, 2, 1], vals)
    assert net.flat() == vals
    assert Network.from_dict(json.loads(net.canonical_bytes())) == net
