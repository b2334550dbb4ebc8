r"""``fdim>=r`` verified with python-flint and numpy (same checks as :mod:`exactsym.check.fdim`).

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

from ..check.shared.exact import CheckFailure, is_prime, rational
from ..check.shared.primes import bound_prime
from ..network.model import Network, NetworkError

__all__ = ["verify_fdim_ge_fast", "exact_labels_flint", "minor_mod_p"]


def _int(v, where, lo=None, hi=None) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise CheckFailure(f"{where}: not an integer")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise CheckFailure(f"{where}: {v} out of range")
    return v


def _network(cert) -> Network:
    try:
        net = Network.from_dict(cert.get("network"))
    except NetworkError as e:
        raise CheckFailure(f"network: {e}") from None
    if cert.get("network_sha256") != net.sha256():
        raise CheckFailure("network_sha256 does not match the network")
    return net


def _domain(dom, n0):
    if dom == "R^n" or dom == f"R^{n0}":
        return None
    if isinstance(dom, dict) and set(dom) == {"box"} and isinstance(dom["box"], list) and len(dom["box"]) == 2:
        lo, hi = rational(dom["box"][0], "domain.box[0]"), rational(dom["box"][1], "domain.box[1]")
        if not lo < hi:
            raise CheckFailure("domain box is empty")
        return lo, hi
    raise CheckFailure(f"unknown domain {dom!r}")


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


def _structure(cert, net):
    """Shape checks of the evidence (same order and messages as the stdlib verifier)."""
    ev = cert.get("evidence")
    if not isinstance(ev, dict):
        raise CheckFailure("evidence is missing or not an object")
    P = _int(ev.get("prime"), "evidence.prime", lo=2)
    if not is_prime(P):
        raise CheckFailure(f"evidence.prime {P} is not prime")
    pts, labs = ev.get("points"), ev.get("labels")
    if not isinstance(pts, list) or not isinstance(labs, list):
        raise CheckFailure("evidence.points and evidence.labels must be lists")
    if len(pts) != len(labs):
        raise CheckFailure(f"{len(pts)} points but {len(labs)} labels")
    nd, D = net.n_out, net.D
    n_rows = len(pts) * nd
    r = _int(cert.get("r"), "r", lo=0)
    if r > min(n_rows, D):
        raise CheckFailure(f"r = {r} exceeds min(#rows = {n_rows}, D = {D})")
    if r > net.bound and all(any(net.layers[l - 1][0][j]) or net.layers[l - 1][1][j] != 0
                             for l, j in net.hidden_neurons()):
        raise CheckFailure(f"r = {r} exceeds the bound D - H = {net.bound}")
    rows, cols = ev.get("rows"), ev.get("columns")
    if not isinstance(rows, list) or not isinstance(cols, list) or len(rows) != r or len(cols) != r:
        raise CheckFailure(f"need {r} rows and {r} columns")
    rows = [_int(v, f"evidence.rows[{i}]", 0, n_rows - 1) for i, v in enumerate(rows)]
    cols = [_int(v, f"evidence.columns[{i}]", 0, D - 1) for i, v in enumerate(cols)]
    if len(set(rows)) != r or len(set(cols)) != r:
        raise CheckFailure("evidence.rows or evidence.columns has duplicates")
    return P, pts, labs, r, rows, cols


def verify_fdim_ge_fast(cert, progress=None) -> str:
    """Raise :class:`CheckFailure` or return the one-line summary (module docstring)."""
    import flint
    t0 = time.monotonic()
    net = _network(cert)
    box = _domain(cert.get("domain"), net.n0)
    P, pts, labs, r, rows, cols = _structure(cert, net)
    points = []
    for i, (x, lab) in enumerate(zip(pts, labs)):
        if not isinstance(x, list) or len(x) != net.n0:
            raise CheckFailure(f"evidence.points[{i}]: expected {net.n0} coordinates")
        pt = [rational(v, f"evidence.points[{i}][{j}]") for j, v in enumerate(x)]
        if box is not None and not all(box[0] < v < box[1] for v in pt):
            raise CheckFailure(f"evidence.points[{i}] is not strictly inside the domain box")
        if not isinstance(lab, list) or len(lab) != net.H or \
                any(isinstance(s, bool) or s not in (1, -1) for s in lab):
            raise CheckFailure(f"evidence.labels[{i}]: expected {net.H} entries 1 or -1")
        points.append(pt)
    _say(progress, t0, f"labels: {len(points)} points, exact (FLINT)")
    exact = exact_labels_flint(net, points) if points and net.H else [[] for _ in points]
    for i, (a, b) in enumerate(zip(exact, labs)):
        if 0 in a:
            raise CheckFailure(f"evidence.points[{i}] lies on a bent hyperplane")
        if a != b:
            raise CheckFailure(f"evidence.labels[{i}] differ from the exact labels")
    dens = [q.denominator for q in net.flat()] + [q.denominator for x in points for q in x]
    if P != bound_prime(cert, dens):
        raise CheckFailure(f"evidence.prime {P} is not the prime bound to this evidence")
    if P >= 2 ** 21:
        raise CheckFailure(f"evidence.prime {P} is outside the bound-prime range")
    if r:
        _say(progress, t0, f"minor: {r} x {r} mod {P}")
        M = minor_mod_p(net, points, labs, rows, cols, P)
        _say(progress, t0, "determinant (FLINT nmod_mat rank)")
        if flint.nmod_mat(M.tolist(), P).rank() != r:
            raise CheckFailure(f"the {r} x {r} minor is singular mod {P}")
    return (f"fdim >= {r}: a {r} x {r} minor of the Jacobian at {len(points)} smooth points "
            f"is nonzero mod {P} (bound D - H = {net.bound}) [engine flint]")
