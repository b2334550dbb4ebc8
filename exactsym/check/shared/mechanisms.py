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
    p = params
    l = p.get("layer")
    check_hidden(net, l)
    L = _layers(net)
    W, b = L[l - 1]
    Wn, bn = L[l]
    q = lambda key: rational(p[key], f"params.{key}")  # noqa: E731
    if mechanism == 1:
        j = p.get("neuron")
        check_hidden(net, l, j)
        row = [rational(v, "params.row") for v in p["row"]]
        if len(row) != net.architecture[l - 1] + 1:
            raise CheckFailure("params.row has the wrong length")
        W[j], b[j] = row[:-1], row[-1]
    elif mechanism in (2, 4) and "column" in p:
        j = p.get("neuron")
        check_hidden(net, l, j)
        col = [rational(v, "params.column") for v in p["column"]]
        if len(col) != net.architecture[l + 1]:
            raise CheckFailure("params.column has the wrong length")
        for i in range(len(Wn)):
            Wn[i][j] = col[i]
    elif mechanism in (3, 4):
        j = p.get("neuron")
        check_hidden(net, l, j)
        delta = q("delta")
        b[j] += delta
        for i in range(len(Wn)):
            bn[i] -= delta * Wn[i][j]
    elif mechanism == 5:
        j, k = p.get("j"), p.get("k")
        check_hidden(net, l, j)
        check_hidden(net, l, k)
        lam = q("lambda")
        if lam > 0:
            t = [rational(v, "params.t") for v in p["t"]]
            if len(t) != len(Wn):
                raise CheckFailure("params.t has the wrong length")
            for i in range(len(Wn)):
                Wn[i][j] += t[i]
                Wn[i][k] -= lam * t[i]
        else:
            delta = q("delta")
            b[k] += delta
            b[j] += lam * delta
            for i in range(len(Wn)):
                bn[i] -= delta * Wn[i][k]
    elif mechanism == 6:
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
    elif mechanism == 7:
        i, j = p.get("i"), p.get("j")
        check_hidden(net, l, i)
        check_hidden(net, l, j)
        if i == j:
            raise CheckFailure("mechanism 7 needs i != j")
        eps = q("eps")
        W[i] = [a + eps * c for a, c in zip(W[i], W[j])]
        b[i] = b[i] + eps * b[j]
        for r in range(len(Wn)):
            Wn[r][j] -= eps * Wn[r][i]
    else:
        raise CheckFailure(f"unknown mechanism {mechanism!r}")
    try:
        return _net(net, L)
    except NetworkError as e:
        raise CheckFailure(str(e)) from None
