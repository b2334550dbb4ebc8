"""Benchmarks for the rank kernel and exact functional dimension (issue 3).

Run: ``python3 -m pytest benchmarks/bench_rank.py --benchmark-only``
(or ``python3 benchmarks/bench_rank.py`` for interleaved timings and ratios).

(a) rank kernel vs python-flint ``nmod_mat.rank`` on the same 2000 x 2000
    integer Jacobian mod p;
(b) end-to-end exact ``fdim >= D - H`` certificate for (4,30,30,30,1)
    (D = 2041, D - H = 1951) on ~1.1 (D - H) seeded rational points, vs a
    numpy float Jacobian + ``numpy.linalg.matrix_rank`` on the same points;
(c) peak memory (max RSS of a fresh process) of both runs in (b).
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

ARCH = [4, 30, 30, 30, 1]
P = 1048583


def centred_network(arch=ARCH, seed=0):
    """The benchmark network: see exactsym.network.generate.centred_network (4000 samples)."""
    from exactsym.network.generate import centred_network as make
    return make(arch, seed=seed, n_samples=4000)


def fdim_inputs(seed=0):
    from exactsym.arrangement.patterns import sample_points
    net = centred_network(seed=seed)
    n = int(np.ceil(1.1 * net.bound))
    pts, _ = sample_points(net, n, seed=seed)
    return net, pts


def jacobian_2000(seed=0):
    """2000 x 2000 integer matrix: Jacobian rows mod P of (4,30,30,30,1) at 2000 points, first 2000 columns."""
    from exactsym.rank import _modp
    from exactsym.arrangement.patterns import sample_points
    from exactsym.rank.modular import residues
    net = centred_network(seed=seed)
    pts, lab = sample_points(net, 2000, seed=seed + 1)
    X = np.array([residues(x, P) for x in pts], dtype=np.uint64)
    J = np.empty((2000, net.D), dtype=np.uint64)
    _modp.jacobian_modp(net.architecture, residues(net.flat(), P), P, X, lab, J)
    return np.ascontiguousarray(J[:, :2000])


def ours_rank(M):
    from exactsym.rank.modular import rank_mod_p
    return rank_mod_p(M, P).rank


def ours_fdim(net, pts):
    from exactsym.rank.fdim import functional_dimension
    res = functional_dimension(net, points=pts, seed=0)
    assert res.exact and res.rank == net.bound and res.certificate["evidence"]["prime"]
    return res.rank


def float_fdim(net, pts):
    from exactsym.rank.fdim import float_jacobian
    return int(np.linalg.matrix_rank(float_jacobian(net, pts)))


# ---- pytest-benchmark -------------------------------------------------------------

@pytest.fixture(scope="module")
def J2000():
    return jacobian_2000()


@pytest.fixture(scope="module")
def fdim_case():
    return fdim_inputs()


@pytest.mark.benchmark(group="a-rank-2000")
def test_a_rank_kernel(benchmark, J2000):
    r = benchmark.pedantic(ours_rank, args=(J2000,), rounds=5, iterations=1)
    import flint
    assert r == flint.nmod_mat(J2000.tolist(), P).rank()


@pytest.mark.benchmark(group="a-rank-2000")
def test_a_flint_nmod_mat_rank(benchmark, J2000):
    import flint
    F = flint.nmod_mat(J2000.tolist(), P)  # construction not timed
    benchmark.pedantic(F.rank, rounds=5, iterations=1)


@pytest.mark.benchmark(group="b-fdim-4-30-30-30-1")
def test_b_exact_fdim_certificate(benchmark, fdim_case):
    net, pts = fdim_case
    r = benchmark.pedantic(ours_fdim, args=(net, pts), rounds=3, iterations=1)
    assert r == net.bound == 1951


@pytest.mark.benchmark(group="b-fdim-4-30-30-30-1")
def test_b_float_jacobian_matrix_rank(benchmark, fdim_case):
    net, pts = fdim_case
    benchmark.pedantic(float_fdim, args=(net, pts), rounds=3, iterations=1)


_MEM_SCRIPT = r"""
import sys, time
sys.path.insert(0, {here!r})
import bench_rank as b
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])
net, pts = b.fdim_inputs()
import exactsym.rank.fdim, flint  # imports done before the measurement
base = status("VmRSS:")
with open("/proc/self/clear_refs", "w") as f:  # reset the peak (VmHWM) to the current RSS
    f.write("5")
t = time.perf_counter()
r = (b.ours_fdim if sys.argv[1] == "exact" else b.float_fdim)(net, pts)
dt = time.perf_counter() - t
print({{"rank": r, "seconds": dt, "peak_kib": status("VmHWM:"), "before_kib": base}})
"""


def peak_memory(method):
    out = subprocess.run([sys.executable, "-c", _MEM_SCRIPT.format(here=HERE), method],
                         capture_output=True, text=True, check=True).stdout
    return eval(out.strip().splitlines()[-1])


@pytest.mark.benchmark(group="c-peak-memory")
def test_c_peak_memory(benchmark):
    res = {}

    def run():
        res["exact"] = peak_memory("exact")
        res["float"] = peak_memory("float")
    benchmark.pedantic(run, rounds=1, iterations=1)
    for k, v in res.items():
        benchmark.extra_info[f"{k}_peak_MiB"] = round(v["peak_kib"] / 1024, 1)
        benchmark.extra_info[f"{k}_extra_MiB"] = round((v["peak_kib"] - v["before_kib"]) / 1024, 1)
    print(json.dumps(benchmark.extra_info))
    assert res["exact"]["rank"] == 1951


# ---- script mode: interleaved timings and ratios ------------------------------------

def main(rounds=3):
    import flint
    M = jacobian_2000()
    F = flint.nmod_mat(M.tolist(), P)
    net, pts = fdim_inputs()
    ta, tf, tb, tfl = [], [], [], []
    for _ in range(rounds):
        t = time.perf_counter(); ra = ours_rank(M); ta.append(time.perf_counter() - t)
        t = time.perf_counter(); rf = F.rank(); tf.append(time.perf_counter() - t)
        t = time.perf_counter(); rb = ours_fdim(net, pts); tb.append(time.perf_counter() - t)
        t = time.perf_counter(); rfl = float_fdim(net, pts); tfl.append(time.perf_counter() - t)
    assert ra == rf and rb == 1951
    med = lambda v: sorted(v)[len(v) // 2]
    print(f"(a) rank 2000x2000: ours {med(ta):.3f} s, flint nmod_mat.rank {med(tf):.3f} s, "
          f"ratio {med(ta) / med(tf):.2f} (rank {ra})")
    print(f"(b) fdim (4,30,30,30,1), {len(pts)} points: exact+certificate {med(tb):.3f} s, "
          f"float Jacobian+matrix_rank {med(tfl):.3f} s, ratio {med(tb) / med(tfl):.2f} "
          f"(exact {rb}, float {rfl})")
    for m in ("exact", "float"):
        r = peak_memory(m)
        print(f"(c) {m}: peak RSS {r['peak_kib'] / 1024:.1f} MiB "
              f"(+{(r['peak_kib'] - r['before_kib']) / 1024:.1f} MiB over the loaded inputs)")


if __name__ == "__main__":
    main()
