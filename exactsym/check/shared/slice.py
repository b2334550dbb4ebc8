r"""The restriction of a network to an affine line or plane through given points.

For points :math:`P_0, P_1` (a line) or :math:`P_0, P_1, P_2` (a plane) of
:math:`\mathbb{R}^{n_0}` the map :math:`u \mapsto P_0 + \sum_i u_i (P_i - P_0)`
is affine, so :math:`G(u) = F(P_0 + D u)` is again a ReLU network: its first
layer is :math:`W_1 D` with bias :math:`b_1 + W_1 P_0`, the other layers are
those of :math:`F`. Every pre-activation of :math:`G` at :math:`u` equals the
corresponding pre-activation of :math:`F` at :math:`P_0 + D u`, so the
activation regions of :math:`G` on :math:`\mathbb{R}^k` are exactly the
traces of the regions of :math:`F` on the slice, pattern for pattern
(``proofs/slices.md``). Exact rational
arithmetic; shared by the producer and the checker. Standard library only.
"""

from __future__ import annotations

from fractions import Fraction

from ...network.model import Network

__all__ = ["affine_slice", "slice_directions"]


def slice_directions(points):
    """``(P_0, [P_1 - P_0, ...])``; raises ValueError unless the directions are linearly independent."""
    pts = [[Fraction(v) for v in p] for p in points]
    if len(pts) not in (2, 3):
        raise ValueError("a slice needs 2 points (a line) or 3 points (a plane)")
    n0 = len(pts[0])
    if any(len(p) != n0 for p in pts):
        raise ValueError("slice points have different dimensions")
    dirs = [[a - b for a, b in zip(p, pts[0])] for p in pts[1:]]
    if not _independent(dirs):
        raise ValueError("slice points are affinely dependent (they do not span a "
                         + ("line)" if len(pts) == 2 else "plane)"))
    return pts[0], dirs


def _independent(dirs) -> bool:
    if len(dirs) == 1:
        return any(dirs[0])
    u, v = dirs
    return any(u[i] * v[j] != u[j] * v[i] for i in range(len(u)) for j in range(i + 1, len(u)))


def affine_slice(net: Network, points) -> Network:
    """The network :math:`u \\mapsto F(P_0 + D u)` on :math:`\\mathbb{R}^k`, k = len(points) - 1."""
    p0, dirs = slice_directions(points)
    if len(p0) != net.n0:
        raise ValueError(f"slice points live in R^{len(p0)}, the network's input is R^{net.n0}")
    W, b = net.layers[0]
    W2 = [[sum((w * d for w, d in zip(row, dv)), Fraction(0)) for dv in dirs] for row in W]
    b2 = [bi + sum((w * p for w, p in zip(row, p0)), Fraction(0)) for row, bi in zip(W, b)]
    arch = [len(dirs)] + list(net.architecture[1:])
    return Network(arch, [(W2, b2)] + [(Wl, bl) for Wl, bl in net.layers[1:]])
