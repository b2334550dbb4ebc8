"""Compact and streamed regions certificates, .json.gz, lean storage and the memory budget (issue 13)."""
import gzip
import json

import pytest

from exactsym import Network
from exactsym.arrangement import regions
from exactsym.arrangement.evidence import write_certificate
from exactsym.check import check_certificate, check_file
from exactsym.network.generate import random_network


def _nets():
    dup = Network([2, 4, 1, 1], [([[1, 0], [0, 1], [2, 0], [1, 0]], [0, 0, 0, -1]),
                                 ([[1, 0, 0, 0]], [-1]), ([[1]], [0])])
    return [(random_network((2, 5, 4, 1), seed=1), None), (random_network((3, 4, 4, 1), seed=2), (-1, 1)),
            (dup, None)]


@pytest.mark.parametrize("i", range(3))
def test_streamed_certificate_equals_the_object_and_checks(tmp_path, i):
    net, box = _nets()[i]
    res = regions(net, box=box, progress=False)
    for compact in (True, False):
        for name in ("c.json", "c.json.gz"):
            p = tmp_path / name
            write_certificate(res, p, compact=compact)
            r = check_file(p)
            assert r.valid, r.reason
            raw = p.read_bytes()
            text = gzip.decompress(raw) if name.endswith(".gz") else raw
            assert name.endswith(".gz") == (raw[:2] == b"\x1f\x8b")
            want = res.compact_certificate() if compact else res.certificate
            assert json.loads(text) == want


def test_compact_is_smaller_and_lean_gives_the_same_certificate():
    net = random_network((2, 8, 8, 1), seed=3)
    res = regions(net, progress=False)
    lean = regions(net, progress=False, lean=True)
    assert lean.certificate == res.compact_certificate()
    full, comp = json.dumps(res.certificate), json.dumps(res.compact_certificate())
    assert len(comp) * 2 < len(full)
    assert check_certificate(lean.certificate).valid


def test_memory_budget_stops_cleanly():
    res = regions(random_network((2, 8, 8, 1), seed=0), progress=False, max_memory=1)
    assert not res.complete and res.certificate is None and "max_memory=1 MiB" in res.reason


def test_cli_gz_and_degenerate(run_cli, tmp_path):
    net, _ = _nets()[2]
    f = tmp_path / "n.json"
    f.write_text(json.dumps(net.to_dict()))
    code, out, _ = run_cli("regions", f, "--json", "--cert", tmp_path / "c.json.gz")
    obj = json.loads(out)
    assert code == 0 and obj["complete"] and obj["count"] == 6 and obj["n_degenerate"] > 0
    code, out, _ = run_cli("check", tmp_path / "c.json.gz", "--json")
    assert code == 0 and json.loads(out)["valid"]
    code, out, _ = run_cli("regions", f, "--json", "--max-memory", "1")
    obj = json.loads(out)
    assert code == 3 and not obj["complete"] and "raise --max-memory" in obj["reason"]
    assert "max_memory=1 MiB" in obj["reason"]


def test_default_memory_budget_names_the_flag(monkeypatch):
    import exactsym.arrangement.memory as mem
    monkeypatch.setattr(mem, "default_budget_mb", lambda: 1.0)
    res = regions(random_network((2, 8, 8, 1), seed=0), progress=False)
    assert not res.complete and "--max-memory" in res.reason


@pytest.mark.parametrize("i", range(3))
def test_workers_give_identical_certified_results(i):
    net, box = _nets()[i]
    seq = regions(net, box=box, progress=False)
    one = regions(net, box=box, progress=False, workers=1)
    two = regions(net, box=box, progress=False, workers=2)
    assert one.count == two.count == seq.count and set(two.patterns) == set(seq.patterns)
    assert one.patterns == two.patterns and one.certificate == two.certificate
    assert one.compact_certificate() == two.compact_certificate()
    assert check_certificate(two.certificate).valid


def test_cli_workers(run_cli, tmp_path):
    net = random_network((2, 5, 4, 1), seed=1)
    f = tmp_path / "n.json"
    f.write_text(json.dumps(net.to_dict()))
    certs = []
    for w in ("1", "2"):
        code, out, _ = run_cli("regions", f, "--json", "--workers", w, "--cert", tmp_path / f"c{w}.json")
        assert code == 0 and json.loads(out)["complete"]
        certs.append((tmp_path / f"c{w}.json").read_bytes())
    assert certs[0] == certs[1] and check_file(tmp_path / "c2.json").valid


def test_pair_store_behaves_like_the_dict_it_replaces():
    """PairStore (packed per region) against a plain dict under the same random operations."""
    import random
    from fractions import Fraction
    from exactsym.arrangement.pairs import PairStore
    rnd = random.Random(5)
    H = 7
    ps, ref = PairStore(H), {}
    kinds = [lambda: ("facet", rnd.randrange(50), None), lambda: ("farkas", None, sorted(rnd.sample(range(H + 4), 3))),
             lambda: ("farkas", {"constant": 1, "neurons": []}, None), lambda: ("covered", rnd.randrange(H)),
             lambda: ("facet", rnd.randrange(50), (Fraction(1, 3),)), lambda: ("farkas", None, [])]
    for _ in range(2000):
        key = (rnd.randrange(40), rnd.randrange(H))
        op = rnd.random()
        if op < 0.6:
            e = rnd.choice(kinds)()
            ps[key] = e
            ref[key] = e
        elif op < 0.7 and key in ref:
            del ps[key]
            del ref[key]
        else:
            assert (key in ps) == (key in ref)
            if key in ref:
                want = ref[key]
                if want[0] == "farkas" and want[1] is None:
                    want = ("farkas", None, tuple(want[2]))      # a support comes back as its tuple
                assert ps[key] == want
    assert len(ps) == len(ref)
    assert [k for k, _ in ps.items()] == sorted(ref)
    assert list(ps) == sorted(ref)
    with pytest.raises(KeyError):
        ps[(1000, 0)]
    with pytest.raises(KeyError):
        ps[(-1, 0)] = ("covered", 0)
