"""Benchmarks: batched float screening and exact sweeps.

Run: ``python3 -m pytest benchmarks/bench_sweep.py --benchmark-only``
(not part of ``python3 -m pytest tests``). Throughputs are attached to each
benchmark's ``extra_info`` and printed at the end.
"""

import os
import tempfile

import pytest

from exactsym.network.generate import random_network
from exactsym.experiments.screen import cuda_available, default_n_points, rational_points, screen, stack_networks
from exactsym.experiments.sweep import SweepConfig, read_rows, sweep

ARCH = [2, 8, 8, 8, 1]
N_NETS = 256
REPORT = []


@pytest.fixture(scope="module")
def stacked():
    nets = [random_network(ARCH, seed=s) for s in range(N_NETS)]
    pts = rational_points(2, default_n_points(nets[0]), seed=0)
    return nets, stack_networks(nets), pts


@pytest.mark.parametrize("backend", ["numpy", pytest.param("cuda", marks=pytest.mark.skipif(
    not cuda_available(), reason="needs CuPy and a CUDA GPU"))])
def test_screen_throughput(benchmark, stacked, backend):
    """Networks screened per second: (2,8,8,8,1), 615 points (J is 615 x 177), float64 SVD ranks."""
    nets, layers, pts = stacked
    res = benchmark.pedantic(screen, args=(nets,), kwargs=dict(points=pts, layers=layers, backend=backend,
                                                               mask_nonsmooth=False),
                             rounds=3, iterations=1, warmup_rounds=1 if backend == "cuda" else 0)
    rate = N_NETS / benchmark.stats.stats.mean
    benchmark.extra_info.update(nets_per_second=round(rate, 1), n_points=len(pts), D=nets[0].D)
    REPORT.append(f"screen {backend}: {rate:.0f} networks/s for {tuple(ARCH)} with {len(pts)} points")
    assert (res.ranks <= nets[0].bound).all()


def _sweep_once(cfg, workers):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "b.csv")
        s = sweep(cfg, out, workers=workers)
        rows = read_rows(out)
    return s, rows


SMALL = dict(n0s=[2], widths=[3, 4], depths=[1, 2, 3], trials=8, max_regions=2000, region_time=20.0)


def test_certified_per_minute(benchmark):
    """Exact sweep rows per minute (each row: exact fdim, float rank, certify verdict)."""
    cfg = SweepConfig(**SMALL)
    s, rows = benchmark.pedantic(_sweep_once, args=(cfg, 1), rounds=1, iterations=1)
    per_min = len(rows) / benchmark.stats.stats.mean * 60
    decided = sum(r["full"] != "" for r in rows)
    benchmark.extra_info.update(rows=len(rows), decided=decided, rows_per_minute=round(per_min, 1))
    REPORT.append(f"sweep n0=2, widths 3,4, depths 1-3, 8 trials: {per_min:.0f} certified networks/min "
                  f"({decided}/{len(rows)} with fdim = D-H decided exactly)")


@pytest.mark.parametrize("workers", [1, 2])
def test_sweep_scaling(benchmark, workers):
    """Local process pool: the same sweep with 1 and 2 worker processes."""
    cfg = SweepConfig(**dict(SMALL, n0s=[2, 3], chunk=2))
    s, rows = benchmark.pedantic(_sweep_once, args=(cfg, workers), rounds=1, iterations=1)
    benchmark.extra_info.update(workers=workers, rows=len(rows), seconds=round(benchmark.stats.stats.mean, 2))
    REPORT.append(f"sweep scaling: {workers} worker(s): {benchmark.stats.stats.mean:.1f} s for {len(rows)} rows")


def teardown_module(module):
    if REPORT:
        print("\n" + "\n".join(REPORT))
