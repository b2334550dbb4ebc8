"""Region enumeration: exactsym (certified, exact) against relucent (float64 + Gurobi).

Run:  python3 -m pytest benchmarks/bench_regions.py --benchmark-only
      (EXACTSYM_BENCH_BIG=0 skips the (4,12,12,1) network, whose relucent run is long.)

Both tools get the same seeded networks, built with
``exactsym.network.generate.random_network(arch, seed=0)`` (entries are multiples
of 1/256, so float64 holds them exactly) and converted to relucent's
``ReLUNetwork``. Region counts must be equal. exactsym's figure includes
the complete exact certificate data (every witness and Farkas identity
checked in exact arithmetic); the split between float LPs, exact forms and
exact checks is recorded in ``extra_info``, and the stdlib checker's time
for the written certificate is measured on its own.

relucent is an optional, benchmark-only dependency (``pip install relucent``;
it needs gurobipy, whose pip licence is size-limited). Its tests are
skipped, with the reason, when it is absent or unusable.
"""
import os
import time
from collections import OrderedDict

import pytest

from exactsym.network.generate import random_network
from exactsym.arrangement import regions

ARCHS = [(2, 8, 8, 1), (2, 16, 16, 1), (3, 10, 10, 1), (4, 12, 12, 1)]
if os.environ.get("EXACTSYM_BENCH_BIG", "1") == "0":
    ARCHS = ARCHS[:3]

_COUNTS = {}


def _relucent():
    try:
        import numpy as np
        import relucent
        from relucent.model.model import LinearLayer, ReLULayer, ReLUNetwork
        import gurobipy  # noqa: F401
    except Exception as e:  # noqa: BLE001 - any import problem means "unusable"
        pytest.skip(f"relucent unavailable: {type(e).__name__}: {e}")
    return relucent, np, LinearLayer, ReLULayer, ReLUNetwork


def to_relucent(net):
    relucent, np, LinearLayer, ReLULayer, ReLUNetwork = _relucent()
    layers = OrderedDict()
    for i, (W, b) in enumerate(net.layers):
        layers[f"fc{i}"] = LinearLayer(weight=np.array([[float(v) for v in r] for r in W], dtype=np.float64),
                                       bias=np.array([float(v) for v in b], dtype=np.float64))
        if i < net.depth - 1:
            layers[f"relu{i}"] = ReLULayer()
    return ReLUNetwork(layers)


def _exactsym_count(arch):
    if arch not in _COUNTS:
        res = regions(random_network(arch, seed=0), progress=False)
        assert res.complete, res.reason
        _COUNTS[arch] = res.count
    return _COUNTS[arch]


@pytest.mark.parametrize("arch", ARCHS, ids=lambda a: "x".join(map(str, a)))
def test_exactsym_regions(benchmark, arch):
    net = random_network(arch, seed=0)
    res = benchmark.pedantic(regions, args=(net,), kwargs={"progress": False}, rounds=1, iterations=1,
                             warmup_rounds=0)
    assert res.complete, res.reason
    _COUNTS[arch] = res.count
    st = res.stats
    benchmark.extra_info.update(regions=res.count, regions_per_s=round(res.count / st["total_s"], 1),
                                lp_s=round(st["lp_s"], 3), forms_s=round(st["forms_s"], 3),
                                exact_checks_s=round(st["exact_s"], 3), total_s=round(st["total_s"], 3))


@pytest.mark.parametrize("arch", ARCHS[:3], ids=lambda a: "x".join(map(str, a)))
def test_exactsym_certificate_check(benchmark, arch):
    """The independent stdlib checker re-verifying the regions-complete certificate."""
    from exactsym.check import check_certificate
    res = regions(random_network(arch, seed=0), progress=False)
    cert = res.certificate
    t0 = time.perf_counter()
    out = benchmark.pedantic(check_certificate, args=(cert,), rounds=1, iterations=1, warmup_rounds=0)
    assert out.valid, out.reason
    benchmark.extra_info.update(regions=res.count, check_s=round(time.perf_counter() - t0, 3))


