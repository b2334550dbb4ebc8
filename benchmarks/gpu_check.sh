#!/usr/bin/env bash
# One short check for a machine with an NVIDIA GPU: the CUDA (CuPy) screen
# must agree with numpy, and both are timed. Exit status 0 only if they agree.
#
#   bash benchmarks/gpu_check.sh            # installs cupy-cuda12x if missing (needs network)
#   NO_INSTALL=1 bash benchmarks/gpu_check.sh
#
# Runs from the repository root; writes gpu_check.json into $OUT (or .).
set -euo pipefail
cd "$(dirname "$0")/.."
OUTDIR="${OUT:-.}"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || { echo "no NVIDIA GPU visible"; exit 2; }
if ! python3 -c "import cupy" 2>/dev/null; then
  if [ -z "${NO_INSTALL:-}" ]; then python3 -m pip install -q cupy-cuda12x || true; fi
fi
python3 -c "import exactsym" 2>/dev/null || python3 -m pip install -q -e . >/dev/null
timeout 540 python3 - "$OUTDIR" <<'EOF'
import json, sys, time
import numpy as np
from exactsym.network.generate import random_network
from exactsym.experiments.screen import (batched_jacobians, batched_ranks, default_n_points, get_backend,
                             rational_points, screen, stack_networks)

cp = get_backend("cuda")          # clear error if CuPy or the GPU is missing
out = {"device": cp.cuda.runtime.getDeviceProperties(0)["name"].decode(), "cases": []}
ok = True
for arch, n in [([2, 8, 8, 8, 1], 1024), ([3, 16, 16, 16, 16, 1], 48), ([2, 8, 8, 8, 1], 8192)]:
    nets = [random_network(arch, seed=s) for s in range(n)]
    L = stack_networks(nets)
    pts = rational_points(arch[0], default_n_points(nets[0]), seed=0)
    X = np.array([[float(v) for v in p] for p in pts])
    # identical Jacobians (same float64 arithmetic up to summation order)
    Jn = batched_jacobians([(W[:8], b[:8]) for W, b in L], X)
    Jc = batched_jacobians([(cp.asarray(W[:8]), cp.asarray(b[:8])) for W, b in L], X, xp=cp)
    jac_err = float(np.abs(cp.asnumpy(Jc) - Jn).max() / max(1.0, np.abs(Jn).max()))
    t = {}
    ranks = {}
    for be in ("numpy", "cuda"):
        screen(nets[:16], points=pts, backend=be, mask_nonsmooth=False)   # warm-up (CUDA context, plans)
        if be == "cuda":
            cp.cuda.Device().synchronize()
        t0 = time.perf_counter()
        r = screen(nets, points=pts, layers=L, backend=be, mask_nonsmooth=False)
        if be == "cuda":
            cp.cuda.Device().synchronize()
        t[be] = time.perf_counter() - t0
        ranks[be] = r.ranks
    diff = int((ranks["numpy"] != ranks["cuda"]).sum())
    maxdiff = int(np.abs(ranks["numpy"] - ranks["cuda"]).max())
    # ranks may differ only where a singular value sits at the tolerance
    case_ok = jac_err < 1e-12 and diff <= max(1, n // 100) and maxdiff <= 1
    ok &= case_ok
    case = {"arch": arch, "networks": n, "points": len(pts), "jacobian_rel_err": jac_err,
            "rank_mismatches": diff, "numpy_s": round(t["numpy"], 3), "cuda_s": round(t["cuda"], 3),
            "numpy_nets_per_s": round(n / t["numpy"], 1), "cuda_nets_per_s": round(n / t["cuda"], 1),
            "speedup": round(t["numpy"] / t["cuda"], 2), "ok": case_ok}
    out["cases"].append(case)
    print(json.dumps(case), flush=True)
out["ok"] = bool(ok)
with open(f"{sys.argv[1]}/gpu_check.json", "w") as f:
    json.dump(out, f, indent=1)
print("GPU CHECK", "PASSED" if ok else "FAILED")
sys.exit(0 if ok else 1)
EOF
