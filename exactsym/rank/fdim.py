r"""Exact batch functional dimension (SPEC section 2) and the ``fdim>=r`` certificate.

For smooth rational points :math:`Z` the batch Jacobian
:math:`J_Z = \partial E_Z / \partial\theta` is a rational
:math:`(|Z| n_d) \times D` matrix; the batch functional dimension is
:math:`\operatorname{rank}_{\mathbb Q} J_Z`.

Method.

1. Exact labels of the points (:mod:`exactsym.patterns`).
2. A random prime p (:func:`exactsym.rank.random_prime`) dividing no
   denominator of theta or Z. Jacobian rows are computed mod p by the C
   kernel and streamed into an online elimination mod p that stops at the
   cap :math:`D - \operatorname{rank} S` (S = the H scaling generators, which
   lie in :math:`\ker J_Z` for every Z; when every incoming row is nonzero the
   cap is :math:`D - H`).
3. Modular lemma: :math:`\operatorname{rank}_{\mathbb F_p} \le
   \operatorname{rank}_{\mathbb Q} \le` cap. Reaching the cap makes the rank
   exact, and the rows/pivot columns of the elimination give a minor that is
   nonzero mod p: the ``fdim>=r`` certificate.
4. A deficit (modular rank below the cap) is settled exactly: a second,
   independent random prime (then 62-bit primes if the exact check finds
   the modular rank too low); for matrices up to ``FMPZ_RANK_LIMIT``
   entries the exact rank of the integer matrix (rows of :math:`J_Z`
   cleared of denominators) by FLINT ``fmpz_mat.rank``; at every size (up to
   ``EXACT_LIMIT``) ``D - r`` kernel vectors from FLINT's exact solve of
   :math:`M[I,P] X = M[I,F]`, each verified to satisfy :math:`J_Z v = 0`
   over :math:`\mathbb Z` for every row, which caps the rank at r; and the
   split of the kernel into the span of the scaling generators and the
   directions outside it.

:func:`float_rank` is the literature's float method (SVD rank with tolerance
:math:`s_{\max} \max(m, n)\,\varepsilon`), kept as a baseline to compare with.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..arrangement.patterns import batch_labels, sample_points
from ..network.model import Network
from ..network.numbers import common_denominator, fmt, parse_entry
from . import _modp
from .modular import blas_threads, random_prime, residues

__all__ = ["functional_dimension", "FdimResult", "float_rank", "float_jacobian",
           "modular_rank", "exact_jacobian", "default_n_points", "EXACT_LIMIT"]

#: Largest number of Jacobian entries (rows x D) settled with exact FLINT
#: arithmetic; beyond it a deficit is reported with ``exact=False``.
EXACT_LIMIT = 6_000_000
#: Rows per chunk streamed into the eliminator (memory: chunk x D words).
CHUNK_ROWS = 256


@dataclass
class FdimResult:
    r"""Batch functional dimension of a network on a point set.

    ``rank``: the certified lower bound (rank mod ``prime``); equal to the
    exact rational rank of the batch when ``exact`` is true. ``rows``/``pivots``:
    independent Jacobian rows (``i * n_d + k``: output k at point i) and the
    pivot columns (flat parameter indices); ``J[rows, pivots]`` is invertible
    mod ``prime``. ``kernel``: when deficient and settled, a basis of
    :math:`\ker J_Z` (integer vectors); ``kernel_extra``: those of its vectors
    that, added to the scaling generators, complete a basis of the kernel —
    the directions *not* explained by the scaling symmetry;
    ``kernel_in_scaling_span[i]``: whether ``kernel[i]`` is a combination of
    the scaling generators (``scaling_rank`` = dimension of their span, all
    of which lies in the kernel, checked exactly).
    """
    rank: int
    bound: int
    D: int
    H: int
    n_points: int
    exact: bool
    rows: list
    pivots: list
    prime: int
    points: list
    labels: np.ndarray
    cap: int = 0
    scaling_rank: int = 0
    second_prime: int | None = None
    second_rank: int | None = None
    flint_rank: int | None = None
    kernel: list | None = None
    kernel_scaling_in_kernel: bool | None = None
    kernel_extra: list | None = None
    kernel_in_scaling_span: list | None = None
    rejected: list = field(default_factory=list)
    note: str = ""
    certificate: dict | None = None
    method: str = ""
    kernel_info: dict | None = None
    box: object = None

    @property
    def deficient(self) -> bool:
        return self.rank < self.bound

    def to_dict(self) -> dict:
        d = {"rank": self.rank, "bound": self.bound, "D": self.D, "H": self.H,
             "n_points": self.n_points, "exact": self.exact, "prime": self.prime,
             "cap": self.cap, "scaling_rank": self.scaling_rank,
             "second_prime": self.second_prime, "second_rank": self.second_rank,
             "flint_rank": self.flint_rank,
             "kernel_dimension": self.D - self.rank if self.exact else None,
             "kernel_outside_scaling": None if self.kernel_extra is None else len(self.kernel_extra),
             "rejected_points": len(self.rejected), "note": self.note}
        return d


def default_n_points(net: Network) -> int:
    """About ``1.1 (D - H)`` rows: ``ceil(1.1 * bound / n_d) + n0 + 1`` points."""
    return math.ceil(1.1 * net.bound / net.n_out) + net.n0 + 1


def _denominators(net: Network, points) -> set:
    ds = {q.denominator for q in net.flat()}
    for x in points:
        ds.update(q.denominator for q in x)
    ds.discard(1)
    return ds


def modular_rank(net: Network, points, labels, p: int, target: int | None = None,
                 force_u64: bool = False, block: int = 128, eliminator=None):
    """Stream the Jacobian rows mod p of ``points`` into an eliminator; returns it.

    ``labels``: the exact ±1 patterns (int8 ``(n, H)``). Passing an existing
    ``eliminator`` continues it (row indices continue from its ``rows_seen``).
    """
    D, nd = net.D, net.n_out
    theta = residues(net.flat(), p)
    if eliminator is None:
        tgt = net.bound if target is None else target
        eliminator = _modp.Eliminator(D, min(tgt, D), p, force_u64=force_u64, block=block)
    if eliminator.done or not len(points):
        return eliminator
    step = max(1, CHUNK_ROWS // nd)
    buf = np.empty((step * nd, D), dtype=np.uint64)
    lab = np.ascontiguousarray(labels, dtype=np.int8)
    for s in range(0, len(points), step):
        chunk = points[s:s + step]
        X = np.empty((len(chunk), net.n0), dtype=np.uint64)
        for i, x in enumerate(chunk):
            X[i] = residues(x, p)
        out = buf[:len(chunk) * nd]
        _modp.jacobian_modp(net.architecture, theta, p, X,
                            np.ascontiguousarray(lab[s:s + len(chunk)]).reshape(len(chunk), net.H), out)
        with blas_threads():
            eliminator.add_rows(out)
        if eliminator.done:
            break
    return eliminator


def exact_jacobian(net: Network, points, labels=None) -> list:
    r"""Exact integer matrix whose rows are the rows of :math:`J_Z` times positive integers.

    Integer-only back-propagation (independent of the C kernel): with
    :math:`W_l = A_l / q_l`, :math:`b_l = c_l / q_l` (``q_l`` the lcm of the layer's
    denominators) and :math:`x = \alpha_0 / \sigma_0`, the activations are
    :math:`a_l = \alpha_l / \sigma_l` with :math:`\sigma_l = q_l \sigma_{l-1}`,
    :math:`\alpha_l = \Delta_l (A_l \alpha_{l-1} + c_l \sigma_{l-1})`, and
    :math:`G_l = \Gamma_l / \tau_l` with :math:`\Gamma_d = I`, :math:`\tau_d = 1`,
    :math:`\Gamma_l = \Gamma_{l+1} A_{l+1} \Delta_l`, :math:`\tau_l = q_{l+1} \tau_{l+1}`.
    Row ``k`` is multiplied by ``L = lcm_l(tau_l sigma_{l-1})``, which keeps the
    row space and the kernel. ``labels``: the exact ±1 patterns (computed
    exactly when omitted).
    """
    d = net.depth
    A, C, q = (list(t) for t in zip(*net.integer_layers()))
    M = []
    for t, x in enumerate(points):
        x = [Fraction(v) for v in x]
        lab = list(net.labels(x)) if labels is None else [int(s) for s in labels[t]]
        if 0 in lab:
            raise ValueError(f"point {t} is not smooth")
        s0 = 1
        for v in x:
            s0 = s0 * v.denominator // math.gcd(s0, v.denominator)
        alpha = [[int(v * s0) for v in x]]
        sigma = [s0]
        h = 0
        for l in range(1, d):
            Al, cl, sp = A[l - 1], C[l - 1], sigma[-1]
            ap = alpha[-1]
            z = [sum(w * a for w, a in zip(row, ap)) + c * sp for row, c in zip(Al, cl)]
            alpha.append([v if lab[h + j] > 0 else 0 for j, v in enumerate(z)])
            sigma.append(q[l - 1] * sp)
            h += len(z)
        nd = net.n_out
        Gam = [None] * (d + 1)
        tau = [0] * (d + 1)
        G = [[int(i == k) for i in range(nd)] for k in range(nd)]
        ta = 1
        hh = net.H
        for l in range(d, 0, -1):
            Gam[l], tau[l] = G, ta
            if l > 1:
                Al = A[l - 1]
                hh -= net.architecture[l - 1]
                mask = lab[hh:hh + net.architecture[l - 1]]
                G = [[sum(g[i] * Al[i][j] for i in range(len(g))) if mask[j] > 0 else 0
                      for j in range(len(mask))] for g in G]
                ta = ta * q[l - 1]
        L = 1
        for l in range(1, d + 1):
            den = tau[l] * sigma[l - 1]
            L = L * den // math.gcd(L, den)
        for k in range(nd):
            row = []
            for l in range(1, d + 1):
                g = Gam[l][k]
                fw = L // (tau[l] * sigma[l - 1])
                fb = L // tau[l]
                al = [fw * v for v in alpha[l - 1]]
                for gi in g:
                    row.extend([gi * v for v in al] if gi else [0] * len(al))
                row.extend([fb * gi for gi in g])
            M.append(row)
    return M


def _rank_q(vectors) -> int:
    import flint
    if not vectors:
        return 0
    return flint.fmpq_mat([[flint.fmpq(q.numerator, q.denominator) if isinstance(q, Fraction) else q
                            for q in v] for v in vectors]).rank()


#: Up to this many Jacobian entries a deficit is also confirmed by FLINT's
#: fraction-free ``fmpz_mat.rank`` of the whole batch matrix (slow for big,
#: deep matrices); the kernel certificate below is computed at every size.
FMPZ_RANK_LIMIT = 400_000


def _settle(net, points, res: FdimResult, labels=None):
    r"""Exact rank and kernel of the batch Jacobian (deficits only).

    With ``I`` = ``res.rows`` and ``P`` = ``res.pivots`` from the elimination
    (so :math:`M[I, P]` is invertible mod p, hence over :math:`\mathbb Q`), and
    ``F`` the other columns: FLINT solves :math:`M[I,P] X = M[I,F]` exactly
    (Dixon lifting), and for each free column f the vector v with
    :math:`v_P = -X_{:,f}`, :math:`v_f = 1` (scaled to integers) is checked to
    satisfy :math:`M v = 0` for **every** row of the batch, over
    :math:`\mathbb Z`. These ``D - r`` vectors are independent (identity on
    F), so :math:`\operatorname{rank}_{\mathbb Q} J_Z \le r`; with the
    nonzero minor, the rank is exactly r. Returns r, or None when a check
    fails or the matrix exceeds ``EXACT_LIMIT``.
    """
    import flint

    from ..network.group import scaling_generators
    D = net.D
    nrows = len(points) * net.n_out
    if nrows * D > EXACT_LIMIT:
        res.note = (f"deficit not settled exactly: {nrows} x {D} exceeds EXACT_LIMIT; "
                    f"rank is a certified lower bound")
        return None
    Mlist = exact_jacobian(net, points, labels) if nrows else []
    M = flint.fmpz_mat(Mlist) if nrows else None
    r = res.rank
    if nrows and nrows * D <= FMPZ_RANK_LIMIT:
        res.flint_rank = M.rank()
        if res.flint_rank != r:
            res.note = f"FLINT rank {res.flint_rank} differs from the modular rank {r}"
            return res.flint_rank
    piv = list(res.pivots)
    pset = set(piv)
    free = [c for c in range(D) if c not in pset]
    nf = len(free)
    V = [[0] * nf for _ in range(D)]  # columns: kernel vectors
    if r:
        A = flint.fmpz_mat([[Mlist[i][c] for c in piv] for i in res.rows])
        B = flint.fmpz_mat([[Mlist[i][c] for c in free] for i in res.rows]) if nf else None
        if nf:
            N, den = A.solve(B).numer_denom()
            for a, c in enumerate(piv):
                for j in range(nf):
                    V[c][j] = -int(N[a, j])
            for j, c in enumerate(free):
                V[c][j] = int(den)
    else:
        for j, c in enumerate(free):
            V[c][j] = 1
    if nrows and nf:
        if not _is_zero(M * flint.fmpz_mat(V)):
            res.note = "a kernel vector fails J v = 0 over Q (unlucky primes); rank not settled"
            return None
    K = [_primitive([V[i][j] for i in range(D)]) for j in range(nf)]
    S = scaling_generators(net)
    if S and nrows:
        St = flint.fmpq_mat(D, len(S), [flint.fmpq(S[j][i].numerator, S[j][i].denominator)
                                        for i in range(D) for j in range(len(S))])
        res.kernel_scaling_in_kernel = _is_zero(flint.fmpq_mat(M) * St)
        if not res.kernel_scaling_in_kernel:
            raise AssertionError("a scaling generator is not in ker J_Z: internal error")
    else:
        res.kernel_scaling_in_kernel = True
    _split_kernel(net, res, K, S)
    res.exact = True
    return r


def _split_kernel(net, res, K, S) -> None:
    """Set ``res.kernel = K`` and split it against the scaling generators S.

    Kernel directions outside the span of S: greedy mod p over [S; K]; a
    modular rank equal to the row count proves the chosen rows independent
    over Q, and dim ker - rank S of them are needed.
    """
    D, nf = net.D, len(K)
    p = res.prime if res.prime < 2 ** 63 else 1048583
    Sint = []
    for v in S:
        L = common_denominator(v)
        Sint.append([int(q * L) for q in v])
    stack = Sint + K
    extra = []
    if stack:
        e = _modp.Eliminator(D, min(D, len(stack)), _odd_prime(p))
        Rm = np.array([[c % e.p for c in v] for v in stack], dtype=np.uint64)
        with blas_threads():
            e.add_rows(np.ascontiguousarray(Rm))
        ind = e.independent_rows
        extra = [K[i - len(Sint)] for i in ind if i >= len(Sint)]
        if len([i for i in ind if i < len(Sint)]) != res.scaling_rank or \
                len(extra) != nf - res.scaling_rank:
            extra = None  # the prime hid a dependency: leave the split undecided
    res.kernel = K
    res.kernel_extra = extra
    if S and nf and nf * D <= 200_000:
        res.kernel_in_scaling_span = _in_span(Sint, K, res.scaling_rank, 1048583)


def _in_span(Sint, K, rank_S, p):
    """For each v in K: is v a rational combination of the integer rows Sint (of rank ``rank_S``)?

    Mod p first: when Sint has rank ``rank_S`` mod p and v does not reduce to 0, v is outside
    the span over Q too (a nonzero (rank_S + 1)-minor mod p is nonzero over Z). Otherwise exactly.
    """
    import flint

    from .blocks import ModSpan
    sp = ModSpan(len(Sint[0]), p)
    for v in Sint:
        sp.add([c % p for c in v])
    out, base, r0 = [], None, None
    for v in K:
        if sp.rank == rank_S and np.any(sp.reduce([c % p for c in v])):
            out.append(False)
            continue
        if base is None:
            base = [[flint.fmpq(c) for c in v] for v in Sint]
            r0 = flint.fmpq_mat(base).rank()
        out.append(flint.fmpq_mat(base + [[flint.fmpq(c) for c in v]]).rank() == r0)
    return out


#: Largest (D - r) x D for which the kernel basis of a multimodular settlement is
#: materialised as Python lists (``res.kernel``); beyond it only its dimension is kept
#: (building the lists costs more than the settlement itself on big networks).
KERNEL_LIST_LIMIT = 200_000


def _kernel_from_info(net, res, info) -> None:
    """The kernel basis of a multimodular settlement: unit vectors, generators, reconstructed n_c."""
    from ..network.group import scaling_generators
    from .kernel import structural_zero_columns
    D = net.D
    if (D - res.rank) * D > KERNEL_LIST_LIMIT:
        return
    Z = structural_zero_columns(net, res.points, res.labels)
    K = []
    for c in Z:
        v = [0] * D
        v[int(c)] = 1
        K.append(v)
    S = scaling_generators(net)
    for cols, ints in info.get("local_vectors", ()):
        v = [0] * D
        for c, x in zip(cols, ints):
            v[c] = x
        K.append(v)
    if "vectors" in info:
        C1, order, V = info["vectors"]
        for j, c in enumerate(C1):
            col = V[:, j]
            L = common_denominator(col)
            v = [0] * D
            v[c] = L
            for i, pc in enumerate(order):
                v[int(pc)] = int(col[i] * L)
            K.append(_primitive(v))
    # complete with the scaling generators independent of what is there (mod p: a lower bound
    # on the rank over Q, and D - r is the most there can be)
    pr = _odd_prime(res.prime)
    e = _modp.Eliminator(D, D - res.rank, pr)
    rows = [[c % pr for c in v] for v in K]
    Sint = []
    for g in S:
        L = common_denominator(g)
        Sint.append([int(q * L) for q in g])
    rows += [[c % pr for c in v] for v in Sint]
    if rows:
        with blas_threads():
            e.add_rows(np.ascontiguousarray(np.array(rows, dtype=np.uint64)))
    pick = [i for i in e.independent_rows if i >= len(K)]
    K = K + [Sint[i - len(K)] for i in pick]
    if len(K) != D - res.rank:
        return
    res.kernel_scaling_in_kernel = True  # a theorem (proofs/scaling-kernel.md)
    _split_kernel(net, res, K, S)


def _odd_prime(p: int) -> int:
    return p if p > 2 else 1048583


def _primitive(v: list) -> list:
    g = 0
    for c in v:
        g = math.gcd(g, c)
    return [c // g for c in v] if g > 1 else v


def _is_zero(A) -> bool:
    return all(A[i, j] == 0 for i in range(A.nrows()) for j in range(A.ncols()))


def _certificate(net: Network, res: FdimResult) -> dict:
    """The ``fdim>=r`` certificate: used points only, rows re-indexed, bound prime.

    The certificate's prime is derived from its content
    (:func:`exactsym.check.fdim.bound_prime`); the minor is re-checked mod
    that prime with the eliminator, and in the rare case it is singular
    there the (row, column) pairs are rotated, which changes the content
    and so the prime, but not the minor up to sign.
    """
    from ..check.shared.primes import bound_prime
    nd = net.n_out
    used = sorted({r // nd for r in res.rows})
    pos = {i: t for t, i in enumerate(used)}
    pts = [res.points[i] for i in used]
    labs = res.labels[used] if len(used) else np.zeros((0, net.H), dtype=np.int8)
    rows = [pos[r // nd] * nd + r % nd for r in res.rows]
    cols = [int(c) for c in res.pivots]
    dens = [q.denominator for q in net.flat()] + [q.denominator for x in pts for q in x]
    cert = {
        "format": "exactsym-cert/1", "claim": "fdim>=r", "r": res.rank,
        "network": net.to_dict(), "network_sha256": net.sha256(), "domain": _domain(res.box),
        "evidence": {"points": [[fmt(v) for v in x] for x in pts],
                     "labels": [[int(s) for s in lab] for lab in labs],
                     "rows": rows, "columns": cols, "prime": None},
    }
    for _ in range(64):
        P = bound_prime(cert, dens)
        if _minor_rank(net, pts, labs, rows, cols, P) == len(rows):
            cert["evidence"]["prime"] = P
            return cert
        rows = rows[1:] + rows[:1]
        cols = cols[1:] + cols[:1]
        cert["evidence"]["rows"], cert["evidence"]["columns"] = rows, cols
    raise RuntimeError("no bound prime with a nonzero minor")  # pragma: no cover


def _domain(box):
    from ..arrangement.evidence import domain_json
    return domain_json(box)


def _minor_rank(net, pts, labs, rows, cols, P) -> int:
    """Rank mod P of the minor J_Z[rows, cols] (C kernel, double path).

    Rows are streamed point chunk by point chunk (row order does not change
    whether the minor is singular), so memory stays O(r^2) words.
    """
    r = len(rows)
    if r == 0:
        return 0
    nd, D = net.n_out, net.D
    theta = residues(net.flat(), P)
    colidx = np.array(cols, dtype=np.intp)
    want = sorted(rows)
    e = _modp.Eliminator(r, r, P, block=128)
    step = max(1, CHUNK_ROWS // nd)
    lab = np.ascontiguousarray(labs, dtype=np.int8).reshape(len(pts), net.H)
    k = 0
    for s in range(0, len(pts), step):
        hi = min(len(pts), s + step)
        sel = []
        while k < r and want[k] < hi * nd:
            sel.append(want[k] - s * nd)
            k += 1
        if not sel:
            continue
        X = np.empty((hi - s, net.n0), dtype=np.uint64)
        for i in range(s, hi):
            X[i - s] = residues(pts[i], P)
        J = np.empty(((hi - s) * nd, D), dtype=np.uint64)
        _modp.jacobian_modp(net.architecture, theta, P, X, np.ascontiguousarray(lab[s:hi]), J)
        with blas_threads():
            e.add_rows(np.ascontiguousarray(J[np.array(sel, dtype=np.intp)][:, colidx]))
    return e.rank


def functional_dimension(net: Network, points=None, n_points: int | None = None, seed=None,
                         *, prime: int | None = None, settle: bool = True, extra_rounds: int = 1,
                         scale: float = 1.0, block: int = 128, box=None, progress=None,
                         time_limit: float | None = None, certificate: bool = True) -> FdimResult:
    """Batch functional dimension of ``net``, certified.

    ``points``: rational points (any entries :func:`exactsym.numbers.parse_entry`
    accepts); points on a bent hyperplane are rejected (listed in
    ``result.rejected``), never used. Without ``points``, ``n_points``
    (default :func:`default_n_points`) smooth points are sampled with
    ``seed``; when neither ``points`` nor ``n_points`` is given and the rank
    falls short, up to ``extra_rounds`` further batches of the same size are
    streamed into the same elimination before the deficit is settled.

    ``prime``: the elimination prime (default: random in
    ``PRIME_RANGES["double"]``, skipping divisors of denominators);
    ``settle=False`` skips the exact treatment of a deficit (then
    ``exact`` is true only when the rank reaches the cap). The certificate
    carries its own prime, derived from its content
    (:func:`exactsym.check.fdim.bound_prime`).

    ``box = (lo, hi)``: sampled points lie strictly inside ``(lo, hi)^n0``
    (uniform, dyadic); the certificate's domain is then the box.
    ``progress``: a callable taking one line (phase reports);
    ``time_limit``: seconds for settling a deficit (then ``exact`` may stay false).
    ``certificate=False``: skip building the ``fdim>=r`` certificate (and the re-check of
    its minor mod the certificate's own prime); the rank is proven by the elimination either way.
    """
    rng = random.Random(seed)
    D, H = net.D, net.H
    from ..network.group import scaling_generators
    S = scaling_generators(net)
    # cap = D - rank_Q(S): the generators lie in every ker J_Z
    scaling_rank = H if _incoming_rows_nonzero(net) else _rank_q(S)
    cap = D - scaling_rank
    for l, j in net.hidden_neurons():
        W, b = net.layers[l - 1]
        if not any(W[j]) and b[j] == 0:
            raise ValueError(f"hidden neuron ({l},{j}) has zero incoming weights and bias: its "
                             "pre-activation is identically 0, so no input point is smooth")
    rejected = []
    given = points is not None
    if given:
        pts = [tuple(parse_entry(v) for v in x) for x in points]
        for i, x in enumerate(pts):
            if len(x) != net.n0:
                raise ValueError(f"point {i} has {len(x)} coordinates, network input is {net.n0}")
        lab, _ = batch_labels(net, pts)
        good = np.all(lab != 0, axis=1) if H else np.ones(len(pts), dtype=bool)
        rejected = [pts[i] for i in np.nonzero(~good)[0]]
        pts = [pts[i] for i in np.nonzero(good)[0]]
        lab = lab[good]
    else:
        n = default_n_points(net) if n_points is None else int(n_points)
        try:
            pts, lab = _sample(net, n, rng.randrange(2 ** 63), scale, box)
        except RuntimeError as e:
            raise ValueError(f"{e} (every sampled point lay on a bent hyperplane)") from None
    dens = _denominators(net, pts)
    p = prime if prime is not None else random_prime(rng, "double", avoid=dens)
    if any(d % p == 0 for d in dens):
        raise ValueError(f"prime {p} divides a denominator")
    el = modular_rank(net, pts, lab, p, target=cap, block=block)
    rounds = 0
    while not given and n_points is None and not el.done and rounds < extra_rounds:
        rounds += 1
        try:
            more, mlab = _sample(net, len(pts), rng.randrange(2 ** 63), scale, box)
        except RuntimeError:
            break
        dm = _denominators(net, more)
        if any(d % p == 0 for d in dm):
            continue
        modular_rank(net, more, mlab, p, eliminator=el)
        pts = pts + more
        lab = np.concatenate([lab, mlab])
    if progress:
        progress(f"elimination: rank {el.rank} mod {p} of cap {cap} ({len(pts)} points)")
    res = FdimResult(rank=el.rank, bound=net.bound, D=D, H=H, n_points=len(pts),
                     exact=el.rank == cap, rows=el.independent_rows, pivots=el.pivots, prime=p,
                     points=pts, labels=lab, cap=cap, scaling_rank=scaling_rank, rejected=rejected)
    if not res.exact and settle:
        el = _settle_deficit(net, pts, lab, res, el, rng, p, progress,
                             None if time_limit is None else time.monotonic() + time_limit)
    del el  # free the O(cap x D) basis before the certificate's own check
    res.box = box
    if certificate:
        if progress:
            progress("certificate: checking the minor mod its bound prime")
        res.certificate = _certificate(net, res)
    return res


def _sample(net, n, seed, scale, box):
    """``n`` smooth points: N(0, scale^2) on R^n0, uniform strictly inside the box otherwise."""
    if box is None:
        return sample_points(net, n, seed=seed, scale=scale)
    from ..arrangement.patterns import batch_labels
    lo, hi = Fraction(box[0]), Fraction(box[1])
    den = 1 << max(16, (4 * n).bit_length())   # fine dyadic grid strictly inside (lo, hi)
    npr = np.random.default_rng(seed)
    span = int((hi - lo) * den)
    pts, labs = [], []
    for _ in range(100):
        need = n - len(pts)
        if need <= 0:
            break
        G = npr.integers(1, span, size=(need, net.n0))
        cand = [tuple(lo + Fraction(int(v), den) for v in row) for row in G]
        lab, _ = batch_labels(net, cand)
        good = np.all(lab != 0, axis=1) if net.H else np.ones(len(cand), dtype=bool)
        pts += [cand[i] for i in np.nonzero(good)[0]]
        labs += [lab[i] for i in np.nonzero(good)[0]]
    if len(pts) < n:
        raise RuntimeError("could not sample enough smooth points")
    return pts, np.array(labs, dtype=np.int8).reshape(n, net.H)


def _settle_deficit(net, pts, lab, res, el, rng, p, progress, deadline=None):
    """Settle a deficit exactly: multimodular kernel first (:mod:`.kernel`), FLINT solve as fallback.

    Returns the eliminator of the prime finally used (its basis is freed by the caller).
    """
    from .kernel import settle_multimodular
    used = [p]

    def primes():
        while True:
            q = random_prime(rng, "double", avoid=_denominators(net, pts), exclude=used)
            used.append(q)
            yield q

    gen = primes()
    eliminate = lambda q: modular_rank(net, pts, lab, q, target=res.cap)  # noqa: E731
    for _ in range(4):
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        status, info = settle_multimodular(net, pts, lab, el, eliminate, gen, progress=progress, time_limit=left)
        if status != "higher":
            break
        el = info   # an earlier prime was unlucky: keep the better witness
        res.rank, res.rows, res.pivots, res.prime = el.rank, el.independent_rows, el.pivots, el.p
        res.exact = el.rank == res.cap
        if res.exact:
            return el
    if status == "exact":
        res.exact = True
        res.method = _method(info)
        res.kernel_info = info
        if info.get("row_dependencies") is None:   # the row path computes no kernel vectors
            _kernel_from_info(net, res, info)
        return el
    res.note = info.get("why", "")
    if len(pts) * net.n_out * net.D <= EXACT_LIMIT and (deadline is None or time.monotonic() < deadline):
        if progress:
            progress("kernel: falling back to FLINT's exact solve")
        _settle(net, pts, res, lab)
        if res.exact:
            res.method = "FLINT exact solve on the pivot minor, J v = 0 checked over Z"
    return el


def _method(info) -> str:
    """One line: where the kernel vectors (or the row dependencies) of a settled deficit came from."""
    if info.get("row_dependencies") == 0:
        return "rank equals the number of rows (a bound for any matrix); no kernel basis computed"
    if info.get("row_dependencies") is not None:
        return (f"rank bounded by {info['row_dependencies']} row dependencies (FLINT's exact solve on the "
                "pivot minor), each verified y J = 0 in integer arithmetic; no kernel basis computed")
    k = info["reconstructed"]
    how = []
    if info.get("solved"):
        how.append("FLINT's solve on the pivot minor")
    if len(info["primes"]) > 1:
        how.append(f"CRT over {len(info['primes'])} primes")
    if info.get("padic"):
        how.append(f"p-adic lifting: {info['padic']}")
    rec = f"{k} reconstructed ({', '.join(how)})" if k else "none reconstructed"
    return (f"kernel basis: {info['zero_columns']} zero columns, {info['known']} known kernel vectors "
            f"(zero columns and scaling generators), {info.get('local', 0)} from local blocks, {rec}; "
            "each local or reconstructed vector verified J v = 0 in integer arithmetic")


def _incoming_rows_nonzero(net: Network) -> bool:
    r"""True when every hidden incoming row :math:`(W_l[j,:], b_l[j])` is nonzero.

    Then the H scaling generators are independent: the block
    :math:`[W_1 | b_1]` is touched only by the generators of layer 1, each
    in its own row, so their coefficients in a vanishing combination are 0;
    with those gone, :math:`[W_2 | b_2]` is touched only by layer-2
    generators, row by row; and so on up the layers.
    """
    for l, j in net.hidden_neurons():
        W, b = net.layers[l - 1]
        if not any(W[j]) and b[j] == 0:
            return False
    return True


def float_jacobian(net: Network, points) -> np.ndarray:
    """Float64 batch Jacobian (rows ``i * n_d + k``), patterns read off floats: the literature's method."""
    from ..arrangement.patterns import _float_layers
    fl = _float_layers(net)
    X = np.array([[float(v) for v in x] for x in points], dtype=np.float64).reshape(len(points), net.n0)
    n, nd = X.shape[0], net.n_out
    acts, masks = [X], []
    a = X
    for l in range(1, net.depth):
        W, b = fl[l - 1]
        z = a @ W.T + b
        masks.append(z > 0)
        a = np.where(z > 0, z, 0.0)
        acts.append(a)
    G = np.broadcast_to(np.eye(nd), (n, nd, nd)).copy()  # (point, output, neuron of layer l)
    blocks = [None] * (net.depth + 1)
    for l in range(net.depth, 0, -1):
        a = acts[l - 1]
        m, c = G.shape[2], a.shape[1]
        blk = np.empty((n, nd, m * c + m))
        blk[:, :, :m * c] = (G[:, :, :, None] * a[:, None, None, :]).reshape(n, nd, m * c)
        blk[:, :, m * c:] = G
        blocks[l] = blk
        if l > 1:
            G = (G @ fl[l - 1][0]) * masks[l - 2][:, None, :]
    return np.concatenate(blocks[1:], axis=2).reshape(n * nd, net.D)


def float_rank(net: Network, points) -> int:
    r"""Float SVD rank of the batch Jacobian, tolerance :math:`s_{\max}\max(m,n)\varepsilon`.

    This is ``numpy.linalg.matrix_rank``'s default and the method of the
    functional-dimension literature. A baseline only: it can be wrong
    either way, and nothing in exactsym rests on it.
    """
    J = float_jacobian(net, points)
    if J.size == 0:
        return 0
    return int(np.linalg.matrix_rank(J))