@pytest.mark.parametrize("arch", ARCHS, ids=lambda a: "x".join(map(str, a)))
def test_relucent_regions(benchmark, arch):
    relucent = _relucent()[0]
    net = random_network(arch, seed=0)
    rn = to_relucent(net)

    def run():
        cx = relucent.Complex(rn)
        res = cx.bfs(verbose=0)
        return cx, res

    t0 = time.perf_counter()
    try:
        cx, res = benchmark.pedantic(run, rounds=1, iterations=1, warmup_rounds=0)
    except Exception as e:  # noqa: BLE001 - e.g. the size-limited Gurobi licence
        pytest.skip(f"relucent failed: {type(e).__name__}: {str(e)[:160]}")
    elapsed = time.perf_counter() - t0
    n = len(cx)
    benchmark.extra_info.update(regions=n, regions_per_s=round(n / elapsed, 1),
                                complete=bool(getattr(res, "complete", False)))
    assert n == _exactsym_count(arch), "region counts differ between relucent and exactsym"


# ---- float64 checkpoints: compact certificates, memory, workers (issue 13) ------------------

F64_ARCHS = [(2, 16, 16, 1), (3, 16, 16, 1)]

_F64_SCRIPT = r"""
import gzip, json, os, resource, sys, time
sys.path.insert(0, os.path.dirname(sys.argv[4]))
from bench_regions import load_spec
from exactsym.arrangement import regions
from exactsym.arrangement.evidence import write_certificate
from exactsym.check import check_file
arch, workers, path = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
net = load_spec("kaiming:" + ",".join(str(v) for v in arch))
t0 = time.perf_counter()
res = regions(net, progress=False, lean=True, workers=workers)
write_certificate(res, path)
t_enum = time.perf_counter() - t0
rss_enum = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
t1 = time.perf_counter()
ok = check_file(path)
t_check = time.perf_counter() - t1
raw = open(path, "rb").read()
print(json.dumps({"regions": res.count, "complete": res.complete, "valid": ok.valid,
                  "enumerate_and_write_s": round(t_enum, 2), "check_s": round(t_check, 2),
                  "bytes_per_region": len(gzip.decompress(raw) if path.endswith(".gz") else raw) // res.count,
                  "file_bytes_per_region": len(raw) // res.count,
                  "peak_rss_enumerate_mb": rss_enum,
                  "peak_rss_with_check_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def _f64_run(arch, workers, path):
    """One run in a fresh process, so that peak RSS is this run's alone."""
    import json
    import subprocess
    import sys
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", _F64_SCRIPT, json.dumps(list(arch)), json.dumps(workers),
                          str(path), os.path.abspath(__file__)], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("arch", F64_ARCHS, ids=lambda a: "x".join(map(str, a)))
@pytest.mark.parametrize("gz", [False, True], ids=["json", "gz"])
def test_float64_compact_certificate(benchmark, tmp_path, arch, gz):
    """Float64 Kaiming weights (exact binary fractions, like a trained checkpoint): the compact
    certificate's size per region, its check time against the enumeration, peak memory."""
    path = tmp_path / ("c.json.gz" if gz else "c.json")
    info = benchmark.pedantic(_f64_run, args=(arch, None, path), rounds=1, iterations=1, warmup_rounds=0)
    assert info["complete"] and info["valid"]
    assert info["bytes_per_region"] <= 2048
    assert info["check_s"] <= 3 * info["enumerate_and_write_s"]
    benchmark.extra_info.update(info)


@pytest.mark.parametrize("workers", [1, 2])
def test_float64_workers(benchmark, tmp_path, workers):
    """--workers N: the same certificate for every N; wall time with N processes."""
    path = tmp_path / f"c{workers}.json"
    info = benchmark.pedantic(_f64_run, args=(F64_ARCHS[1], workers, path), rounds=1, iterations=1,
                              warmup_rounds=0)
    assert info["complete"] and info["valid"]
    benchmark.extra_info.update(info)


# ---- side by side on float64 checkpoints (issue 13, item 6): one worker each, one run --------------
#
#   python3 benchmarks/bench_regions.py SPEC [SPEC ...]      (prints one JSON line per network)
#
# SPEC: "kaiming:3,16,16,1" (the float64 Kaiming network of _F64_SCRIPT, seed 0) or a checkpoint
# path (.pt / .json / .npz). Each tool runs in a fresh process (peak RSS is its own), exactsym first
# (regions(lean=True), then the streamed .json.gz certificate, then the stdlib check in the same
# process), relucent 1.0.0 second (Complex(net).bfs(nworkers=1)); the load average is read before
# each. "--workers N" after the specs runs exactsym's chunked search on N processes instead.

