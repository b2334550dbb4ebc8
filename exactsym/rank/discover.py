r"""Minimal supports of the open kernel directions, found mod p (a block source for :mod:`.blocks`).

Setting as in :mod:`.kernel`: rank r mod p with pivots P, the fully reduced
basis B, and free columns F. The kernel of :math:`J \bmod p` is parametrised by
its restriction :math:`u \in \mathbb F_p^F`: the vector :math:`K u` with
:math:`(K u)[F] = u` and :math:`(K u)[P] = -B[:, F]\, u`. The vectors already
proven over :math:`\mathbb Q` restrict to a subspace S of :math:`\mathbb F_p^F`
(a :class:`.blocks.ModSpan`); an *open direction* is a kernel vector whose
restriction lies outside S.

Columns are partitioned into *groups*, one per neuron (l, i) of layers 1..d:
its incoming weights and bias. For a set R of groups, the open directions
that vanish on R are :math:`\{u : K[R]\, u = 0\} \not\subseteq S`, which holds
iff some row of a matrix :math:`\Phi` with :math:`\ker \Phi = S` is not in the
row space of :math:`K[R]`. Greedy removal adds a set of groups (a whole
layer first, then halves of a refused set, down to single groups) to R and
keeps it removed when the test still holds; since the row space only grows,
a group once refused on its own stays refused, so one pass gives a support
that is minimal by inclusion. The columns where the
resulting mod-p vector is nonzero are handed to :mod:`.blocks` as a block.

Nothing here is trusted: the block is solved exactly and every vector is
accepted only after the exact Jacobian-vector product at every point
(``proofs/local-kernels.md``, Lemma LK2). A prime that makes the mod-p kernel
larger than the rational one, or a support that is not really a support, costs
a wasted exact solve and nothing else.

Why it pays. The open directions that no fixed block family covers are, in
the deficits measured (``benchmarks/README.md``), supported on two or three
neurons (e.g. two last-layer neurons whose patterns differ at a few points,
with some third neuron compensating); their exact vectors have tens to a few
hundred bits, while their reduced forms over the whole pivot minor need
thousands of bits of p-adic lifting.
"""

from __future__ import annotations

import time

import numpy as np

from .blocks import ModSpan, _mm

__all__ = ["kernel_basis_mod", "column_groups", "minimal_support", "discovered_blocks"]


def kernel_basis_mod(B, pivots, free, p: int, D: int) -> np.ndarray:
    """K (D x |F|, int64 mod p): column t is the kernel vector mod p whose restriction to F is e_t.

    ``B``: the fully reduced basis of the elimination (rank x D, row a has its pivot at ``pivots[a]``).
    """
    B = np.asarray(B).astype(np.int64) % p
    K = np.zeros((D, len(free)), dtype=np.int64)
    K[np.asarray(free, dtype=np.int64), np.arange(len(free))] = 1
    if len(pivots):
        K[np.asarray(pivots, dtype=np.int64), :] = (-B[:, free]) % p
    return K


def column_groups(meta, zero_cols=()):
    """``[(layer, [columns])]``: the incoming weights and bias of each neuron of layers 1..d, zero
    columns left out (they are known kernel vectors already)."""
    Z = set(int(c) for c in zero_cols)
    groups = {}
    for c in range(len(meta.lay)):
        if c not in Z:
            groups.setdefault((int(meta.lay[c]), int(meta.neu[c])), []).append(c)
    return [(key[0], cols) for key, cols in sorted(groups.items())]


def _reduce(X, E, pe, p):
    return X % p if not pe else (X - _mm(X[:, pe], E, p)) % p


def _echelon(X, p):
    """Fully reduced echelon rows of X mod p and their pivots (the double-path eliminator)."""
    from . import _modp
    from .modular import blas_threads
    n = X.shape[1]
    e = _modp.Eliminator(n, n, p)
    with blas_threads():
        e.add_rows(np.ascontiguousarray(X.astype(np.uint64)))
    if not e.rank:
        return np.zeros((0, n), dtype=np.int64), []
    assert e.reduced   # the tests below need Gauss-Jordan form
    return e.basis_matrix().astype(np.int64), list(e.pivots)


def _quotient_functionals(span: ModSpan) -> np.ndarray:
    r""":math:`\Phi` with :math:`\ker \Phi = S` (one row per position outside the span's pivots)."""
    n, p = span.n, span.p
    inside = set(span.piv)
    outside = [t for t in range(n) if t not in inside]
    Phi = np.zeros((len(outside), n), dtype=np.int64)
    Phi[np.arange(len(outside)), outside] = 1
    if span.piv:
        Phi[:, span.piv] = (-span.rows[:, outside].T) % p
    return Phi


def minimal_support(K: np.ndarray, groups, span: ModSpan):
    """Columns of one open direction whose group support is minimal by inclusion (module
    docstring), or None when every direction is in the span."""
    p = span.p
    Phi = Pr = _quotient_functionals(span)
    if not Pr.shape[0]:
        return None
    state = {"E": np.zeros((0, K.shape[1]), dtype=np.int64), "pe": [], "Pr": Pr}

    def remove(part):
        """Remove the groups of ``part`` if an open direction still avoids them all; else split."""
        E, pe = state["E"], state["pe"]
        G = _reduce(K[np.concatenate([cols for cols in part])], E, pe, p)
        Ge, gp = _echelon(G, p)
        if not gp:
            return   # already implied by what is removed
        Pn = _reduce(state["Pr"], Ge, gp, p)
        if Pn.any():   # some open direction still avoids these groups: keep them removed
            state.update(E=np.vstack([_reduce(E, Ge, gp, p), Ge]) if pe else Ge, pe=pe + list(gp), Pr=Pn)
        elif len(part) > 1:   # bisect: a support of s groups among n costs about 2 s log2(n / s) tests
            remove(part[:len(part) // 2])
            remove(part[len(part) // 2:])

    for lay in sorted(set(l for l, _ in groups)):
        remove([cols for l, cols in groups if l == lay])
    E, pe = state["E"], state["pe"]
    # a vector of ker K[R] (R: the removed groups) outside S
    inside = set(pe)
    outside = [c for c in range(K.shape[1]) if c not in inside]
    if not outside:
        return None
    U = np.zeros((K.shape[1], len(outside)), dtype=np.int64)   # a basis of ker K[R], one column each
    U[outside, np.arange(len(outside))] = 1
    if pe:
        U[pe, :] = (-E[:, outside]) % p
    hit = np.nonzero(_mm(Phi, U, p).any(axis=0))[0]
    if not len(hit):
        return None
    u = U[:, hit[0]]
    return [int(x) for x in np.nonzero(_mm(K, u[:, None], p)[:, 0])[0]]


def discovered_blocks(basis, groups, span: ModSpan, limit: int, deadline: float | None = None):
    """Yield the columns of a minimal support (:func:`minimal_support`) while the open directions
    last, at most ``limit`` times; stops when a yielded block did not enlarge ``span`` (the caller
    solves each block and adds what it proves). ``basis()`` returns K (computed only if needed)."""
    K = None
    for _ in range(limit):
        if deadline is not None and time.monotonic() > deadline:
            return
        if K is None:
            K = basis()
        before = span.rank
        cols = minimal_support(K, groups, span)
        if cols is None:
            return
        yield cols
        if span.rank == before:
            return
