r"""The trivial symmetry group G acting on parameters (SPEC section 1).

G acts on hidden neurons only: permutations inside each hidden layer, and
positive scalings — multiply row ``j`` of :math:`[W_l \mid b_l]` by
:math:`c > 0` and column ``j`` of :math:`W_{l+1}` by :math:`1/c`. Both leave
:math:`F_\theta` unchanged because :math:`\mathrm{relu}(cu) = c\,\mathrm{relu}(u)`.

Canonical forms and the exact orbit test live in
:mod:`exactsym.check.shared.orbit`, because the trusted checker needs them
too (``proofs/mechanisms.md``, Lemmas O2 and O2').
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from .model import Network

__all__ = ["act", "permute", "scale", "scaling_generators"]


def _mutable(net: Network):
    return [[list(map(list, W)), list(b)] for W, b in net.layers]


def _freeze(arch, L) -> Network:
    return Network(arch, [(W, b) for W, b in L])


def _hidden_check(net: Network, l: int) -> None:
    if not 1 <= l < net.depth:
        raise ValueError(f"layer {l} is not a hidden layer of {list(net.architecture)}")


def permute(net: Network, l: int, perm: Sequence[int]) -> Network:
    """New neuron ``i`` of hidden layer ``l`` is old neuron ``perm[i]``."""
    _hidden_check(net, l)
    n = net.architecture[l]
    if sorted(perm) != list(range(n)):
        raise ValueError(f"not a permutation of {n} neurons: {perm}")
    L = _mutable(net)
    W, b = L[l - 1]
    L[l - 1] = [[W[p] for p in perm], [b[p] for p in perm]]
    Wn = L[l][0]
    L[l][0] = [[row[p] for p in perm] for row in Wn]
    return _freeze(net.architecture, L)


def scale(net: Network, l: int, scales: Sequence) -> Network:
    """Multiply neuron ``j`` of hidden layer ``l`` by ``scales[j] > 0`` (incoming) and ``1/scales[j]`` (outgoing)."""
    _hidden_check(net, l)
    cs = [Fraction(c) for c in scales]
    if len(cs) != net.architecture[l] or any(c <= 0 for c in cs):
        raise ValueError("need one positive scale per neuron")
    L = _mutable(net)
    W, b = L[l - 1]
    L[l - 1] = [[[v * c for v in row] for row, c in zip(W, cs)], [v * c for v, c in zip(b, cs)]]
    L[l][0] = [[v / c for v, c in zip(row, cs)] for row in L[l][0]]
    return _freeze(net.architecture, L)


def act(net: Network, perms=None, scales=None) -> Network:
    """Apply a group element: per hidden layer, first the scaling then the permutation.

    ``perms`` and ``scales`` are dicts ``{layer: list}`` (or lists indexed by
    ``layer - 1``); missing layers are left alone.
    """
    def get(x, l):
        if x is None:
            return None
        if isinstance(x, dict):
            return x.get(l)
        return x[l - 1] if l - 1 < len(x) else None
    for l in range(1, net.depth):
        s = get(scales, l)
        if s is not None:
            net = scale(net, l, s)
        p = get(perms, l)
        if p is not None:
            net = permute(net, l, p)
    return net


def scaling_generators(net: Network) -> list[list[Fraction]]:
    r"""The H generators of the scaling action as exact vectors of length D.

    For neuron :math:`(l,j)` the curve :math:`t \mapsto` (row times
    :math:`e^t`, column times :math:`e^{-t}`) has tangent at :math:`t = 0`
    equal to the incoming row :math:`(W_l[j,:], b_l[j])` in its positions and
    minus the outgoing column :math:`-W_{l+1}[:,j]` in its positions.
    Every such vector lies in the kernel of every batch Jacobian.
    """
    gens = []
    for l, j in net.hidden_neurons():
        v = [Fraction(0)] * net.D
        W, b = net.layers[l - 1]
        for k, w in enumerate(W[j]):
            v[net.index_W(l, j, k)] = w
        v[net.index_b(l, j)] = b[j]
        Wn = net.layers[l][0]
        for i in range(net.architecture[l + 1]):
            v[net.index_W(l + 1, i, j)] = -Wn[i][j]
        gens.append(v)
    return gens
