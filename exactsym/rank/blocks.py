r"""Local kernels of a batch Jacobian: parameter blocks that live on few rows (``proofs/local-kernels.md``).

Setting as in :mod:`.kernel`: :math:`J = J_Z` (m n_d x D), rank r mod p with
pivots P and free columns F; to prove :math:`\operatorname{rank} J \le r` we
need D - r vectors of :math:`\ker_{\mathbb Q} J` whose restrictions to F are
independent.

Lemma (local kernel). Let B be a set of columns and R a set of rows that
contains every row in which some column of B is nonzero. If
:math:`u \in \mathbb Q^B` satisfies :math:`J[R, B]\, u = 0`, then u padded
with zeros outside B lies in :math:`\ker J`: a row outside R meets u only in
zero entries.

The rows R come from the per-point form of the structural-zero argument of
:func:`.kernel.structural_zero_columns`: the entry of column (l, i, j) at
point x is :math:`\partial F_k / \partial z_l[i] \cdot a_{l-1}[j]`; it is 0
when neuron (l, i) is inactive or unreached at x (every path to an output
passes an inactive neuron or a zero weight) or when the input
:math:`a_{l-1}[j]` is 0 (:func:`support`).

Which blocks. A neuron active at few points has incoming and outgoing
columns that live on those points' rows only, so their local kernel is
large (a neuron active at 5 points with 30 inputs has at least 26 incoming
directions beyond its scaling generator). The blocks tried, in order
(``proofs/local-kernels.md`` §5): ``in(l,i) + out(l,i)`` for every hidden
neuron, rarely nonzero inputs, output rows, always-active neurons with the
next layer's biases, pairs with the same activation pattern (gl(s)), pairs
whose patterns differ at a few points, minimal supports of the open
directions found mod p (:mod:`.discover`), then unions of rarely active
units and the other bias-extended blocks. Each block is screened mod p (its
local nullity, added to the span of what is already known); only a block
that adds to the span is solved exactly (FLINT, on the rows that are
independent mod p), and each of its vectors that enlarges the span is
accepted only after the exact check :math:`J w = 0` over :math:`\mathbb Z` at
*every* point of the batch (:meth:`BatchFactors.annihilates`).

Why it matters. The reduced kernel vectors :math:`n_c` of :mod:`.kernel`
mix every direction whose support meets the pivot columns; a rarely active
neuron's directions have canonical forms of a thousand bits there (the
solve of a 44-point subsystem, spread over the whole minor), while the local
solve on the 44 rows is immediate.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from ..network.model import Network
from . import _modp
from .modular import blas_threads, residues

__all__ = ["support", "factors_mod", "factors_int", "jacobian_rows_mod", "block_rows", "jvp_is_zero", "BatchFactors",
           "local_kernel_vectors", "ModSpan"]

#: A neuron active at no more than this many points is "rare": pairs of rare neurons are tried.
RARE_POINTS = 400
#: At most this many pair blocks are screened.
MAX_PAIRS = 4000
#: Blocks with more columns are skipped (an exact null space of that size is no longer cheap).
MAX_BLOCK_COLUMNS = 600


def support(net: Network, points, labels):
    """``(nonzero_in, reach)``: per point, which inputs are nonzero and which neurons are reached.

    ``nonzero_in[l]`` (m x n_l, l = 0..d-1): the input coordinate / activation
    is nonzero (for l >= 1: the neuron is active); ``reach[l]`` (m x n_l,
    l = 1..d): the neuron is active and some nonzero weight leads to a
    reached neuron of layer l+1 (outputs are always reached).
    """
    arch, d = net.architecture, net.depth
    n = len(points)
    nonzero_in = [np.array([[v != 0 for v in x] for x in points], dtype=bool).reshape(n, arch[0])]
    h = 0
    for l in range(1, d):
        nonzero_in.append(np.asarray(labels[:, h:h + arch[l]]) > 0)
        h += arch[l]
    reach = [None] * (d + 1)
    reach[d] = np.ones((n, arch[d]), dtype=bool)
    for l in range(d - 1, 0, -1):
        Wn = np.array([[w != 0 for w in row] for row in net.layers[l][0]], dtype=np.int64)
        reach[l] = nonzero_in[l] & ((reach[l + 1].astype(np.int64) @ Wn) > 0)
    return nonzero_in, reach


class _Columns:
    """Per parameter column: its layer l, neuron i and input j (-1 for the bias)."""

    def __init__(self, net: Network):
        arch = net.architecture
        lay, neu, inp = [], [], []
        for l in range(1, net.depth + 1):
            for i in range(arch[l]):
                for j in range(arch[l - 1]):
                    lay.append(l), neu.append(i), inp.append(j)
            for i in range(arch[l]):
                lay.append(l), neu.append(i), inp.append(-1)
        self.lay, self.neu, self.inp = np.array(lay), np.array(neu), np.array(inp)
        self.net = net

    def incoming(self, l, i):
        net = self.net
        return [net.index_W(l, i, j) for j in range(net.architecture[l - 1])] + [net.index_b(l, i)]

    def outgoing(self, l, i):
        net = self.net
        if l >= net.depth:
            return []
        return [net.index_W(l + 1, k, i) for k in range(net.architecture[l + 1])]

    def biases(self, l):
        net = self.net
        return [net.index_b(l, k) for k in range(net.architecture[l])] if l <= net.depth else []


def block_rows(cols_meta: _Columns, sup, cols) -> np.ndarray:
    """Point indices at which some column of ``cols`` can be nonzero (the lemma's R, by points)."""
    nonzero_in, reach = sup
    m = reach[-1].shape[0]
    out = np.zeros(m, dtype=bool)
    for c in cols:
        l, i, j = cols_meta.lay[c], cols_meta.neu[c], cols_meta.inp[c]
        col = reach[l][:, i]
        if j >= 0:
            col = col & nonzero_in[l - 1][:, j]
        out |= col
    return np.nonzero(out)[0]


def factors_mod(net: Network, points, labels, p: int):
    r"""Residues of the Jacobian's factors: ``A[l]`` = :math:`a_l` (m x n_l, l = 0..d-1) and
    ``G[l]`` = :math:`\partial F / \partial z_l` (m x n_d x n_l, l = 1..d), int64 mod p.

    Entry of column (l, i, j) in row (x, k): ``G[l][x, k, i] * A[l-1][x, j]`` (bias: j = -1, factor 1).
    Residues are below 2^21 (``"double"`` primes) or any p < 2^31: products stay below 2^62.
    Returns ``(A, G, p)``.
    """
    assert p < 2 ** 31
    arch, d = net.architecture, net.depth
    m = len(points)
    A = [np.array([residues(x, p) for x in points], dtype=np.int64).reshape(m, arch[0])]
    Ws = [np.array([residues(row, p) for row in W], dtype=np.int64).reshape(arch[l + 1], arch[l])
          for l, (W, _) in enumerate(net.layers)]
    bs = [residues(b, p).astype(np.int64) for _, b in net.layers]
    masks, h = [], 0
    for l in range(1, d):
        masks.append(np.asarray(labels[:, h:h + arch[l]]) > 0)
        h += arch[l]
    for l in range(1, d):
        Z = (_mm(A[-1], Ws[l - 1].T, p) + bs[l - 1]) % p
        A.append(np.where(masks[l - 1], Z, 0))
    G = [None] * (d + 1)
    nd = arch[d]
    G[d] = np.broadcast_to(np.eye(nd, dtype=np.int64), (m, nd, nd)).copy()
    for l in range(d - 1, 0, -1):
        Gl = _mm(G[l + 1].reshape(m * nd, arch[l + 1]), Ws[l], p).reshape(m, nd, arch[l])
        G[l] = np.where(masks[l - 1][:, None, :], Gl, 0)
    return A, G, p


def jacobian_rows_mod(net: Network, points, labels, p: int, rows) -> np.ndarray:
    """Rows ``rows`` (global indices x * n_d + k) of :math:`J \bmod p`, int64, from :func:`factors_mod`
    on the points those rows need (no full Jacobian is formed)."""
    rows = np.asarray(rows, dtype=np.int64)
    nd, arch = net.n_out, net.architecture
    need = np.unique(rows // nd)
    sub = [points[i] for i in need]
    A, G, _ = factors_mod(net, sub, np.asarray(labels)[need], p)
    at = {int(x): t for t, x in enumerate(need)}
    xs = np.array([at[int(x)] for x in rows // nd], dtype=np.int64)
    ks = rows % nd
    out = np.empty((len(rows), net.D), dtype=np.int64)
    for l in range(1, net.depth + 1):
        g = G[l][xs, ks, :]                         # r x n_l
        off = net.offset(l)
        nW = arch[l] * arch[l - 1]
        out[:, off:off + nW] = ((g[:, :, None] * A[l - 1][xs][:, None, :]) % p).reshape(len(rows), nW)
        out[:, off + nW:off + nW + arch[l]] = g
    return out


def _mm(X, Y, p):
    """(X @ Y) mod p for int64 residues in [0, p), exact: inner sums chunked below 2^62, or, for
    p <= 2^21, below 2^53 in float64 (BLAS; (p - 1)^2 * 2048 < 2^53)."""
    out = np.zeros((X.shape[0], Y.shape[1]), dtype=np.int64)
    if p <= 1 << 21:
        Xf, Yf = X.astype(np.float64, copy=False), Y.astype(np.float64, copy=False)
        for s in range(0, X.shape[1], 2048):
            out = (out + (Xf[:, s:s + 2048] @ Yf[s:s + 2048]).astype(np.int64)) % p
        return out
    assert p < 1 << 31   # int64 products of residues
    step = max(1, (1 << 62) // max(1, (p - 1) ** 2))
    for s in range(0, X.shape[1], step):
        out = (out + X[:, s:s + step] @ Y[s:s + step]) % p
    return out


def factors_int(net: Network, points, labels):
    r"""Exact integer factors with a common row scale :math:`c_x = s_x \prod_l q_l` (s_x: lcm of
    the point's denominators, q_l: of layer l).

    Returns ``(A, S, G, q)``: ``A[l]`` = :math:`s_x q_1 \cdots q_l\, a_l` and ``S[l]`` =
    :math:`s_x q_1 \cdots q_l` (object arrays), ``G[l]`` = :math:`(\prod_{l' > l} q_{l'})\,
    \partial F/\partial z_l`, ``q[l]`` = q_l. Then :math:`c_x J[(x,k), (l,i,j)] = q_l\, G[l][x,k,i]\,
    A[l-1][x,j]` and, for the bias, :math:`q_l\, G[l][x,k,i]\, S[l-1][x]` (``proofs/local-kernels.md``).
    """
    import flint
    arch, d = net.architecture, net.depth
    m = len(points)
    q, Wi, bi = [None], [None], [None]
    for A_l, c_l, q_l in net.integer_layers():
        q.append(q_l)
        Wi.append(flint.fmpz_mat(A_l))
        bi.append(c_l)
    s = [math.lcm(*[v.denominator for v in x]) if len(x) else 1 for x in points]
    A0 = [[int(v * sx) for v in x] for x, sx in zip(points, s)]
    A, S = [np.array(A0, dtype=object).reshape(m, arch[0])], [np.array(s, dtype=object)]
    masks, h = [], 0
    for l in range(1, d):
        masks.append(np.asarray(labels[:, h:h + arch[l]]) > 0)
        h += arch[l]
    for l in range(1, d):
        Z = _to_obj(flint.fmpz_mat(A[-1].tolist()) * Wi[l].transpose(), m, arch[l])
        Z = Z + np.outer(S[-1], np.array(bi[l], dtype=object))
        if m and not np.array_equal(Z > 0, masks[l - 1]) or np.any(Z == 0):
            raise AssertionError("exact pre-activations disagree with the labels (or a point is not smooth)")
        A.append(np.where(masks[l - 1], Z, 0))
        S.append(S[-1] * q[l])
    nd = arch[d]
    G = [None] * (d + 1)
    G[d] = np.zeros((m, nd, nd), dtype=object)
    for k in range(nd):
        G[d][:, k, k] = 1
    for l in range(d - 1, 0, -1):
        Gl = _to_obj(flint.fmpz_mat(G[l + 1].reshape(m * nd, arch[l + 1]).tolist()) * Wi[l + 1],
                     m * nd, arch[l]).reshape(m, nd, arch[l])
        G[l] = np.where(masks[l - 1][:, None, :], Gl, 0)
    return A, S, G, q


def _scaled(Fi):
    """(A, S, q_l G_l, q): the bias and weight entries of c_x J are then one product each."""
    A, S, G, q = Fi
    return A, S, [None] + [G[l] * q[l] for l in range(1, len(G))], q


def _to_obj(M, rows, cols):
    out = np.empty((rows, cols), dtype=object)
    if rows and cols:
        out[:] = [[int(v) for v in row] for row in M.tolist()]
    return out


def _block_matrix_mod(meta, F, cols, pts):
    """The block :math:`J[R, B] \bmod p` (rows: ``pts`` x outputs, columns ``cols``), one broadcast
    product per layer."""
    A, G, p = F
    nd = G[-1].shape[1]
    cols = np.asarray(cols, dtype=np.int64)
    M = np.empty((len(pts) * nd, len(cols)), dtype=np.int64)
    lay = meta.lay[cols]
    for l in np.unique(lay):
        at = np.nonzero(lay == l)[0]
        i, j = meta.neu[cols[at]], meta.inp[cols[at]]
        Ap = A[l - 1][pts]
        Ap = np.concatenate([Ap, np.ones((len(pts), 1), dtype=np.int64)], axis=1)   # j = -1: the bias
        ui, inv = np.unique(i, return_inverse=True)
        Gi = G[l][:, :, ui][pts][:, :, inv]   # (points, outputs, columns): index the few neurons first
        M[:, at] = (Gi * Ap[:, None, np.where(j < 0, Ap.shape[1] - 1, j)] % p).reshape(-1, len(at))
    return M


def _block_rows_int(meta, Fi, cols, pts, rows):
    """Rows ``rows`` (flat indices x * n_d + k over ``pts``) of the integer block :math:`c_x J[R, B]`."""
    A, S, qG, q = Fi
    nd = qG[-1].shape[1]
    rows = np.asarray(rows, dtype=np.int64)
    px, k = pts[rows // nd], rows % nd
    M = np.empty((len(rows), len(cols)), dtype=object)
    for t, c in enumerate(cols):
        l, i, j = meta.lay[c], meta.neu[c], meta.inp[c]
        M[:, t] = qG[l][px, k, i] * (S[l - 1][px] if j < 0 else A[l - 1][px, j])
    return M


def jvp_is_zero(meta, Fi, cols, vals, pts) -> bool:
    r"""Exactly :math:`\sum_c v_c\, c_x J[(x,k), c] = 0` for every point x of ``pts`` and output k?

    Grouped by neuron (l, i): :math:`\sum_i q_l G_l[x,k,i] (\sum_j v_{lij} A_{l-1}[x,j] + v_{li} S_{l-1}[x])`,
    integer arithmetic only (the Jacobian-vector product, no Jacobian is formed).
    """
    A, S, qG, q = Fi
    nd = qG[-1].shape[1]
    groups = {}
    for c, v in zip(cols, vals):
        if v:
            groups.setdefault((int(meta.lay[c]), int(meta.neu[c])), []).append((int(meta.inp[c]), int(v)))
    acc = np.zeros((len(pts), nd), dtype=object)
    for (l, i), items in groups.items():
        inner = np.zeros(len(pts), dtype=object)
        for j, v in items:
            inner = inner + (S[l - 1][pts] if j < 0 else A[l - 1][pts, j]) * v
        acc = acc + qG[l][pts, :, i] * inner[:, None]
    return not acc.any()


class BatchFactors:
    """The batch's Jacobian factors, exact integers computed once on demand, and the exact
    check :math:`J w = 0` of a sparse integer vector w (:func:`jvp_is_zero` on every point)."""

    def __init__(self, net: Network, points, labels):
        self.net, self.points, self.labels = net, points, labels
        self.meta = _Columns(net)
        self._exact = None

    @property
    def exact(self):
        if self._exact is None:
            self._exact = _scaled(factors_int(self.net, self.points, self.labels))
        return self._exact

    def annihilates(self, cols, vals) -> bool:
        r"""True iff the integer vector w with entries ``vals`` at ``cols`` (0 elsewhere) is in ker J.

        The same sum as :func:`jvp_is_zero`, at every point, arranged for FLINT: with
        :math:`X_l = [A_{l-1} \mid S_{l-1}]` (m x (n_{l-1} + 1)) and :math:`W_l` the entries of w
        in layer l (neurons x inputs), :math:`c_x J w = \sum_l \operatorname{rowdot}(q_l G_l,\,
        X_l W_l^T) = \sum_l \operatorname{rowdot}(q_l G_l W_l,\, X_l)`. The product (exact integers
        in C) is taken on the side that leaves the fewer columns (touched neurons or touched
        inputs); only those columns are multiplied entrywise in Python."""
        if len(set(cols)) != len(cols):   # one entry per column: a repeated one would be ambiguous
            raise RuntimeError("annihilates: repeated column indices (an internal error)")
        A, _, qG, _ = self.exact
        meta, m = self.meta, len(self.points)
        nd = qG[-1].shape[1]
        per = {}
        for c, v in zip(cols, vals):
            if v:
                per.setdefault(int(meta.lay[c]), []).append((int(meta.neu[c]), int(meta.inp[c]), int(v)))
        acc = np.zeros((m, nd), dtype=object)
        for l, entries in per.items():
            n_in, n_l = A[l - 1].shape[1], qG[l].shape[2]
            neurons = sorted(set(i for i, _, _ in entries))
            inputs = sorted(set(j if j >= 0 else n_in for _, j, _ in entries))
            if len(neurons) <= len(inputs):   # X_l W_l^T on the touched neurons, then rowdot with q_l G_l
                at = {i: t for t, i in enumerate(neurons)}
                V = [[0] * len(neurons) for _ in range(n_in + 1)]
                for i, j, v in entries:
                    V[j if j >= 0 else n_in][at[i]] = v
                Y = _entries(self._flint("X", l) * flint_mat(V), m, len(neurons))
                acc = acc + (self._fmpz("G", l)[:, :, neurons] * Y[:, None, :]).sum(axis=2)
            else:   # q_l G_l W_l on the touched inputs, then rowdot with X_l
                at = {j: t for t, j in enumerate(inputs)}
                V = [[0] * len(inputs) for _ in range(n_l)]
                for i, j, v in entries:
                    V[i][at[j if j >= 0 else n_in]] = v
                Y = _entries(self._flint("G", l) * flint_mat(V), m * nd, len(inputs)).reshape(m, nd, len(inputs))
                acc = acc + (Y * self._fmpz("X", l)[:, inputs][:, None, :]).sum(axis=2)
        return not acc.any()

    def left_annihilates(self, y) -> bool:
        r"""True iff :math:`y^{\mathsf T} \tilde J = 0` for the integer row vector y (length m n_d, row
        x n_d + k), with :math:`\tilde J = \operatorname{diag}(c_x) J` the integer rows of Lemma LK1.

        Column (l, i, j) of :math:`y^{\mathsf T}\tilde J` is :math:`\sum_x Y_l[x,i]\, X_l[x,j]` with
        :math:`Y_l[x,i] = \sum_k y_{x,k}\, q_l G_l[x,k,i]`: one FLINT product :math:`Y_l^{\mathsf T} X_l`
        per layer, every column and every point, exact integers."""
        A, _, qG, _ = self.exact
        m, nd = len(self.points), qG[-1].shape[1]
        if len(y) != m * nd:   # not the user's input: an internal error (the CLI maps ValueError to bad input)
            raise RuntimeError(f"left_annihilates: {len(y)} entries for {m * nd} rows (an internal error)")
        Y = np.asarray([int(v) for v in y], dtype=object).reshape(m, nd)
        for l in range(1, len(qG)):
            Yl = (Y[:, :, None] * qG[l]).sum(axis=1)   # m x n_l
            if not (flint_mat(Yl.T.tolist()) * self._flint("X", l)).is_zero():
                return False
        return True

    def _fmpz(self, which, l):
        """The same two arrays as numpy arrays of FLINT integers (products among them stay in C;
        a FLINT integer times a Python int would convert on every entry)."""
        cache = self.__dict__.setdefault("_fmpz_cache", {})
        if (which, l) not in cache:
            M = self._flint(which, l)
            arr = _entries(M, M.nrows(), M.ncols())
            cache[(which, l)] = arr.reshape(len(self.points), -1, M.ncols()) if which == "G" else arr
        return cache[(which, l)]

    def _flint(self, which, l):
        r"""FLINT copies, built once: ``"X"``: :math:`[A_{l-1} \mid S_{l-1}]`; ``"G"``:
        :math:`q_l G_l` as (m n_d) x n_l."""
        cache = self.__dict__.setdefault("_flint_cache", {})
        if (which, l) not in cache:
            A, S, qG, _ = self.exact
            if which == "X":
                M = np.concatenate([A[l - 1], np.asarray(S[l - 1], dtype=object).reshape(-1, 1)], axis=1)
            else:
                M = qG[l].reshape(-1, qG[l].shape[2])
            cache[(which, l)] = flint_mat(M.tolist())
        return cache[(which, l)]


class ModSpan:
    """An incremental row echelon basis mod p of vectors of length n (numpy, small n)."""

    def __init__(self, n: int, p: int):
        self.n, self.p = n, p
        self.rows = np.zeros((0, n), dtype=np.int64)
        self.piv = []

    @property
    def rank(self):
        return len(self.piv)

    def reduce(self, v):
        v = np.asarray(v, dtype=np.int64) % self.p
        if self.piv:
            v = (v - _mm(v[self.piv][None, :], self._rows_for_mm(), self.p)[0]) % self.p
        return v

    def _rows_for_mm(self):
        """``rows``, as float64 once per change when :func:`_mm` takes the float path (the rows
        are long-lived, the vectors reduced against them many)."""
        if self.p > 1 << 21:
            return self.rows
        cached = getattr(self, "_rf", None)
        if cached is None or cached[0] is not self.rows:
            self._rf = cached = (self.rows, self.rows.astype(np.float64))
        return cached[1]

    def add(self, v) -> bool:
        """Add v; True when it was independent of the span."""
        v = self.reduce(v)
        nz = np.nonzero(v)[0]
        if not len(nz):
            return False
        c = int(nz[0])
        v = v * pow(int(v[c]), -1, self.p) % self.p
        rows = np.vstack([self.rows, v[None, :]])
        hit = np.nonzero(rows[:-1, c])[0]
        if len(hit):   # keep the basis fully reduced at the pivots
            rows[hit] = (rows[hit] - np.outer(rows[hit, c], v)) % self.p
        self.rows = rows
        self.piv.append(c)
        return True


def _null_mod(M, p):
    """Null vectors mod p of M (rows x b), as a (b x k) int64 matrix, and the independent rows."""
    b = M.shape[1]
    e = _modp.Eliminator(b, b, p)
    if M.shape[0]:
        with blas_threads():
            e.add_rows(np.ascontiguousarray(M.astype(np.uint64) % np.uint64(p)))
    piv = list(e.pivots)
    pset = set(piv)
    free = [t for t in range(b) if t not in pset]
    N = np.zeros((b, len(free)), dtype=np.int64)
    if free and piv:
        B = e.basis_matrix().astype(np.int64)
        for a, pc in enumerate(piv):   # basis row a has pivot pc (fully reduced)
            N[pc, :] = (-B[a, free]) % p
    for t, f in enumerate(free):
        N[f, t] = 1
    return N, list(e.independent_rows)


def _entries(M, rows, cols):
    """A FLINT matrix as a (rows x cols) numpy array of its FLINT integers (no conversion)."""
    out = np.empty(rows * cols, dtype=object)
    if rows and cols:
        out[:] = M.entries()
    return out.reshape(rows, cols)


def flint_mat(rows):
    import flint
    return flint.fmpz_mat(rows)


def _exact_null(meta, Fi, cols, pts, sel, check, wanted=None):
    """An integer basis of the null space of the block's rows ``sel`` (primitive columns), each vector
    checked exactly at *every* point of the batch (``check(cols, ints)``:
    :meth:`BatchFactors.annihilates`, so soundness does not rest on the row support); None when a
    check fails (the prime hid a row dependency).
    With ``wanted`` (list of integer vectors -> the indices worth keeping), only those are checked
    and returned: the others are never used, and the check is the expensive part."""
    import flint
    if not len(sel):
        X = np.eye(len(cols), dtype=object)
    else:
        Xf, k = flint.fmpz_mat(_block_rows_int(meta, Fi, cols, pts, sel).tolist()).nullspace()
        X = np.array([int(v) for v in Xf.entries()], dtype=object).reshape(len(cols), -1)[:, :k]
    vecs = []
    for t in range(X.shape[1]):
        g = 0
        for v in X[:, t]:
            g = math.gcd(g, int(v))
        if g:
            vecs.append([int(v) // g for v in X[:, t]])
    keep = []
    for t in (range(len(vecs)) if wanted is None else wanted(vecs)):
        if not check(cols, vecs[t]):
            return None
        keep.append(vecs[t])
    out = np.empty((len(cols), len(keep)), dtype=object)
    for t, ints in enumerate(keep):
        out[:, t] = ints
    return out


def _near_pairs(net, sup):
    r"""Same-layer neuron pairs whose reach patterns (:func:`support`) differ at h points, 0 < h <=
    fan-in, closest first. Where both are reached, :math:`v_a\,\delta z_a + v_b\,\delta z_b` can
    cancel (for the last hidden layer: :math:`\delta W[b] = -(v_a / v_b)\, \delta W[a]`); at the h
    other points :math:`\delta z` must vanish, h conditions on the fan-in + 1 incoming parameters,
    so such a pair leaves about fan-in + 1 - h directions that no single neuron carries."""
    _, reach = sup
    arch, out = net.architecture, []
    for l in range(1, net.depth):
        R = reach[l].astype(np.int64)
        if not R.shape[0]:
            continue
        both = R.T @ R
        cnt = R.sum(axis=0)
        ham = cnt[:, None] + cnt[None, :] - 2 * both
        for a, b in zip(*np.nonzero(np.triu((ham > 0) & (ham <= arch[l - 1]), 1))):
            if cnt[a] and cnt[b]:
                out.append((int(ham[a, b]), (l, int(a)), (l, int(b))))
    out.sort()
    return [(a, b) for _, a, b in out]


#: Marks the place in :func:`_candidate_blocks` where discovered blocks are tried.
_DISCOVER = object()
#: At most this many minimal-support searches (each about 0.05-0.15 s on the benchmark deficits).
MAX_DISCOVERED = 64


def _candidate_blocks(net, meta, sup):
    """Blocks in the order of the module docstring; ``_DISCOVER`` marks where the minimal supports
    found mod p (:mod:`.discover`) are tried, before the long lists of pairs."""
    arch, d = net.architecture, net.depth
    nonzero_in, _ = sup
    hidden = [(l, i) for l in range(1, d) for i in range(arch[l])]
    single = {n: meta.incoming(*n) + meta.outgoing(*n) for n in hidden}
    for n in hidden:
        yield single[n]
    for j in range(arch[0]):   # an input coordinate that is rarely nonzero: its outgoing weights
        yield meta.outgoing(0, j)
    for k in range(arch[d]):   # an output's incoming row: dependent last-layer activations
        yield meta.incoming(d, k)
    m = nonzero_in[0].shape[0]
    always = [n for n in hidden if nonzero_in[n[0]][:, n[1]].all()]
    for n in always:   # a bias change passes on linearly
        yield single[n] + meta.biases(n[0] + 1)
    groups = {}
    for n in hidden:   # neurons with the same activation pattern on the batch: gl(s) directions
        groups.setdefault((n[0], nonzero_in[n[0]][:, n[1]].tobytes()), []).append(n)
    for g in groups.values():   # E_ab moves only neurons a and b: pairs generate gl(s)
        if len(g) > 1 and nonzero_in[g[0][0]][:, g[0][1]].any():
            for a, b in itertools.combinations(g, 2):
                yield sorted(set(single[a] + single[b]))
    for a, b in _near_pairs(net, sup)[:MAX_PAIRS]:   # patterns that differ at a few points
        yield sorted(set(single[a] + single[b]))
    yield _DISCOVER   # the caller's minimal-support blocks (:mod:`.discover`) go here
    units = [(0, j) for j in range(arch[0])] + hidden
    for j in range(arch[0]):
        single[(0, j)] = meta.outgoing(0, j)
    count = {n: int(nonzero_in[n[0]][:, n[1]].sum()) for n in units}
    rare = [n for n in units if 0 < count[n] <= RARE_POINTS]
    pairs = sorted(itertools.combinations(rare, 2), key=lambda ab: count[ab[0]] + count[ab[1]])
    for a, b in pairs[:MAX_PAIRS]:
        if abs(a[0] - b[0]) <= 1:
            yield sorted(set(single[a] + single[b]))
    busy = [n for n in hidden if count[n] > RARE_POINTS]
    mixed = [(a, b) for a in rare if a[0] > 0 for b in busy if b[0] == a[0]]
    for a, b in mixed[:MAX_PAIRS]:   # a rare neuron beside any neuron of its layer
        yield sorted(set(single[a] + single[b]))
    for n in hidden:
        if 0 < count[n] < m:
            yield single[n] + meta.biases(n[0] + 1)
    out_layer = [c for k in range(arch[d]) for c in meta.incoming(d, k)]
    for n in hidden:   # a last-layer neuron with the whole output layer (its activation is compensable)
        if n[0] == d - 1 and count[n]:
            yield sorted(set(meta.incoming(*n) + out_layer))


def local_kernel_vectors(net: Network, points, labels, p: int, free: list, span: ModSpan,
                         zero_cols=(), need: int | None = None, progress=None, factors=None,
                         deadline: float | None = None, discovered=None):
    """Exact local kernel vectors that enlarge ``span`` (restrictions to ``free`` mod p).

    ``span`` holds the restrictions of the kernel vectors known so far and is
    extended in place; stops once it has ``need`` vectors (default: ``len(free)``) or at
    ``deadline`` (``time.monotonic()``).
    ``discovered``: ``discovered(meta, zero_cols, span, limit, deadline)`` yields further blocks that
    may depend on the current span (:func:`.discover.discovered_blocks`: minimal supports of the open
    directions found mod p); they are tried where :func:`_candidate_blocks` marks ``_DISCOVER``.
    Returns a list of ``(cols, ints)`` sparse integer vectors, each proven in
    :math:`\\ker J` by the lemma of the module docstring.
    """
    need = len(free) if need is None else need
    if span.rank >= need or p >= 1 << 26:   # the basis is fully reduced on the double path only
        return []
    fac = factors if factors is not None else BatchFactors(net, points, labels)
    meta = fac.meta
    sup = support(net, points, labels)
    Fm = factors_mod(net, points, labels, p)
    pos = {c: t for t, c in enumerate(free)}
    Z = set(int(c) for c in zero_cols)
    found, seen = [], set()
    for block in _with_discovered(_candidate_blocks(net, meta, sup), discovered, meta, Z, span, deadline):
        cols = [c for c in block if c not in Z]
        key = tuple(cols)
        if deadline is not None and time.monotonic() > deadline:
            break
        if not cols or key in seen or len(cols) > MAX_BLOCK_COLUMNS:
            continue
        seen.add(key)
        pts = block_rows(meta, sup, cols)
        N, sel = _null_mod(_block_matrix_mod(meta, Fm, cols, pts), p)
        if not N.shape[1] or not _adds(span, N, cols, pos):
            continue
        Fi = fac.exact

        def wanted(vecs):   # those that enlarge the span together with the block's earlier ones
            return _enlarging(span, [_restrict(cols, v, pos, span.n, p) for v in vecs])
        X = _exact_null(meta, Fi, cols, pts, sel, fac.annihilates, wanted)
        if X is None:   # rare: solve on every row of the block
            X = _exact_null(meta, Fi, cols, pts, range(len(pts) * net.n_out), fac.annihilates, wanted)
        if X is None:   # only if the row support were wrong; the check caught it
            continue
        for t in range(X.shape[1]):
            ints = [int(v) for v in X[:, t]]
            if span.add(_restrict(cols, ints, pos, span.n, p)):
                found.append((list(cols), ints))
        if progress:
            progress(f"kernel (local blocks): {span.rank} of {need} directions known")
        if span.rank >= need:
            break
    return found


def _with_discovered(blocks, discovered, meta, Z, span, deadline):
    for block in blocks:
        if block is not _DISCOVER:
            yield block
        elif discovered is not None:
            yield from discovered(meta, Z, span, MAX_DISCOVERED, deadline)


def _enlarging(span: ModSpan, rows) -> list:
    """Indices of ``rows`` that enlarge ``span`` taken in order (greedy): reduced against the span in
    one product, then the independent ones by the eliminator (mod p: a heuristic choice only)."""
    if not rows:
        return []
    R = np.array(rows, dtype=np.int64) % span.p
    if span.piv:
        R = (R - _mm(R[:, span.piv], span._rows_for_mm(), span.p)) % span.p
    e = _modp.Eliminator(span.n, min(span.n, len(rows)), span.p)
    with blas_threads():
        e.add_rows(np.ascontiguousarray(R.astype(np.uint64)))
    return sorted(int(i) for i in e.independent_rows)


def _restrict(cols, vals, pos, n, p):
    v = np.zeros(n, dtype=np.int64)
    for c, x in zip(cols, vals):
        t = pos.get(c)
        if t is not None:
            v[t] = int(x) % p
    return v


def _adds(span: ModSpan, N, cols, pos) -> bool:
    """Does some null vector mod p of the block enlarge the span (restricted to the free columns)?"""
    p = span.p
    for t in range(N.shape[1]):
        v = _restrict(cols, N[:, t], pos, span.n, p)
        if np.any(span.reduce(v)):
            return True
    return False
