r"""Exact kernel of a batch Jacobian at BLAS speed (``proofs/modular-lemma.md`` §4).

Setting. :math:`J = J_Z` is the batch Jacobian (m x D, rational), p a prime
dividing no denominator, and the elimination mod p has seen *every* row of
J and returned rank r, pivot columns P and the fully reduced basis B
(:meth:`exactsym.rank._modp.Eliminator.basis_matrix`). F = the D - r other
columns. A nonzero r x r minor mod p proves :math:`\operatorname{rank}_{\mathbb Q} J \ge r`.
To prove :math:`\le r` it suffices to exhibit D - r vectors in
:math:`\ker_{\mathbb Q} J` whose restrictions to F are linearly independent.

Known kernel vectors, exact without computation:

* the H scaling generators (:func:`exactsym.network.group.scaling_generators`),
  in every :math:`\ker J_Z` (``proofs/scaling-kernel.md``);
* :math:`e_c` for every *structurally zero* column c: at every point of Z,
  either the input coordinate / activation that multiplies the parameter is
  0 (inactive neuron, or a zero input coordinate), or every path from the
  parameter's neuron to an output passes an inactive neuron or a zero
  weight (:func:`structural_zero_columns`); such a column is 0 exactly.

Their restrictions to F are row-reduced mod p; the k0 independent ones fix
pivots inside F, and the other k_u = D - r - k0 columns C1 of F are covered
by the reduced kernel vectors :math:`n_c` (``n_c[F] = e_c``), which are
unique over Q when the rank is r. Their pivot coordinates are
:math:`-B[:, c]`; they are recovered over Q by the Chinese remainder theorem
over further primes (each a full elimination of J with the same rank and F)
and rational reconstruction.

Verification (exact, no bigint Jacobian). Let :math:`w = L n_c` be an
integer vector and :math:`c_x = s_x \prod_l q_l` (``s_x`` the lcm of the
denominators of x, ``q_l`` of layer l), so :math:`c_x J_x` is an integer
row. By construction :math:`w \equiv L n_c^{(i)} \pmod{p_i}` with
:math:`n_c^{(i)} \in \ker (J \bmod p_i)`, so the integer
:math:`c_x J_{x,k} w` is divisible by :math:`N = \prod_i p_i`. It is smaller
than N in absolute value when :math:`N > c_x \|J_{x,k}\|_1 \|w\|_\infty`
(bounded by :func:`row_norm_bits`), hence it is 0: :math:`J w = 0` exactly.
The k0 known vectors and the k_u vectors :math:`n_c` restrict to F as an
invertible matrix mod p, so they are independent over Q: rank J = r.

Before reconstructing, the known vectors are enlarged by *local block*
vectors (:mod:`.blocks`; ``proofs/local-kernels.md``), each proven by an exact
Jacobian-vector product at every point; that check (Lemma LK2) also accepts
a reconstructed :math:`n_c` as soon as its reconstruction repeats for two
moduli, without waiting for the modulus to pass the bound.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np

from ..network.group import scaling_generators
from ..network.model import Network
from ..network.numbers import common_denominator
from . import _modp
from .modular import blas_threads, residues

__all__ = ["structural_zero_columns", "known_kernel_split", "reconstruct", "rational_reconstruct",
           "row_norm_bits", "settle_multimodular"]


def structural_zero_columns(net: Network, points, labels) -> np.ndarray:
    """Columns of :math:`J_Z` that are zero for a structural reason (see module docstring).

    ``R_l[x, i]``: neuron (l, i) is active at x and some nonzero weight leads
    to a reached neuron of layer l+1 (outputs are always reached); a
    parameter column is possibly nonzero iff at some point its neuron is
    reached and its input (activation, input coordinate or the bias's 1) is nonzero.
    """
    from .blocks import support
    nonzero_in, reach = support(net, points, labels)
    parts = []
    for l in range(1, net.depth + 1):
        parts.append(((reach[l].T.astype(np.int64) @ nonzero_in[l - 1].astype(np.int64)) > 0).ravel())
        parts.append(reach[l].any(axis=0))
    return np.nonzero(~np.concatenate(parts))[0]


def known_kernel_split(net: Network, zero_cols, free: list, p: int, span: bool = False):
    """Row-reduce the known kernel vectors restricted to the free columns ``free`` mod p.

    Returns ``(k0, C1)``: the number of independent known vectors and the
    free columns (global indices) they leave uncovered; with ``span=True``
    also the :class:`.blocks.ModSpan` of those restrictions.
    """
    from .blocks import ModSpan
    k = len(free)
    if k == 0:
        return (0, [], ModSpan(0, p)) if span else (0, [])
    rows = _known_rows(net, zero_cols, free, p)
    e = _modp.Eliminator(k, k, p)
    if rows:
        with blas_threads():
            e.add_rows(np.ascontiguousarray(np.array(rows, dtype=np.uint64)))
    covered = set(e.pivots)
    C1 = [free[t] for t in range(k) if t not in covered]
    if not span:
        return e.rank, C1
    sp = ModSpan(k, p)
    if e.rank and e.path != "double":
        return e.rank, C1, None
    if e.rank:
        piv = list(e.pivots)
        sp.rows = e.basis_matrix().astype(np.int64)[: len(piv)]
        sp.piv = piv
    return e.rank, C1, sp


def _known_rows(net: Network, units, free: list, p: int) -> list:
    """Restrictions to ``free`` mod p of the unit vectors e_c (c in ``units``, free columns) and of
    the scaling generators."""
    pos = {c: t for t, c in enumerate(free)}
    rows = []
    for c in units:
        row = np.zeros(len(free), dtype=np.uint64)
        row[pos[int(c)]] = 1   # zero columns are never pivots
        rows.append(row)
    for g in scaling_generators(net):
        rows.append(residues([g[c] for c in free], p))
    return rows


def rational_reconstruct(u: int, N: int):
    """The fraction a/b with a = b u mod N, |a|, b <= sqrt(N/2), gcd(b, N) = 1, or None."""
    if u == 0:
        return Fraction(0)
    bound = math.isqrt(N // 2)
    r0, r1, s0, s1 = N, u, 0, 1
    while r1 > bound:
        q = r0 // r1
        r0, r1 = r1, r0 - q * r1
        s0, s1 = s1, s0 - q * s1
    if s1 == 0 or abs(s1) > bound or math.gcd(s1, N) != 1:
        return None
    return Fraction(r1, s1)


def reconstruct(X: np.ndarray, N: int):
    """Entrywise rational reconstruction of an object array of residues mod N (None on failure)."""
    cache = {}
    out = np.empty(X.shape, dtype=object)
    flat, res = X.ravel(), out.ravel()
    for t, u in enumerate(flat):
        u = int(u)
        q = cache.get(u, False)
        if q is False:
            q = cache[u] = rational_reconstruct(u, N)
        if q is None:
            return None
        res[t] = q
    return out


def row_norm_bits(net: Network, points) -> int:
    r"""An integer b with :math:`c_x \|J_{x,k}\|_1 < 2^b` for every point x and output k.

    :math:`|G_l[k, a]| \le (|W_d| \cdots |W_{l+1}|)[k, a]` and
    :math:`|a_{l}| \le u_l = |W_l| u_{l-1} + |b_l|`, :math:`u_0 = |x|`;
    computed in float64 on nonnegative numbers (relative error far below the
    factor 2 added), so the bound is rigorous (``proofs/modular-lemma.md`` §4).
    """
    Wabs = [np.abs(np.array([[float(w) for w in row] for row in W], dtype=np.float64)) for W, _ in net.layers]
    babs = [np.abs(np.array([float(v) for v in b], dtype=np.float64)) for _, b in net.layers]
    X = np.abs(np.array([[float(v) for v in x] for x in points], dtype=np.float64)).reshape(len(points), net.n0)
    d = net.depth
    u = [X]
    for l in range(1, d):
        u.append(u[-1] @ Wabs[l - 1].T + babs[l - 1])
    g = [None] * (d + 1)
    g[d] = np.ones(net.n_out)
    G = np.eye(net.n_out)
    for l in range(d - 1, 0, -1):
        G = G @ Wabs[l]
        g[l] = G.max(axis=0) if G.size else np.zeros(0)
    bound = np.zeros(len(points))
    for l in range(1, d + 1):
        gl = g[l].sum() if l < d else 1.0
        bound += gl * (u[l - 1].sum(axis=1) + 1.0)
    qprod = 1   # prod_l q_l, q_l the common denominator of layer l
    for W, b in net.layers:
        qprod *= common_denominator([v for row in W for v in row] + list(b))
    qbits = qprod.bit_length()
    sbits = max((common_denominator(x).bit_length() for x in points), default=1)
    with np.errstate(over="ignore"):
        top = float(np.max(bound)) * 2.0 if len(points) else 1.0
    if not math.isfinite(top):
        return 1 << 30
    return qbits + sbits + max(1, math.ceil(math.log2(top + 1)))


def _pivot_block(el, cols):
    """(-B[:, cols]) mod p with basis rows sorted by pivot column; and that pivot order."""
    B = el.basis_matrix()
    piv = np.array(el.pivots, dtype=np.int64)
    order = np.argsort(piv)
    p = el.p
    blk = B[order][:, cols]
    return (p - blk) % p, piv[order]


#: CRT rounds (one full elimination each) are tried only while a round is cheap: rows x D x r
#: below this; otherwise the open directions go straight to p-adic lifting.
CRT_WORK_LIMIT = 2e10
#: ... and only for at most this many open directions (more are rarely all small).
CRT_MAX_OPEN = 4
#: Row dependencies (:func:`settle_by_rows`) are solved by FLINT up to this rank (an r x r solve),
#: and tried only when at least this many kernel directions are open (below it the column path is
#: cheap, and it also yields the kernel basis that ``fdim`` splits against the scaling generators).
ROW_SOLVE_RANK = 1000
ROWS_MIN_OPEN = 64
#: The minimal-support search (:mod:`.discover`) runs only while its mod-p matrices have at most
#: this many entries (8 bytes each).
DISCOVERY_ENTRIES = 3e7
#: Up to this rank the open directions are solved by FLINT on the pivot minor (fast in C for
#: small minors, where the p-adic loop would be all Python overhead).
SMALL_MINOR = 400


def settle_multimodular(net, points, labels, el, eliminate, primes, time_limit=None,
                        progress=None, max_primes: int = 16, crt_primes: int | None = None,
                        local_blocks: bool = True, small_minor: int | None = None):
    """Prove rank = ``el.rank`` exactly with the method of the module docstring.

    ``el``: the full elimination mod its prime (all rows seen); ``eliminate(p)``
    re-runs it mod another prime; ``primes``: an iterator of fresh primes.
    ``local_blocks``: look for local block kernels first (:mod:`.blocks`); ``crt_primes``: CRT
    rounds before p-adic lifting (default: 3 when a round is cheap and few directions are open, see
    ``CRT_WORK_LIMIT`` and ``CRT_MAX_OPEN``, else 0);
    ``small_minor``: up to this rank FLINT solves the open directions (default ``SMALL_MINOR``).
    When the batch has fewer dependent rows than open kernel directions (a wide Jacobian: few points,
    many parameters; see ``ROWS_MIN_OPEN``, ``ROW_SOLVE_RANK``), the rank is bounded by row
    dependencies instead (:func:`settle_by_rows`).
    Returns ``(status, info)``: status ``"exact"`` (rank proven, ``info`` has
    the kernel split), ``"higher"`` (a prime gave a larger rank: ``info`` is
    that eliminator), or ``"unsettled"`` (``info`` says why).
    """
    t0 = time.monotonic()
    if el.path != "double":   # the basis below must be fully reduced: redo it mod a double-path prime
        e = eliminate(next(primes))
        if e.rank > el.rank:
            return "higher", e
        if e.rank < el.rank or sorted(e.pivots) != sorted(el.pivots) or e.path != "double":
            return "unsettled", {"why": "no double-path prime reproduced the elimination"}
        el = e
    D, r, p = net.D, el.rank, el.p
    piv = set(el.pivots)
    n_rows = len(points) * net.n_out
    rows_ok = sorted(set(int(i) for i in el.independent_rows))
    if not (len(piv) == len(rows_ok) == len(el.pivots) == len(el.independent_rows) == r <= min(n_rows, D)
            and all(0 <= c < D for c in piv) and all(0 <= i < n_rows for i in rows_ok)):
        # the minor the rank rests on must be r x r, inside the matrix (referee: a rank that disagrees
        # with the eliminator's own lists would otherwise be reported)
        return "unsettled", {"why": "the elimination's rank, pivots and independent rows disagree"}
    free = [c for c in range(D) if c not in piv]
    Z = structural_zero_columns(net, points, labels)
    k0, C1, span = known_kernel_split(net, Z, free, p, span=True)
    info = {"zero_columns": len(Z), "known": k0, "local": 0, "reconstructed": len(C1), "primes": [p], "bits": 0}
    from .blocks import BatchFactors
    fac = BatchFactors(net, points, labels)
    if len(C1) >= ROWS_MIN_OPEN and n_rows - r <= len(C1) and r <= ROW_SOLVE_RANK:
        if progress:
            progress(f"kernel: {n_rows - r} row dependencies to prove (FLINT solve on the {r} x {r} pivot "
                     f"minor) instead of {len(C1)} open kernel directions")
        got = settle_by_rows(fac, el)
        if progress:
            progress("kernel: row dependencies " + ("verified" if got is not None else
                                                   "not verified; the kernel directions decide"))
        if got is not None:
            return "exact", dict(info, reconstructed=0, row_dependencies=got)
    if C1 and span is not None and local_blocks:
        from .blocks import local_kernel_vectors
        from .discover import column_groups, discovered_blocks, kernel_basis_mod

        def discovered(meta, zero_cols, sp, limit, deadline):
            if max(D, len(free)) * len(free) > DISCOVERY_ENTRIES:   # K (D x |F|) and E (|F| x |F|), int64
                return iter(())
            return discovered_blocks(lambda: kernel_basis_mod(el.basis_matrix(), el.pivots, free, p, D),
                                     column_groups(meta, zero_cols), sp, limit, deadline)
        found = local_kernel_vectors(net, points, labels, p, free, span, zero_cols=Z, progress=progress,
                                     factors=fac, deadline=None if time_limit is None else t0 + time_limit,
                                     discovered=discovered)
        info["local"], info["local_vectors"] = len(found), found
        covered = set(span.piv)
        C1 = [free[t] for t in range(len(free)) if t not in covered]
        info["reconstructed"] = len(C1)
    if not C1:
        return _finish(net, info, free, Z, [], p)
    X, order = _pivot_block(el, C1)

    def check(c, col):
        """J n_c = 0 exactly, for the candidate pivot coordinates ``col`` of n_c (Jacobian-vector product)."""
        L = common_denominator(col)
        return fac.annihilates([c] + [int(v) for v in order], [L] + [int(v * L) for v in col])

    cols = _Columns(X, p, row_norm_bits(net, points), check=lambda j, col: check(C1[j], col))
    if r <= (SMALL_MINOR if small_minor is None else small_minor):
        got = _solve_small(fac, el, C1, order, check)
        if got is not None:
            info["solved"] = len(C1)
            info["vectors"] = (C1, order, got)
            return _finish(net, info, free, Z, C1, p)
    if crt_primes is None:   # CRT pays only if it finishes every direction; p-adic is set up anyway
        crt_primes = 3 if len(C1) <= CRT_MAX_OPEN and len(points) * net.n_out * D * r < CRT_WORK_LIMIT else 0
    for _ in range(min(max_primes, crt_primes)):
        if time_limit is not None and time.monotonic() - t0 > time_limit:
            return "unsettled", dict(info, why="time limit during kernel reconstruction")
        q = next(primes)
        e = eliminate(q)
        if e.rank > r:
            return "higher", e
        if e.rank < r or sorted(e.pivots) != sorted(piv):
            continue  # this prime is unlucky for the minor: skip it
        info["primes"].append(q)
        cols.add(_pivot_block(e, C1)[0], q)
        if progress:
            progress(f"kernel: {len(info['primes'])} primes, {cols.N.bit_length()} bits, "
                     f"{cols.n_done} of {len(C1)} directions proven")
        if cols.all_done:
            info["bits"] = cols.N.bit_length()
            info["vectors"] = (C1, order, cols.result())
            return _finish(net, info, free, Z, C1, p)
    # the directions CRT did not settle: p-adic lifting (one inverse, then cheap steps)
    from .padic import lift_directions
    rest = [j for j in range(len(C1)) if j not in cols.done]
    deadline = None if time_limit is None else t0 + time_limit
    got = lift_directions(net, points, labels, el, [C1[j] for j in rest], cols.need, primes,
                          reconstruct, lambda t, col: check(C1[rest[t]], col), deadline=deadline,
                          progress=progress)
    for t, j in enumerate(rest):
        if t in got:
            cols.done[j] = got[t]
    info["padic"] = len(got)
    if cols.all_done:
        info["bits"] = cols.N.bit_length()
        info["vectors"] = (C1, order, cols.result())
        return _finish(net, info, free, Z, C1, p)
    return "unsettled", dict(info, why=f"kernel not reconstructed ({cols.n_done} of {len(C1)} directions, "
                                       f"{len(info['primes'])} primes and p-adic lifting)")


def settle_by_rows(fac, el):
    r"""Prove :math:`\operatorname{rank} J \le r` by row dependencies (``proofs/local-kernels.md`` §4a).

    With I the r rows independent mod p and P the pivots, every other row t is a rational combination
    of the rows I on the columns P: :math:`\tilde J[I,P]^{\mathsf T} c_t = \tilde J[t,P]^{\mathsf T}`
    (FLINT's exact solve; :math:`\tilde J = \operatorname{diag}(c_x) J`, integer rows). The integer
    vector :math:`y_t = L_t(e_t - \sum_i c_{t,i} e_{I_i})` is accepted only if
    :math:`y_t^{\mathsf T}\tilde J = 0` on every column (:meth:`.blocks.BatchFactors.left_annihilates`).
    The accepted :math:`y_t` are independent (each is :math:`L_t \ne 0` at its own row t and 0 at the
    other rows outside I), so the left kernel of :math:`\tilde J` (and of J: the row scaling is
    invertible) has dimension at least the number of rows minus r. Returns that number, or None.
    """
    import flint

    from .blocks import _block_rows_int
    m_rows = len(fac.points) * fac.net.n_out
    I = [int(i) for i in el.independent_rows]
    inI = set(I)
    T = [t for t in range(m_rows) if t not in inI]
    if not T:
        return 0
    P = sorted(int(c) for c in el.pivots)
    allp = np.arange(len(fac.points))
    A = _block_rows_int(fac.meta, fac.exact, P, allp, I)
    B = _block_rows_int(fac.meta, fac.exact, P, allp, T)
    try:
        X = flint.fmpz_mat(A.T.tolist()).solve(flint.fmpz_mat(B.T.tolist()))
    except ZeroDivisionError:
        return None
    for j, t in enumerate(T):
        c = [Fraction(int(X[i, j].p), int(X[i, j].q)) for i in range(len(I))]
        L = common_denominator(c)
        y = [0] * m_rows
        y[t] = L
        for i, ci in zip(I, c):
            y[i] = -int(ci * L)
        if y[t] == 0 or any(y[u] for u in T if u != t) or not fac.left_annihilates(y):
            return None
    return len(T)


def _finish(net, info, free, Z, C1, p):
    """The span hypothesis of ``proofs/local-kernels.md`` Theorem LK3, recounted from the accepted
    vectors themselves (not from the bookkeeping that chose C1): the restrictions to the free columns
    of the zero columns, the generators, the local vectors and the reconstructed :math:`n_c`
    (which restrict to :math:`e_c`) must have rank ``len(free)`` mod p."""
    k = len(free)
    if k == 0:
        return "exact", info
    pos = {c: t for t, c in enumerate(free)}
    rows = _known_rows(net, list(Z) + list(C1), free, p)   # n_c restricts to e_c
    for cols, ints in info.get("local_vectors", ()):
        row = np.zeros(k, dtype=np.uint64)
        for c, x in zip(cols, ints):
            if c in pos:
                row[pos[c]] = int(x) % p
        rows.append(row)
    e = _modp.Eliminator(k, k, p)
    with blas_threads():
        e.add_rows(np.ascontiguousarray(np.array(rows, dtype=np.uint64)))
    if e.rank != k:
        return "unsettled", dict(info, why=f"the accepted kernel vectors span {e.rank} of {k} free columns mod p")
    return "exact", info


def _solve_small(fac, el, C1, order, check):
    r"""For a small pivot minor: FLINT's exact solve :math:`J[I,P]\, x = J[I,c]` on the integer rows
    of Lemma LK1, for the open columns only; each :math:`n_c` is still accepted by ``check``.
    Returns the pivot coordinates (rows in ``order``, one column per c in ``C1``) or None."""
    import flint

    from .blocks import _block_rows_int
    rows = list(el.independent_rows)
    P = [int(c) for c in order]
    M = _block_rows_int(fac.meta, fac.exact, P + list(C1), np.arange(len(fac.points)), rows)
    A = flint.fmpz_mat(M[:, :len(P)].tolist())
    B = flint.fmpz_mat(M[:, len(P):].tolist())
    try:
        X = A.solve(B)
    except ZeroDivisionError:
        return None
    out = np.empty((len(P), len(C1)), dtype=object)
    for j, c in enumerate(C1):
        col = np.array([-Fraction(int(X[i, j].p), int(X[i, j].q)) for i in range(len(P))], dtype=object)
        if not check(c, col):
            return None
        out[:, j] = col
    return out


class _Columns:
    """CRT accumulation per kernel direction; a direction is proven and frozen when ``check`` (the
    exact Jacobian-vector product, ``proofs/local-kernels.md`` §3) confirms its reconstruction. It is
    tried once the reconstruction repeats for two moduli, or once the modulus passes Lemma 5's bound
    (where the candidate is certainly right, so the check cannot fail for want of precision)."""

    def __init__(self, X, p, need_bits, check):
        self.acc = X.astype(object)
        self.N = p
        self.need = need_bits
        self.done = {}
        self.prev = {}
        self.check = check

    @property
    def n_done(self):
        return len(self.done)

    @property
    def all_done(self):
        return len(self.done) == self.acc.shape[1]

    def add(self, Xq, q):
        active = [j for j in range(self.acc.shape[1]) if j not in self.done]
        A = self.acc[:, active]
        N = self.N
        self.acc[:, active] = (A + N * (((Xq[:, active].astype(object) - A) * pow(N, -1, q)) % q)) % (N * q)
        self.N = N * q
        for j in active:
            V = reconstruct(self.acc[:, j:j + 1], self.N)
            if V is None:
                self.prev.pop(j, None)
                continue
            stable = j in self.prev and np.array_equal(self.prev[j], V[:, 0])
            if (stable or self.N.bit_length() > self.need + _vector_bits(V) + 1) and self.check(j, V[:, 0]):
                self.done[j] = V[:, 0]
            self.prev[j] = V[:, 0]

    def result(self):
        out = np.empty(self.acc.shape, dtype=object)
        for j, col in self.done.items():
            out[:, j] = col
        return out


def _vector_bits(V) -> int:
    """Bits of the largest entry of the integer vectors L_c n_c (columns of V scaled)."""
    best = 1
    for j in range(V.shape[1]):
        col = V[:, j]
        L = common_denominator(col)
        m = max(max((abs(q.numerator) * (L // q.denominator) for q in col), default=0), L)
        best = max(best, m.bit_length())
    return best
