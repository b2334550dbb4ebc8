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
