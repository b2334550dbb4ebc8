r"""Construct parameter settings with full functional dimension, with certificates.

Grigsby, Lindsey & Rolnick (ICML 2023) prove that every architecture with
:math:`n_l \ge n_0` for all hidden layers has parameter settings without
hidden symmetries, hence with :math:`\dim_{fun} = D - H`; Grillo & Montufar
(2026) extend the attainment of :math:`D - H` to every architecture whose
input and hidden widths are all :math:`\ge 2`. This module finds such
settings *explicitly* for concrete architectures:

1. **float proposes**: seeded random networks are screened in one batch
   (:func:`exactsym.screen.screen`) on a shared batch Z of dyadic points;
   candidates are ordered by float rank, then by how far the (D-H)-th
   singular value sits above the tolerance;
2. **exact decides**: for the best candidates, the exact batch rank on the
   same Z (:func:`exactsym.fdim.functional_dimension`), whose ``fdim>=r``
   certificate (a minor nonzero mod p, modular lemma) is re-verified by the
   standard-library checker. ``r = D - H`` proves :math:`\dim_{fun} = D - H`
   (D - H is an upper bound).

Width-1 bottlenecks need not attain D - H (a width-1 layer passes a
one-dimensional signal, collapsing parameter directions); for them the
largest certified rank found is reported (a lower bound on the generic
functional dimension of the architecture, not a proof that it is maximal).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass

__all__ = ["construct", "ConstructResult", "default_grid", "classify", "construct_grid"]

INITS = ("kaiming", "uniform", "int:3")


@dataclass
class ConstructResult:
    architecture: list
    kind: str              # wide | narrow | bottleneck (see classify)
    D: int
    H: int
    bound: int
    rank: int              # largest certified batch rank found (a lower bound on dim_fun)
    full: bool             # rank == D - H: fdim = D - H proven
    seed: int | None
    init: str | None
    float_rank: int | None
    screened: int          # networks screened with floats
    exact_tries: int       # exact ranks computed
    certificate: str | None = None
    check: str | None = None
    seconds: float = 0.0

    def to_dict(self):
        return asdict(self)


def classify(arch) -> str:
    """``bottleneck`` (a hidden width 1), ``narrow`` (all hidden widths >= 2, some < n0), ``wide`` (all >= n0)."""
    hidden = list(arch[1:-1])
    if hidden and min(hidden) == 1:
        return "bottleneck"
    if hidden and min(hidden) < arch[0]:
        return "narrow"
    return "wide"


def default_grid(max_n0: int = 3, max_width: int = 5, max_depth: int = 4) -> list[list[int]]:
    """Architectures for :func:`construct_grid`.

    * uniform widths ``(n0, w^k, 1)`` with ``n0 <= max_n0``, ``w <= max_width``,
      ``k <= max_depth`` (``w >= n0``: the Grigsby-Lindsey-Rolnick case; ``2 <=
      w < n0``: the Grillo-Montufar case; ``w = 1``: bottlenecks);
    * a few mixed-width architectures of the last two kinds.
    """
    grid = []
    for n0 in range(1, max_n0 + 1):
        for w in range(1, max_width + 1):
            for k in range(1, max_depth + 1):
                grid.append([n0] + [w] * k + [1])
    mixed = [[3, 4, 2, 1], [3, 2, 4, 1], [3, 5, 2, 5, 1], [3, 2, 2, 3, 1], [2, 3, 1, 3, 1],
             [2, 1, 3, 1], [3, 4, 1, 4, 1], [1, 3, 1, 3, 1]]
    for a in mixed:
        if a[0] <= max_n0 and max(a[1:-1]) <= max_width and len(a) - 2 <= max_depth:
            grid.append(a)
    out, seen = [], set()
    for a in grid:
        if tuple(a) not in seen:
            seen.add(tuple(a))
            out.append(a)
    return out


def _name(arch) -> str:
    return "-".join(map(str, arch))


def _decisive_points(net, max_regions, time_limit):
    """Flat list of decisive points (SPEC 2), or None when the enumeration is incomplete."""
    try:
        from ..arrangement import decisive_points, regions
    except ImportError:
        return None
    reg = regions(net, box=None, max_regions=max_regions, time_limit=time_limit, progress=False)
    if not reg.complete:
        return None
    return [x for group in decisive_points(reg) for x in group]


def _climb(net, points, rounds: int, pop: int, seed: int, denominator: int, backend: str):
    """Float hill climbing on the screening rank (a proposal mechanism only).

    Each round draws ``pop`` perturbations ``theta + sigma g`` (g Gaussian,
    entries rounded to multiples of 1/denominator, sigma shrinking from 1/2)
    of the current network, screens them in one batch, and moves to the best
    one if its float rank (then its separation from the tolerance) is larger.
    Returns ``(network, float_rank)``; nothing here is a claim.
    """
    from fractions import Fraction

    import numpy as np

    from ..network.model import Network
    from .screen import screen
    rng = np.random.default_rng([seed, 0xC11B])
    cur = net
    s0 = screen([cur], points=points, backend=backend)
    cur_key = (int(s0.ranks[0]), float(s0.smin_ratio[0]))
    theta = np.array([float(v) for v in cur.flat()])
    for r in range(rounds):
        if cur_key[0] == cur.bound:
            break
        sigma = 0.5 * (0.85 ** r)
        cand = []
        for _ in range(pop):
            t = np.rint((theta + sigma * rng.normal(size=theta.shape)) * denominator).astype(np.int64)
            cand.append(Network.from_flat(cur.architecture, [Fraction(int(v), denominator) for v in t]))
        sc = screen(cand, points=points, backend=backend)
        i = int(np.lexsort((-sc.smin_ratio, -sc.ranks))[0])
        key = (int(sc.ranks[i]), float(sc.smin_ratio[i]))
        if key > cur_key:
            cur, cur_key = cand[i], key
            theta = np.array([float(v) for v in cur.flat()])
    return cur, cur_key[0]


def construct(arch, n_seeds: int = 64, inits=INITS, n_points: int | None = None, point_seed: int = 0,
              max_exact: int = 6, backend: str = "numpy", outdir: str | None = None,
              denominator: int = 256, climb_rounds: int = 40, climb_pop: int = 32,
              decisive_regions: int = 3000, decisive_time: float = 20.0) -> ConstructResult:
    """Find and certify a setting of ``arch`` with the largest functional dimension found.

    Stages, each only when the previous ones did not certify D - H:

    1. for each init in ``inits``: screen seeds ``0..n_seeds-1`` on a batch Z
       (``n_points``, default :func:`exactsym.screen.default_n_points`), then
       exact ranks for at most ``max_exact`` candidates (best float first);
    2. a batch 8 times larger (each region adds at most ``(n0 + 1) n_d`` to
       the rank, so narrow-input networks need many points);
    3. float hill climbing (:func:`_climb`) from the best candidate, then an
       exact rank of the result.

    Every exact rank below D - H is retried on a decisive set when the
    region enumeration fits ``decisive_regions`` / ``decisive_time`` (0: off).

    ``outdir``: write the best ``fdim>=r`` certificate there as
    ``<arch>.json``, re-checked with :func:`exactsym.check.check_certificate`.
    """
    import numpy as np

    from ..check import check_certificate
    from ..network.generate import random_network
    from ..rank.fdim import functional_dimension
    from .screen import default_n_points, rational_points, screen
    t0 = time.perf_counter()
    arch = list(arch)
    probe = random_network(arch, seed=0)
    bound = probe.bound
    P0 = n_points or default_n_points(probe)
    best = None  # (rank, seed, init, float_rank, fd, net)
    screened = tries = 0

    def exact(net, points, seed, init, frank):
        nonlocal best, tries
        tries += 1
        fd = functional_dimension(net, points=points)
        if fd.rank < bound and decisive_regions:
            # the random batch may miss regions: a decisive set (n0 + 1 points
            # in every region of a certified enumeration) has rank dim_fun
            dec = _decisive_points(net, decisive_regions, decisive_time)
            if dec:
                fd2 = functional_dimension(net, points=dec)
                if fd2.rank > fd.rank:
                    fd = fd2
        if best is None or fd.rank > best[0]:
            best = (int(fd.rank), seed, init, int(frank), fd, net)
        return fd.rank == bound

    for P in ([P0, 8 * P0] if not n_points else [P0]):
        points = rational_points(arch[0], P, seed=point_seed)
        for init in inits:
            nets = [random_network(arch, seed=s, init=init, denominator=denominator) for s in range(n_seeds)]
            scr = screen(nets, points=points, backend=backend)
            screened += len(nets)
            # float proposes: highest float rank first, then best separated from the tolerance
            order = np.lexsort((-scr.smin_ratio, -scr.ranks))
            for i in order[:max_exact]:
                if best is not None and scr.ranks[i] < best[0]:
                    break  # below the best certified rank: not worth exact work
                if exact(nets[i], points, int(i), init, scr.ranks[i]):
                    break
            if best[0] == bound:
                break
        if best[0] == bound:
            break
    if best[0] < bound and climb_rounds > 0:
        start = best[5]
        net, frank = _climb(start, points, climb_rounds, climb_pop, seed=point_seed,
                            denominator=denominator, backend=backend)
        screened += climb_rounds * climb_pop
        if net is not start:
            exact(net, points, best[1], f"{best[2]}+climb", frank)
    rank, seed, init, frank, fd, net = best
    res = ConstructResult(architecture=arch, kind=classify(arch), D=probe.D, H=probe.H, bound=bound,
                          rank=rank, full=rank == bound, seed=seed, init=init, float_rank=frank,
                          screened=screened, exact_tries=tries)
    if outdir and rank > 0:
        os.makedirs(outdir, exist_ok=True)
        path = os.path.join(outdir, f"{_name(arch)}.json")
        cert = fd.certificate
        with open(path + ".tmp", "w") as f:
            json.dump(cert, f, separators=(",", ":"))
        os.replace(path + ".tmp", path)
        chk = check_certificate(cert)
        if not chk.valid:
            raise AssertionError(f"own certificate for {_name(arch)} fails the checker: {chk.reason}")
        res.certificate, res.check = path, f"valid: {chk.claim}"
    res.seconds = round(time.perf_counter() - t0, 3)
    return res


def construct_grid(archs, outdir: str | None = None, progress=None, **kw) -> list[ConstructResult]:
    """:func:`construct` for every architecture; ``progress(i, n, result)`` after each."""
    out = []
    for i, a in enumerate(archs):
        r = construct(a, outdir=outdir, **kw)
        out.append(r)
        if progress:
            progress(i + 1, len(archs), r)
    return out


def summary_table(results) -> str:
    """Markdown table of construct results."""
    lines = ["| architecture | kind | D | H | D-H | certified rank | full | init | seed | float rank |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {_name(r.architecture)} | {r.kind} | {r.D} | {r.H} | {r.bound} | {r.rank} | "
                     f"{'yes' if r.full else 'no'} | {r.init} | {r.seed} | {r.float_rank} |")
    return "\n".join(lines) + "\n"


SUMMARY_HEADER = (
    "# Constructed parameter settings (exactsym construct)\n\n"
    "Each row: the largest batch rank certified (`fdim>=r`, modular lemma; re-checked by "
    "`exactsym check`) for a network proposed by float screening of random seeds (and float hill "
    "climbing where needed). Where the random batch fell short, the exact rank was recomputed on a "
    "decisive set (n0 + 1 points in every region of a certified enumeration), so `certified rank` "
    "can exceed `float rank` (the screening rank on the random batch). `full = yes` proves "
    "dim_fun = D - H for that network. For `no` rows the rank is only what this search found, not "
    "an upper bound for the architecture. Kinds: `wide` all hidden widths >= n0; `narrow` all >= 2 "
    "but some < n0 (Grillo-Montufar); `bottleneck` a width-1 layer.\n\n")


def write_summary(results, outdir: str) -> str:
    """Write ``summary.md`` and ``summary.json`` into ``outdir``; returns the markdown table."""
    os.makedirs(outdir, exist_ok=True)
    table = summary_table(results)
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(SUMMARY_HEADER + table)
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump([r.to_dict() for r in results], f, indent=1)
    return table
