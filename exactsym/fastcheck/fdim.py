r"""The two heavy steps of the ``fdim>=r`` check, with python-flint and numpy.

The standard-library verifier (:func:`exactsym.check.fdim.verify_fdim_ge`) does every
syntactic and structural check and binds the prime; :class:`FlintAccel` only replaces
its exact labels of the points and its minor mod P.

Mathematics (``proofs/modular-lemma.md``): a minor :math:`J_Z[R, C]` that is
nonzero mod a prime P dividing no denominator proves
:math:`\operatorname{rank}_{\mathbb Q} J_Z \ge r`. Scaling a row or a column
by a unit mod P does not change whether the minor vanishes mod P, so the
Jacobian is built directly mod P from residues:
:math:`G_d = I`, :math:`G_l = (G_{l+1} W_{l+1}) \odot \Delta_l`, entry
:math:`\partial F_k / \partial W_l[i, j] = G_l[k, i]\, a_{l-1}[j]`, with the 0/1
masks :math:`\Delta_l` from the *exact* labels. The labels are computed
exactly with integer matrices: with :math:`q_l` the common denominator of
layer l and s that of all points, :math:`\tilde a_0 = s x`,
:math:`\tilde z_l = \tilde a_{l-1} (q_l W_l)^T + (s q_1 \cdots q_{l-1}) (q_l b_l)`
(a positive multiple of :math:`z_l`), :math:`\tilde a_l = \max(\tilde z_l, 0)`.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np

from ..check.shared.exact import CheckFailure
from ..network.model import Network

__all__ = ["FlintAccel", "exact_labels_flint", "minor_mod_p"]


def _lcm(values) -> int:
    L = 1
    for d in values:
        L = L * d // math.gcd(L, d)
    return L


def exact_labels_flint(net: Network, points) -> list[list[int]]:
    """Exact ±1/0 labels of every point (FLINT integer matrix products; module docstring)."""
    import flint
    n = len(points)
    s = _lcm(q.denominator for x in points for q in x)
    A = flint.fmpz_mat([[int(q * s) for q in x] for x in points])
    sigma = s
    labels = [[] for _ in range(n)]
    ones = flint.fmpz_mat([[1] for _ in range(n)])
    for l in range(1, net.depth):
        W, b = net.layers[l - 1]
        q = _lcm([v.denominator for row in W for v in row] + [v.denominator for v in b])
        Wt = flint.fmpz_mat([[int(W[i][j] * q) for i in range(len(W))] for j in range(len(W[0]))])
        c = flint.fmpz_mat([[int(v * q) * sigma for v in b]])
        Z = A * Wt + ones * c
        ent = Z.entries()
        w = len(b)
        sg = [(v > 0) - (v < 0) for v in ent]
        for t in range(n):
            labels[t].extend(sg[t * w:(t + 1) * w])
        A = flint.fmpz_mat(n, w, [v if v > 0 else 0 for v in ent])
        sigma *= q
    return labels


def minor_mod_p(net: Network, points, labels, rows, cols, P: int) -> np.ndarray:
    """The r x r minor J_Z[rows, cols] mod P up to unit row/column factors (int64 array)."""
    nd, d, arch = net.n_out, net.depth, net.architecture
    pts_used = sorted({r // nd for r in rows})
    where = {i: t for t, i in enumerate(pts_used)}
    m = len(pts_used)

    def res(q: Fraction) -> int:
        return q.numerator * pow(q.denominator, -1, P) % P

    Wm = [np.array([[res(v) for v in row] for row in W], dtype=np.int64) for W, _ in net.layers]
    bm = [np.array([res(v) for v in b], dtype=np.int64) for _, b in net.layers]
    lab = np.array([labels[i] for i in pts_used], dtype=np.int64).reshape(m, net.H)
    acts = [np.array([[res(v) for v in points[i]] for i in pts_used], dtype=np.int64).reshape(m, arch[0])]
    h = 0
    masks = []
    for l in range(1, d):
        z = (acts[-1] @ Wm[l - 1].T + bm[l - 1]) % P
        mk = lab[:, h:h + arch[l]] > 0
        masks.append(mk)
        acts.append(np.where(mk, z, 0))
        h += arch[l]
    G = [None] * (d + 1)
    G[d] = np.tile(np.eye(nd, dtype=np.int64), (m, 1))          # row t*nd + k
    for l in range(d - 1, 0, -1):
        G[l] = np.where(np.repeat(masks[l - 1], nd, axis=0), (G[l + 1] @ Wm[l]) % P, 0)
    rr = np.array([where[r // nd] * nd + r % nd for r in rows], dtype=np.int64)
    pt = rr // nd
    out = np.empty((len(rows), len(cols)), dtype=np.int64)
    for t, c in enumerate(cols):
        l, i, j = _locate(arch, c)
        g = G[l][rr, i]
        out[:, t] = g if j is None else g * acts[l - 1][pt, j] % P
    return out


def _locate(arch, c):
    """Flat parameter index -> (layer, neuron, input index or None for the bias)."""
    off = 0
    for l in range(1, len(arch)):
        n_in, n = arch[l - 1], arch[l]
        if c < off + n * n_in:
            return l, (c - off) // n_in, (c - off) % n_in
        if c < off + n * n_in + n:
            return l, c - off - n * n_in, None
        off += n * (n_in + 1)
    raise CheckFailure(f"column {c} out of range")


def _say(progress, t0, line):
    if progress:
        progress(f"[{time.monotonic() - t0:6.1f} s] {line}")


class FlintAccel:
    """``accel`` for :func:`exactsym.check.check_certificate`: labels and minor with FLINT."""

    name = "flint"

    def __init__(self, progress=None):
        self.progress = progress
        self.t0 = time.monotonic()

    def _say(self, line):
        if self.progress:
            self.progress(f"[{time.monotonic() - self.t0:6.1f} s] {line}")

    def labels(self, net, points):
        self._say(f"labels: {len(points)} points, exact (FLINT)")
        return exact_labels_flint(net, points) if points and net.H else [[] for _ in points]

    def minor_nonzero(self, net, points, labels, rows, cols, P) -> bool:
        import flint
        if P >= 2 ** 21:       # int64 exactness of minor_mod_p (module docstring of the package)
            raise CheckFailure(f"evidence.prime {P} is outside the bound-prime range")
        if not rows:
            return True
        self._say(f"minor: {len(rows)} x {len(rows)} mod {P}")
        M = minor_mod_p(net, points, labels, rows, cols, P)
        self._say("determinant (FLINT nmod_mat rank)")
        return flint.nmod_mat(M.tolist(), P).rank() == len(rows)
