"""Regions on a Dask cluster (issue 13, item 5): the same certified result as --workers 1 and 2.

Skips, with the reason, when dask.distributed is not installed (the ``dask``
extra of pyproject.toml).
"""
import json
from fractions import Fraction

import numpy as np
import pytest

from exactsym import Network
from exactsym.arrangement import parallel, regions
from exactsym.arrangement.evidence import write_certificate
from exactsym.check import check_file

distributed = pytest.importorskip("distributed", reason="dask.distributed missing (pip install 'exactsym[dask]')")


def _f64net(arch, seed):
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, n in zip(arch[:-1], arch[1:]):
        W = rng.normal(0.0, (2.0 / fan_in) ** 0.5, size=(n, fan_in))
        b = rng.normal(0.0, 0.1, size=n)
        layers.append(([[Fraction(float(v)) for v in r] for r in W], [Fraction(float(v)) for v in b]))
    return Network(list(arch), layers)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as lc, distributed.Client(lc) as client:
        yield lc, client


def test_dask_gives_byte_identical_certificates(tmp_path, cluster, monkeypatch):
    """float64 weights on a box, several chunks (CHUNK lowered to 128): 1 worker, 2 workers, Dask."""
    monkeypatch.setattr(parallel, "CHUNK", 128)
    net, box = _f64net((3, 8, 8, 1), 1), (Fraction(-1), Fraction(1))
    files = {}
    for name, kw in (("w1", {"workers": 1}), ("w2", {"workers": 2}), ("dask", {"client": cluster[1]})):
        res = regions(net, box=box, progress=False, lean=True, **kw)
        assert res.complete, res.reason
        files[name] = tmp_path / f"{name}.json.gz"
        write_certificate(res, files[name])
        assert res.count == 681          # the sequential search's count on this network (test below)
    data = {k: v.read_bytes() for k, v in files.items()}
    assert data["w1"] == data["w2"] == data["dask"]          # gzip too: no name, mtime 0
    assert check_file(files["dask"]).valid


def test_dask_count_equals_the_sequential_search():
    net, box = _f64net((3, 8, 8, 1), 1), (Fraction(-1), Fraction(1))
    res = regions(net, box=box, progress=False, lean=True)
    assert res.complete and res.count == 681


def test_cli_scheduler(run_cli, tmp_path, cluster):
    lc, _ = cluster
    f = tmp_path / "n.json"
    f.write_text(json.dumps(_f64net((2, 6, 6, 1), 2).to_dict()))
    certs = []
    for extra in (["--workers", "1"], ["--scheduler", lc.scheduler_address]):
        out_path = tmp_path / f"c{len(certs)}.json"
        code, out, _ = run_cli("regions", f, "--json", "--cert", out_path, *extra)
        assert code == 0 and json.loads(out)["complete"]
        certs.append(out_path.read_bytes())
    assert certs[0] == certs[1] and check_file(tmp_path / "c1.json").valid


def test_cli_bad_scheduler_is_one_line_exit_2(run_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 2)
    f = tmp_path / "n.json"
    f.write_text(json.dumps(_f64net((2, 3, 1), 0).to_dict()))
    code, out, err = run_cli("regions", f, "--scheduler", "tcp://127.0.0.1:9", "--quiet")
    assert code == 2 and "--scheduler" in err and len(err.strip().splitlines()) == 1