_SIDE_EXACTSYM = r"""
import gzip, json, os, resource, sys, time
sys.path.insert(0, os.path.dirname(sys.argv[3]))
from bench_regions import load_spec
from exactsym.arrangement import regions
from exactsym.arrangement.evidence import write_certificate
from exactsym.check import check_file
net = load_spec(sys.argv[1])
workers = json.loads(sys.argv[2])
path = sys.argv[4]
t0 = time.perf_counter()
res = regions(net, progress=False, lean=True, workers=workers)
t1 = time.perf_counter()
write_certificate(res, path)
t2 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
ok = check_file(path)
t3 = time.perf_counter()
raw = open(path, "rb").read()
print(json.dumps({"regions": res.count, "complete": res.complete, "enumerate_s": round(t1 - t0, 2),
                  "write_s": round(t2 - t1, 2), "check_s": round(t3 - t2, 2), "valid": ok.valid,
                  "json_bytes_per_region": len(gzip.decompress(raw)) // max(1, res.count),
                  "gz_bytes_per_region": len(raw) // max(1, res.count), "peak_rss_mb": rss,
                  "peak_rss_with_check_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""

_SIDE_RELUCENT = r"""
import json, os, resource, sys, time
sys.path.insert(0, os.path.dirname(sys.argv[2]))
from bench_regions import load_spec, to_relucent
import relucent
rn = to_relucent(load_spec(sys.argv[1]))
t0 = time.perf_counter()
cx = relucent.Complex(rn)
res = cx.bfs(verbose=0, nworkers=1)
t = time.perf_counter() - t0
print(json.dumps({"regions": len(cx), "complete": bool(getattr(res, "complete", False)), "s": round(t, 2),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def load_spec(spec):
    """The network of a SPEC (see above): exact rationals of float64 weights."""
    if spec.startswith("kaiming:"):
        import numpy as np
        from fractions import Fraction
        from exactsym import Network
        arch = [int(v) for v in spec.split(":", 1)[1].split(",")]
        rng = np.random.default_rng(0)
        layers = []
        for fan_in, n in zip(arch[:-1], arch[1:]):
            W = rng.normal(0.0, (2.0 / fan_in) ** 0.5, size=(n, fan_in))
            b = rng.normal(0.0, 0.1, size=n)
            layers.append(([[Fraction(float(v)) for v in r] for r in W], [Fraction(float(v)) for v in b]))
        return Network(arch, layers)
    from exactsym.network.io import load_network
    return load_network(spec)


def _load_average():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def _side(spec, workers, relucent_too=True):
    import json
    import subprocess
    import sys
    import tempfile
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    here = os.path.abspath(__file__)
    row = {"network": spec, "workers": workers, "load_before_exactsym": _load_average()}
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run([sys.executable, "-c", _SIDE_EXACTSYM, spec, json.dumps(workers), here,
                              os.path.join(d, "c.json.gz")], capture_output=True, text=True, env=env)
        row["exactsym"] = json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else out.stderr[-400:]
    if relucent_too:
        row["load_before_relucent"] = _load_average()
        out = subprocess.run([sys.executable, "-c", _SIDE_RELUCENT, spec, here], capture_output=True, text=True,
                             env=env)
        row["relucent"] = json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else out.stderr[-400:]
        e, r = row["exactsym"], row["relucent"]
        if isinstance(e, dict) and isinstance(r, dict):
            row["same_count"] = e["regions"] == r["regions"]
            row["ratio_enumerate"] = round(r["s"] / e["enumerate_s"], 1)
            row["ratio_enumerate_and_write"] = round(r["s"] / (e["enumerate_s"] + e["write_s"]), 1)
    return row


if __name__ == "__main__":
    import json
    import sys
    args = sys.argv[1:]
    workers = None
    if "--workers" in args:
        i = args.index("--workers")
        workers = int(args[i + 1])
        del args[i:i + 2]
    rel = "--no-relucent" not in args
    for spec in [a for a in args if a != "--no-relucent"]:
        print(json.dumps(_side(spec, workers, rel)), flush=True)
