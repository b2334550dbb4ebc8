r"""Exact functional dimension from a decisive set (SPEC section 2).

Grigsby, Lindsey, Meyerhoff & Wu (arXiv 2209.04036): inside one activation
region :math:`F_{\theta'}(x) = M(\theta') x + c(\theta')` for :math:`\theta'`
near :math:`\theta`, so each Jacobian row :math:`\partial F_k(x)/\partial\theta`
is affine in :math:`x` there and the rows of a region are spanned by its rows
at :math:`n_0 + 1` affinely independent interior points. With a *complete*
region enumeration (:mod:`exactsym.regions`) the rank of the stacked
Jacobian at such points of every region is
:math:`\dim_{fun}(\theta) = \max_Z \mathrm{rank}\, J_Z` exactly.

Rank: mod a 61-bit prime p with FLINT ``nmod_mat`` (a lower bound over Q by
the modular lemma) giving r independent rows R and columns C; the exact
kernel of the rows R (``fmpz_mat.nullspace``) has dimension D - r, and each of
its vectors is checked to annihilate *every* row exactly, so
rank_Q = r. (Should a row fail, the prime was unlucky: the row is added
and the step repeats.)

Jacobian rows are built in integers: with :math:`d_l` the common denominator
of layer l, :math:`\tilde W_l = d_l W_l`, :math:`\tilde G_d = I`,
:math:`\tilde G_l = \tilde G_{l+1} \tilde W_{l+1} \Delta_l`, and the point
:math:`x = P/Q`, the row times :math:`Q \prod_l d_l` has the W-block entries
:math:`d_l \tilde G_l[k,i]\, \tilde a_{l-1}[j]` and the b-block entries
:math:`\tilde G_l[k,i]\, Q\, d_1\cdots d_l`, where
:math:`\tilde a_{l-1} = S_{l-1} Q\, a_{l-1}(x)` is an integer vector. Rows
scaled by positive numbers have the same kernel and rank.

Certificate ``fdim=r`` (checked by :mod:`exactsym.check.regions`)::

    {"format": "exactsym-cert/1", "claim": "fdim=r", "r": r, "network": ..., "network_sha256": ...,
     "domain": ..., "evidence": {"regions": <regions-complete evidence>,
       "decisive_points": [[point, ...] per region], "rows": [...], "columns": [...],
       "prime": P, "kernel": [[D rationals], ...], "digest": ...}}

rows index the stacked Jacobian: row = point_index * n_d + output, points in
the order of the flattened ``decisive_points``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from ..arrangement import decisive_points, domain_json, evidence_digest, regions
from ..network.model import Network
from ..network.numbers import fmt

__all__ = ["functional_dimension_decisive", "DecisiveResult", "jacobian_rows_int", "PRIME"]

#: 2^61 - 1, a Mersenne prime below 2^63 (SPEC 5)
PRIME = 2305843009213693951


@dataclass
class DecisiveResult:
    rank: int | None
    bound: int
    D: int
    H: int
    complete: bool
    reason: str | None
    kernel: list = field(default_factory=list)
    certificate: dict | None = None
    regions: object = None
    n_points: int = 0

    @property
    def exact(self) -> bool:
        return self.complete

    def to_dict(self) -> dict:
        return {"rank": self.rank, "bound": self.bound, "D": self.D, "H": self.H, "n_points": self.n_points,
                "exact": self.complete, "complete": self.complete, "reason": self.reason,
                "regions": None if self.regions is None else len(self.regions.regions),
                "kernel_dimension": len(self.kernel) if self.complete else None}


def _layer_ints(net: Network):
    return net.integer_layers()


def jacobian_rows_int(net: Network, pattern, points, layers=None) -> list[list[int]]:
    """Integer rows, each a positive multiple of an exact Jacobian row (see module docstring).

    ``points``: rational points of the region with this ``pattern``; returns
    ``len(points) * n_d`` rows, row = point_index * n_d + output.
    """
    if layers is None:
        layers = _layer_ints(net)
    d = net.depth
    arch = net.architecture
    # G~ blocks from the top: G~_d = I (n_d x n_d)
    nd = arch[-1]
    G = [None] * (d + 1)
    G[d] = [[int(i == k) for i in range(nd)] for k in range(nd)]
    h_off = [0]
    for l in range(1, d):
        h_off.append(h_off[-1] + arch[l])
    for l in range(d - 1, 0, -1):
        Wn = layers[l][0]          # W~_{l+1}
        mask = [pattern[h_off[l - 1] + j] > 0 for j in range(arch[l])]
        Gn = G[l + 1]
        G[l] = [[sum(g[i] * Wn[i][j] for i in range(len(g))) if mask[j] else 0 for j in range(arch[l])]
                for g in Gn]
    S = [1]
    for l in range(d):
        S.append(S[-1] * layers[l][2])
    rows = []
    for x in points:
        Q = 1
        for v in x:
            Q = Q * v.denominator // math.gcd(Q, v.denominator)
        a = [int(v * Q) for v in x]      # a~_0 = P
        acts = [a]
        for l in range(1, d):
            Wl, bl, dl = layers[l - 1]
            # S_l Q z_l = W~_l a~_{l-1} + b~_l S_{l-1} Q
            z = [sum(w * v for w, v in zip(row, a)) + bi * S[l - 1] * Q for row, bi in zip(Wl, bl)]
            a = [v if pattern[h_off[l - 1] + j] > 0 else 0 for j, v in enumerate(z)]
            acts.append(a)
        for k in range(nd):
            row = []
            for l in range(1, d + 1):
                g = G[l][k]
                dl = layers[l - 1][2]
                al = acts[l - 1]
                for gi in g:
                    f = dl * gi
                    row.extend(f * aj for aj in al)
                fb = Q * S[l]
                row.extend(gi * fb for gi in g)
            rows.append(row)
    return rows


def _pivots(rref_mat, nrows, ncols):
    out = []
    ent = rref_mat.entries()
    for i in range(nrows):
        for j in range(ncols):
            if int(ent[i * ncols + j]) != 0:
                out.append(j)
                break
    return out


def functional_dimension_decisive(net: Network, box=None, max_regions: int | None = None,
                                  time_limit: float | None = None, progress: bool = False,
                                  prime: int = PRIME, result=None) -> DecisiveResult:
    """Exact :math:`\\dim_{fun}(\\theta)` on R^n0 or ``[lo, hi]^n0`` from a decisive set.

    Returns a :class:`DecisiveResult`; ``complete`` is True only when the region
    enumeration is certified complete, and then ``rank`` is the functional
    dimension with an ``fdim=r`` certificate and ``kernel`` holds D - r exact
    kernel vectors. Otherwise ``rank`` is the exact rank on the regions
    found (a lower bound) and ``reason`` says why.
    """
    import flint
    res = result if result is not None else regions(net, box=box, max_regions=max_regions,
                                                     time_limit=time_limit, progress=progress)
    D, H = net.D, net.H
    if not res.regions:
        return DecisiveResult(None, net.bound, D, H, False, res.reason, regions=res)
    if any(0 in reg.pattern for reg in res.regions):
        # theta -> F(theta, x) is not differentiable where a pre-activation vanishes identically
        return DecisiveResult(None, net.bound, D, H, False, "a neuron vanishes identically on a region "
                              "(no parameter-smooth points there): no decisive set", regions=res)
    dps = decisive_points(res)
    layers = _layer_ints(net)
    J = []
    for reg, pts in zip(res.regions, dps):
        J.extend(jacobian_rows_int(net, reg.pattern, pts, layers))
    npts = sum(len(g) for g in dps)
    m = len(J)
    # modular rank and independent rows (pivot columns of J^T)
    JT = flint.nmod_mat([[J[i][j] % prime for i in range(m)] for j in range(D)], prime)
    rr, r = JT.rref()
    rows = _pivots(rr, r, m)
    while True:
        Jr = flint.nmod_mat([[v % prime for v in J[i]] for i in rows], prime)
        rr2, r2 = Jr.rref()
        cols = _pivots(rr2, r2, D)
        Z = flint.fmpz_mat([J[i] for i in rows]) if rows else flint.fmpz_mat(0, D)
        if rows:
            N, nullity = Z.nullspace()
            Nent = N.entries()
            kernel = [[int(Nent[i * D + c]) for i in range(D)] for c in range(nullity)]
        else:
            kernel = [[int(i == c) for i in range(D)] for c in range(D)]
        # every row must annihilate every kernel vector exactly
        bad = None
        if kernel:
            K = flint.fmpz_mat([[kernel[c][i] for c in range(len(kernel))] for i in range(D)])
            prod = flint.fmpz_mat(J) * K
            pe = prod.entries()
            nk = len(kernel)
            for i in range(m):
                if any(pe[i * nk + c] != 0 for c in range(nk)):
                    bad = i
                    break
        if bad is None:
            break
        rows = sorted(set(rows) | {bad})   # unlucky prime: extend and redo exactly
        prime = next_prime_after(prime)
        JT = flint.nmod_mat([[J[i][j] % prime for i in rows] for j in range(D)], prime)
        rr, r = JT.rref()
        rows = [rows[i] for i in _pivots(rr, r, len(rows))]
    r = len(rows)
    assert r == D - len(kernel)
    out = DecisiveResult(r, net.bound, D, H, res.complete, res.reason, kernel=kernel, regions=res,
                         n_points=npts)
    if res.complete:
        ev = {"regions": res.evidence(),
              "decisive_points": [[[fmt(v) for v in x] for x in g] for g in dps],
              "rows": rows, "columns": cols, "prime": prime,
              "kernel": [[fmt(Fraction(v)) for v in vec] for vec in kernel]}
        ev["digest"] = evidence_digest(ev)
        out.certificate = {"format": "exactsym-cert/1", "claim": "fdim=r", "r": r, "network": net.to_dict(),
                           "network_sha256": net.sha256(), "domain": domain_json(res.box), "evidence": ev}
    else:
        out.reason = f"lower bound only: region enumeration incomplete ({res.reason})"
    return out


def next_prime_after(p: int) -> int:
    import flint
    q = p - 2
    while q > 3:
        if flint.fmpz(q).is_prime():
            return q
        q -= 2
    raise ValueError("no prime")
