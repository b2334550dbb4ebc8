r"""The difference network F_a - F_b and its deterministic reduction.

Shared by :mod:`exactsym.verdict.equiv` and the checker, which recomputes
both from the two networks (``proofs/equivalence.md``). Standard library only.
"""

from __future__ import annotations

from fractions import Fraction

from ...network.model import Network

__all__ = ["difference_network", "reduce_network"]


def difference_network(a: Network, b: Network) -> Network:
    """Parallel composition of ``a`` and ``b`` with output ``F_a - F_b`` (same depth required)."""
    if a.n0 != b.n0 or a.n_out != b.n_out:
        raise ValueError("networks have different input or output widths")
    if a.depth != b.depth:
        raise ValueError("networks have different depths")
    arch = [a.n0] + [a.architecture[l] + b.architecture[l] for l in range(1, a.depth)] + [a.n_out]
    Z = Fraction(0)
    layers = []
    for l in range(1, a.depth + 1):
        Wa, ba = a.layers[l - 1]
        Wb, bb = b.layers[l - 1]
        if l == a.depth == 1:      # both affine: the difference of the maps
            W = [[x - y for x, y in zip(ra, rb)] for ra, rb in zip(Wa, Wb)]
            bias = [x - y for x, y in zip(ba, bb)]
        elif l == a.depth:
            W = [list(ra) + [-v for v in rb] for ra, rb in zip(Wa, Wb)]
            bias = [x - y for x, y in zip(ba, bb)]
        elif l == 1:
            W = [list(r) for r in Wa] + [list(r) for r in Wb]
            bias = list(ba) + list(bb)
        else:
            pa, pb = a.architecture[l - 1], b.architecture[l - 1]
            W = [list(r) + [Z] * pb for r in Wa] + [[Z] * pa + list(r) for r in Wb]
            bias = list(ba) + list(bb)
        layers.append((W, bias))
    return Network(arch, layers)


def reduce_network(net: Network) -> Network:
    r"""An equivalent network with no duplicated or idle hidden neurons (same depth).

    Layer by layer, a hidden neuron is *removed* when its outgoing column is
    zero (it does not reach the output) or its incoming row (weights and
    bias) is zero (it outputs 0); and a neuron whose incoming row is
    :math:`\lambda > 0` times the row of an earlier neuron of the same layer
    is *merged* into it: :math:`\mathrm{relu}(\lambda u) = \lambda\,\mathrm{relu}(u)`,
    so its outgoing column, times :math:`\lambda`, is added to the earlier
    neuron's column. Each step leaves :math:`F` unchanged on all of R^n0;
    a layer that would lose every neuron keeps one zero neuron (the
    architecture needs a positive width). The result is deterministic, so
    the checker recomputes it from the two networks. Merging removes the
    coinciding zero sets that two copies of the same neuron in the
    difference network would otherwise create.
    """
    while True:            # removals can expose more (merged columns may cancel): run to a fixpoint
        smaller = _reduce_once(net)
        if smaller == net:
            return net
        net = smaller


def _reduce_once(net: Network) -> Network:
    arch = list(net.architecture)
    L = [[[list(r) for r in W], list(b)] for W, b in net.layers]
    for l in range(1, len(arch) - 1):
        W, b = L[l - 1]
        Wn = L[l][0]
        keep = []
        for j in range(len(W)):
            row = W[j] + [b[j]]
            if not any(row) or not any(r[j] for r in Wn):
                continue
            for k in keep:
                rk = W[k] + [b[k]]
                piv = next(i for i, v in enumerate(rk) if v)
                lam = row[piv] / rk[piv]
                if lam > 0 and all(x == lam * y for x, y in zip(row, rk)):
                    for r in Wn:
                        r[k] += lam * r[j]
                    break
            else:
                keep.append(j)
        if not keep:       # F does not depend on this layer's output: one idle neuron remains
            if arch[l] == 1 and not any(W[0]) and not b[0]:
                continue
            L[l - 1] = [[[Fraction(0)] * arch[l - 1]], [Fraction(0)]]
            L[l][0] = [[Fraction(0)] for _ in Wn]
            arch[l] = 1
            continue
        L[l - 1] = [[W[j] for j in keep], [b[j] for j in keep]]
        L[l][0] = [[r[j] for j in keep] for r in Wn]
        arch[l] = len(keep)
    return Network(arch, [(W, b) for W, b in L])
