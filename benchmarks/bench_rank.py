"""Benchmarks for the rank kernel and exact functional dimension (issue 3).

Run: ``python3 -m pytest benchmarks/bench_rank.py --benchmark-only``
(or ``python3 benchmarks/bench_rank.py`` for interleaved timings and ratios).

(a) rank kernel vs python-flint ``nmod_mat.rank`` on the same 2000 x 2000
    integer Jacobian mod p;
(b) end-to-end exact ``fdim >= D - H`` certificate for (4,30,30,30,1)
    (D = 2041, D - H = 1951) on ~1.1 (D - H) seeded rational points, vs a
    numpy float Jacobian + ``numpy.linalg.matrix_rank`` on the same points;
(c) peak memory (max RSS of a fresh process) of both runs in (b).

Deficits (issue 11), each against its float peer in the same run:

(d) plain Kaiming (4,30,30,30,1), entries multiples of 1/256, 2146 N(0,1)
    dyadic points, a true deficit: the whole CLI process
    ``exactsym fdim NET --points PTS --json`` (exact batch rank with an exact
    kernel) against numpy's float Jacobian + ``matrix_rank`` in process;
(e) the same with full float32 weights (as trained models have);
(f) a torch ``jacobian`` + ``matrix_rank`` script on (e) (skipped when torch
    is absent);
(g) trained models (torch, float32 weights at full precision, scikit-learn's
    iris and digits as the batch): the exact CLI against the float peers.
Peak memory of each process is ``/usr/bin/time``'s max RSS.
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


# ---- deficits (issue 11) ------------------------------------------------------------

def deficit_files(arch=(4, 30, 30, 30, 1), seed=2, n=2146, kind="q", out=None):
    """Write NET and PTS for a deficit case; ``kind`` "q" (1/256 entries) or "f32" (float32 weights)."""
    import tempfile
    from fractions import Fraction
    from exactsym import Network, random_network
    from exactsym.arrangement.patterns import sample_points
    from exactsym.network.io import save_network, save_points
    arch = list(arch)
    if kind == "f32":
        rng = np.random.default_rng(seed)
        layers = []
        for l in range(1, len(arch)):
            W = rng.normal(0, (2 / arch[l - 1]) ** .5, (arch[l], arch[l - 1] + 1)).astype(np.float32)
            layers.append(([[Fraction(float(v)) for v in row[:-1]] for row in W],
                           [Fraction(float(row[-1])) for row in W]))
        net = Network(arch, layers)
    else:
        net = random_network(arch, seed=seed)
    pts, _ = sample_points(net, n, seed=seed)
    out = out or tempfile.mkdtemp(prefix="bench_fdim_")
    fn, fp = os.path.join(out, f"{kind}{seed}.net.json"), os.path.join(out, f"{kind}{seed}.pts.json")
    save_network(net, fn)
    save_points(pts, fp)
    return net, pts, fn, fp


def exact_cli(fn, fp, timeout=600):
    """Wall seconds, max RSS (KiB) and the JSON answer of the whole CLI process."""
    env = dict(os.environ, PYTHONPATH=ROOT, OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    cmd = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "exactsym", "fdim", fn, "--points", fp,
           "--json", "--seed", "0", "--quiet"]
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "timeout": timeout}
    dt = time.perf_counter() - t
    return {"seconds": dt, "peak_kib": int(p.stderr.strip().splitlines()[-1]), **json.loads(p.stdout)}


def float_in_process(net, pts):
    t = time.perf_counter()
    r = float_fdim(net, pts)
    return {"seconds": time.perf_counter() - t, "rank": r}


_TORCH_SCRIPT = r"""
import sys, time, json, torch
net = json.load(open(sys.argv[1])); pts = json.load(open(sys.argv[2]))
from fractions import Fraction
Ws = [torch.tensor([[float(Fraction(v)) for v in row] for row in L["W"]], dtype=torch.float64) for L in net["layers"]]
bs = [torch.tensor([float(Fraction(v)) for v in L["b"]], dtype=torch.float64) for L in net["layers"]]
X = torch.tensor([[float(Fraction(v)) for v in x] for x in pts["points"]], dtype=torch.float64)
t = time.perf_counter()
from torch.func import jacrev, vmap
params = tuple(p for W, b in zip(Ws, bs) for p in (W, b))
def f(ps, x):
    a = x
    for i in range(0, len(ps), 2):
        a = ps[i] @ a + ps[i + 1]
        if i + 2 < len(ps):
            a = torch.relu(a)
    return a
