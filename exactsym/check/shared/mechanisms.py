r"""The witness theta' of each mechanism of hidden symmetry, computed exactly.

Shared by the detector (:mod:`exactsym.verdict.mechanisms`) and the
checker; ``proofs/mechanisms.md`` proves that each transform preserves F
under the mechanism's hypotheses. Standard library only.
"""

from __future__ import annotations

from fractions import Fraction

from ...network.model import Network, NetworkError
from .exact import CheckFailure, rational

__all__ = ["transform", "check_hidden"]

Q0 = Fraction(0)


def _layers(net):
    return [[[list(r) for r in W], list(b)] for W, b in net.layers]


def _net(net, L):
    return Network(net.architecture, [(W, b) for W, b in L])


def check_hidden(net, l, j=None):
    # bool is an int in Python: a certificate's ``true`` must not name neuron 1
    if isinstance(l, bool) or not (isinstance(l, int) and 1 <= l < net.depth):
        raise CheckFailure(f"layer {l!r} is not a hidden layer")
    if j is not None and (isinstance(j, bool) or not (isinstance(j, int) and 0 <= j < net.architecture[l])):
        raise CheckFailure(f"neuron {j!r} out of range in layer {l}")


def transform(net: Network, mechanism: int, params: dict) -> Network:
    """The witness theta' of a mechanism, computed exactly from theta and ``params``.

    1 (zero outgoing column): incoming row of (l, j) replaced by ``row``.
    2 (stably unactivated) and 4 with b <= 0: outgoing column of (l, j) replaced by ``column``.
    3 (stably activated) and 4 with b >= 0: ``b_l[j] += delta``, ``b_{l+1} -= delta * W_{l+1}[:, j]``.
    5 (proportional rows, ``row_j = lambda row_k``): with ``lambda > 0``,
      ``W_{l+1}[:, j] += t``, ``W_{l+1}[:, k] -= lambda t``; with ``lambda < 0`` and
      ``|lambda| col_j = -col_k``, ``b_k += delta``, ``b_j += lambda delta``,
      ``b_{l+1} -= delta col_k``.
    6 (flip set S with ``sum_S col_j row_j^T = 0`` over weights): negate the
      rows in S, ``b_{l+1} += sum_S b_j col_j``.
    7 (layer stably active): ``M = I + eps e_i e_j^T``; ``W_l, b_l <- M W_l, M b_l``,
      ``W_{l+1} <- W_{l+1} M^{-1}``.
    """
    l = params.get("layer")
    check_hidden(net, l)
    L = _layers(net)
    if mechanism in (2, 4) and "column" in params:
        edit = _new_column
    elif mechanism in (3, 4):
        edit = _shift_bias
    else:
        edit = _EDITS.get(mechanism) if not isinstance(mechanism, bool) else None
    if edit is None:
        raise CheckFailure(f"unknown mechanism {mechanism!r}")
    edit(net, l, L, params)
    try:
        return _net(net, L)
    except NetworkError as e:
        raise CheckFailure(str(e)) from None


def _q(p, key):
    return rational(p[key], f"params.{key}")


def _neuron(net, l, p, key="neuron"):
    j = p.get(key)
    check_hidden(net, l, j)
    return j


def _new_row(net, l, L, p):
    """Mechanism 1: the free incoming row of a neuron with a zero outgoing column."""
    W, b = L[l - 1]
    j = _neuron(net, l, p)
    row = [rational(v, "params.row") for v in p["row"]]
    if len(row) != net.architecture[l - 1] + 1:
        raise CheckFailure("params.row has the wrong length")
    W[j], b[j] = row[:-1], row[-1]


def _new_column(net, l, L, p):
    """Mechanisms 2 and 4 (b <= 0): the free outgoing column of a stably unactivated neuron."""
    Wn = L[l][0]
    j = _neuron(net, l, p)
    col = [rational(v, "params.column") for v in p["column"]]
    if len(col) != net.architecture[l + 1]:
        raise CheckFailure("params.column has the wrong length")
    for i in range(len(Wn)):
        Wn[i][j] = col[i]


def _shift_bias(net, l, L, p):
    """Mechanisms 3 and 4 (b >= 0): a stably activated neuron's bias traded against the next layer's."""
    b = L[l - 1][1]
    Wn, bn = L[l]
    j = _neuron(net, l, p)
    delta = _q(p, "delta")
    b[j] += delta
    for i in range(len(Wn)):
        bn[i] -= delta * Wn[i][j]


def _proportional(net, l, L, p):
    """Mechanism 5: proportional rows, ``row_j = lambda row_k``."""
    b = L[l - 1][1]
    Wn, bn = L[l]
    j, k = _neuron(net, l, p, "j"), _neuron(net, l, p, "k")
    lam = _q(p, "lambda")
    if lam > 0:
        t = [rational(v, "params.t") for v in p["t"]]
        if len(t) != len(Wn):
            raise CheckFailure("params.t has the wrong length")
        for i in range(len(Wn)):
            Wn[i][j] += t[i]
            Wn[i][k] -= lam * t[i]
    else:
        delta = _q(p, "delta")
        b[k] += delta
        b[j] += lam * delta
        for i in range(len(Wn)):
            bn[i] -= delta * Wn[i][k]


def _flip(net, l, L, p):
    """Mechanism 6: negate the rows of a flip set S and move ``sum_S b_j col_j`` into the next bias."""
    W, b = L[l - 1]
    Wn, bn = L[l]
    S = p.get("set")
    if not isinstance(S, list) or not S or len(set(S)) != len(S):
        raise CheckFailure("params.set must be a non-empty list of distinct neurons")
    for j in S:
        check_hidden(net, l, j)
    for i in range(len(Wn)):
        bn[i] += sum((b[j] * Wn[i][j] for j in S), Q0)
    for j in S:
        W[j] = [-v for v in W[j]]
        b[j] = -b[j]


def _mix(net, l, L, p):
    """Mechanism 7: ``M = I + eps e_i e_j^T`` on a stably active layer."""
    W, b = L[l - 1]
    Wn = L[l][0]
    i, j = _neuron(net, l, p, "i"), _neuron(net, l, p, "j")
    if i == j:
        raise CheckFailure("mechanism 7 needs i != j")
    eps = _q(p, "eps")
    W[i] = [a + eps * c for a, c in zip(W[i], W[j])]
    b[i] = b[i] + eps * b[j]
    for r in range(len(Wn)):
        Wn[r][j] -= eps * Wn[r][i]


#: mechanism -> the exact edit of theta that gives theta' (2, 3, 4 are chosen by their parameters)
_EDITS = {1: _new_row, 5: _proportional, 6: _flip, 7: _mix}
