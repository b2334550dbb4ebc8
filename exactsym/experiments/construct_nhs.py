r"""Theorem examples: two-hidden-layer settings with a checked ``no-hidden-symmetries`` certificate.

Grigsby, Lindsey & Rolnick (ICML 2023) prove that for every architecture
whose hidden widths are all at least :math:`n_0`, some parameters have no
hidden symmetries. For two hidden layers, :func:`construct_no_hidden`
exhibits such a parameter setting for a concrete architecture: it draws
seeded networks (centred initialisation first, then Kaiming), runs
:func:`exactsym.verdict.certify` (which applies the two-hidden-layer
criterion of ``proofs/deep-two-hidden-layers.md`` on :math:`\mathbb{R}^{n_0}`),
and keeps the first one whose certificate the trusted checker accepts.
Nothing is claimed for an architecture where no seed succeeds within the
budget: the result says so, with the hypothesis that failed most often.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["construct_no_hidden", "depth3_grid", "NhsResult", "coverage"]

INITS = ("centred", "kaiming")


@dataclass
class NhsResult:
    architecture: list
    certified: bool
    init: str | None = None
    seed: int | None = None
    tried: int = 0
    seconds: float = 0.0
    why_not: str | None = None
    certificate: dict | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {"architecture": self.architecture, "certified": self.certified, "init": self.init,
                "seed": self.seed, "tried": self.tried, "seconds": round(self.seconds, 2),
                "why_not": self.why_not}


def depth3_grid(n0s=(2, 3, 4), max_width: int = 6, outs=(1, 2)) -> list[list[int]]:
    """Architectures (n0, w, w, n3) with n0 <= w <= max_width: the paper's hypothesis, two hidden layers."""
    return [[n0, w, w, n3] for n0 in n0s for w in range(n0, max_width + 1) for n3 in outs]


def _make(arch, init, seed):
    from ..network.generate import centred_network, random_network
    return centred_network(arch, seed=seed) if init == "centred" else random_network(arch, seed=seed)


def _first_failure(res) -> str:
    for s in res.not_proven:
        if "global absence of hidden symmetries" in s:
            return s.split(": ", 1)[-1][:160]
    return res.reason[:160]


def construct_no_hidden(arch, n_seeds: int = 20, inits=INITS, time_limit: float = 30.0) -> NhsResult:
    """The first seeded setting of ``arch`` certified ``no-hidden-symmetries`` (checked), or why none was."""
    from ..check import check_certificate
    from ..verdict.certify import certify
    t0 = time.perf_counter()
    failures = Counter()
    tried = 0
    for init in inits:
        for seed in range(n_seeds):
            tried += 1
            res = certify(_make(arch, init, seed), seed=0, time_limit=time_limit)
            if res.verdict == "no-hidden-symmetries" and check_certificate(res.certificate).valid:
                return NhsResult(list(arch), True, init, seed, tried, time.perf_counter() - t0,
                                 certificate=res.certificate)
            failures[res.verdict if res.verdict == "hidden-symmetry" else _first_failure(res)] += 1
    why = "; ".join(f"{n}x {w}" for w, n in failures.most_common(2))
    return NhsResult(list(arch), False, None, None, tried, time.perf_counter() - t0, why_not=why)


def coverage(archs, seeds=range(4), inits=INITS, time_limit: float = 30.0, progress=None) -> list[dict]:
    """Per (architecture, init, seed): the verdict of ``certify`` (the coverage table of issue 14)."""
    from ..verdict.certify import certify
    rows = []
    for arch in archs:
        for init in inits:
            for seed in seeds:
                t = time.perf_counter()
                res = certify(_make(arch, init, seed), seed=0, time_limit=time_limit)
                rows.append({"architecture": "-".join(map(str, arch)), "n0": arch[0], "width": arch[1],
                             "n_out": arch[-1], "init": init, "seed": seed, "verdict": res.verdict,
                             "locally_identifiable": res.verdict in ("locally-identifiable", "no-hidden-symmetries"),
                             "certified": res.verdict == "no-hidden-symmetries",
                             "seconds": round(time.perf_counter() - t, 2)})
                if progress:
                    progress(rows[-1])
    return rows


def write_certificates(results, outdir) -> list[str]:
    """Write each certified setting's certificate as ``outdir/<arch>.json``; returns the paths."""
    import json
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for r in results:
        if r.certified:
            p = os.path.join(outdir, "-".join(map(str, r.architecture)) + ".json")
            with open(p, "w") as f:
                f.write(json.dumps(r.certificate, sort_keys=True) + "\n")
            paths.append(p)
    return paths