jac = vmap(jacrev(f), in_dims=(None, 0))(params, X)       # per point: (n_d, *param shape)
n = X.shape[0]
J = torch.cat([j.reshape(n * j.shape[1], -1) for j in jac], 1)   # row i * n_d + k
r = int(torch.linalg.matrix_rank(J))
print(json.dumps({"seconds": time.perf_counter() - t, "rank": r}))
"""


def torch_script(fn, fp):
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    if fn.endswith(".pt"):   # the script reads the exact JSON form (same float32 values)
        from exactsym.network.io import load_network, save_network
        js = fn[:-3] + ".net.json"
        save_network(load_network(fn), js)
        fn = js
    # one thread, like the other two sides: on this shared 2-core box torch's default 2 threads
    # ran 5x slower under load (21.8 s vs 3.9 s for the same Jacobian and SVD)
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    p = subprocess.run([sys.executable, "-c", _TORCH_SCRIPT, fn, fp], capture_output=True, text=True, check=True,
                       env=env)
    return json.loads(p.stdout)


def trained_files(name, out=None):
    """A model trained here with torch on a scikit-learn dataset, float32 weights at full precision,
    saved as a ``.pt`` state_dict, and its training inputs as the batch: ``"iris"`` (4,16,16,3) on 150
    points, ``"digits"`` (64,32,32,10) on 1,797 points (integer pixels 0..16), ``"wine"`` (13,32,32,3)
    on 178 standardised points (float32; a wide batch: 534 rows, 1,603 parameters). None without
    torch/sklearn."""
    import tempfile
    try:
        import torch
        from sklearn.datasets import load_digits, load_iris, load_wine
    except ImportError:
        return None
    from exactsym.network.io import load_network, load_points
    data, arch, epochs = {"iris": (load_iris, [4, 16, 16, 3], 500),
                          "digits": (load_digits, [64, 32, 32, 10], 300),
                          "wine": (load_wine, [13, 32, 32, 3], 400)}[name]
    d = data()
    if name == "wine":   # standardised features, as a user would train on them
        d.data = ((d.data - d.data.mean(0)) / d.data.std(0)).astype(np.float32)
    torch.manual_seed(0)
    mods = []
    for a, b in zip(arch[:-1], arch[1:]):
        mods += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*mods[:-1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    X, y = torch.tensor(d.data, dtype=torch.float32), torch.tensor(d.target)
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
    out = out or tempfile.mkdtemp(prefix="bench_fdim_")
    fn, fp = os.path.join(out, f"{name}.pt"), os.path.join(out, f"{name}.pts.json")
    torch.save(model.state_dict(), fn)
    with open(fp, "w") as f:
        json.dump({"format": "exactsym-points/1", "points": [[repr(float(v)) for v in x] for x in d.data]}, f)
    return load_network(fn), load_points(fp), fn, fp


DEFICIT_CASES = {"d-1/256-seed2": dict(seed=2, kind="q"), "e-float32-seed2": dict(seed=2, kind="f32"),
                 "d-1/256-seed0": dict(seed=0, kind="q"), "trained-iris": dict(trained="iris"),
                 "trained-digits": dict(trained="digits"), "trained-wine": dict(trained="wine")}


def case_files(kw):
    return trained_files(kw["trained"]) if "trained" in kw else deficit_files(**kw)


@pytest.mark.benchmark(group="d-deficit")
@pytest.mark.parametrize("case", sorted(DEFICIT_CASES))
def test_d_deficit_exact_cli_vs_float(benchmark, case):
    files = case_files(DEFICIT_CASES[case])
    if files is None:
        pytest.skip("the trained cases need torch and scikit-learn")
    net, pts, fn, fp = files
    res = {}

    def run():
        res["exact"] = exact_cli(fn, fp, timeout=300)
        res["float"] = float_in_process(net, pts)
    benchmark.pedantic(run, rounds=1, iterations=1)
    e, f = res["exact"], res["float"]
    benchmark.extra_info.update(exact_s=e["seconds"], float_s=f["seconds"], exact_rank=e.get("rank"),
                                exact=e.get("exact"), float_rank=f["rank"],
                                ratio=None if e["seconds"] is None else e["seconds"] / f["seconds"])
    print(json.dumps(benchmark.extra_info))


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


def main_deficit(cases=None):
    """(d)-(f): one interleaved run per case (exact CLI process, then float in process)."""
    for name, kw in DEFICIT_CASES.items():
        if cases and name not in cases:
            continue
        files = case_files(kw)
        if files is None:
            print(f"{name}: skipped (needs torch and scikit-learn)")
            continue
        net, pts, fn, fp = files
        e = exact_cli(fn, fp, timeout=600)
        f = float_in_process(net, pts)
        tt = torch_script(fn, fp)
        ratio = "n/a (timeout)" if e["seconds"] is None else f"{e['seconds'] / f['seconds']:.2f}"
        print(f"{name}: exact CLI {e['seconds'] and round(e['seconds'], 2)} s (rank {e.get('rank')}, "
              f"exact {e.get('exact')}, peak {e.get('peak_kib', 0) / 1024:.0f} MiB), float in process "
              f"{f['seconds']:.2f} s (rank {f['rank']}), ratio {ratio}"
              + ("" if tt is None else f", torch {tt['seconds']:.2f} s (rank {tt['rank']})"))


def main_seeds(seeds=range(10)):
    """The hard case at scale: plain Kaiming (4,30,30,30,1), seeds 0-9, 1/256 and float32 weights
    (every seed is rank-deficient); exact CLI against numpy in process, ratio per network."""
    rows = []
    for kind in ("q", "f32"):
        for seed in seeds:
            net, pts, fn, fp = deficit_files(seed=seed, kind=kind)
            e = exact_cli(fn, fp, timeout=600)
            f = float_in_process(net, pts)
            ok = e.get("exact") and e.get("rank") == f["rank"]
            rows.append((kind, seed, e.get("rank"), e["seconds"], f["seconds"], e["seconds"] / f["seconds"], ok))
            print(f"{kind} seed {seed}: rank {e.get('rank')} exact {e.get('exact')} {e['seconds']:.2f} s, "
                  f"float {f['seconds']:.2f} s (rank {f['rank']}), ratio {e['seconds'] / f['seconds']:.2f}", flush=True)
    for kind in ("q", "f32"):
        r = sorted(x[5] for x in rows if x[0] == kind)
        print(f"{kind}: median ratio {r[len(r) // 2]:.2f}, max {r[-1]:.2f}, all exact and equal to float: "
              f"{all(x[6] for x in rows if x[0] == kind)}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["deficit"]:
        main_deficit(sys.argv[2:])
    elif sys.argv[1:2] == ["seeds"]:
        main_seeds()
    else:
        main()
