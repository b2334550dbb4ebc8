r"""Smooth rational sample points and their exact activation patterns.

Float proposes, exact decides (SPEC section 5).

**Labels.** :func:`batch_labels` runs the forward pass of a whole batch in
float64 and carries, for every pre-activation, a rigorous bound
:math:`E \ge |\hat z - z|` on the distance between the computed value
:math:`\hat z` and the exact rational :math:`z`. A sign is read off the float
only when :math:`|\hat z| > E`; every point with an undecided neuron is
re-evaluated exactly with :class:`fractions.Fraction` (``Network.labels``).

The bound (``u = 2^-53``, :math:`\gamma_m = m u / (1 - m u)`, ``eta = 2^-1074``
covers underflow). Each rational entry ``w`` is stored as the nearest double
:math:`\hat w`, so :math:`|w - \hat w| \le 2u|\hat w| + \eta`. With
:math:`|\hat a - a| \le e` for the input of layer ``l`` (``n`` inputs), the
computed :math:`\hat z = fl(\hat W \hat a + \hat b)` satisfies (any summation
order, FMA or not)

.. math::
   |\hat z - z| \le \gamma_{n+1}(|\hat W||\hat a| + |\hat b|) + |\hat W| e
   + (2u|\hat W| + \eta)(|\hat a| + e) + 2u|\hat b| + (n + 2)\eta .

ReLU is 1-Lipschitz, so the same bound carries to :math:`\hat a = relu(\hat z)`.
The bound itself is evaluated in float64 with nonnegative terms only, and
multiplied by :math:`1 + 4(n + 10)u` to absorb the rounding of its own
evaluation. Non-finite values (overflow) send the point to the exact path.

**Points.** :func:`sample_points` draws Gaussian floats and rounds them to
dyadic rationals ``k / 2^m`` (default ``2^10``). A point whose exact label has
a 0 (it lies on a bent hyperplane) is replaced by a fresh draw; it is never
used.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import numpy as np

from ..network.model import Network

__all__ = ["batch_labels", "exact_labels", "sample_points", "DEFAULT_DENOMINATOR"]

DEFAULT_DENOMINATOR = 2 ** 10
_U = 2.0 ** -53
_ETA = 2.0 ** -1074


def _float_layers(net: Network):
    layers = []
    for W, b in net.layers:
        Wf = np.array([[float(v) for v in row] for row in W], dtype=np.float64)
        bf = np.array([float(v) for v in b], dtype=np.float64)
        layers.append((Wf, bf))
    return layers


def exact_labels(net: Network, points) -> np.ndarray:
    """Exact ternary labels (int8, shape ``(n, H)``) by rational evaluation only."""
    out = np.zeros((len(points), net.H), dtype=np.int8)
    for i, x in enumerate(points):
        out[i] = net.labels(x)
    return out


def batch_labels(net: Network, points: Sequence, float_layers=None):
    """Exact ternary labels of a batch: float evaluation with a rigorous bound, exact fallback.

    Returns ``(labels, n_exact)``: ``labels`` is an int8 array ``(n, H)`` of
    signs (-1, 0, +1), each one *exact*; ``n_exact`` counts the points that
    needed rational evaluation.
    """
    n = len(points)
    H = net.H
    labels = np.zeros((n, H), dtype=np.int8)
    if n == 0 or H == 0:
        return labels, 0
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        fl = float_layers if float_layers is not None else _float_layers(net)
        finite_net = all(np.all(np.isfinite(W)) and np.all(np.isfinite(b)) for W, b in fl)
        X = np.array([[float(v) for v in x] for x in points], dtype=np.float64).reshape(n, net.n0)
        a = X
        e = 2 * _U * np.abs(X) + _ETA  # |x - float(x)|
        undecided = ~np.all(np.isfinite(X), axis=1) | (not finite_net)
        h = 0
        for l in range(1, net.depth):
            W, b = fl[l - 1]
            m = W.shape[1]
            z = a @ W.T + b
            g = (m + 1) * _U / (1 - (m + 1) * _U)
            Wa = np.abs(W)
            E = (np.abs(a) * (2 * _U + g) + e * (1 + 2 * _U)) @ Wa.T \
                + (g + 2 * _U) * np.abs(b) \
                + _ETA * (np.sum(np.abs(a) + e, axis=1, keepdims=True) + m + 4)
            E *= 1 + 4 * (m + 10) * _U
            ok = np.isfinite(z) & np.isfinite(E)
            decided = ok & (np.abs(z) > E)
            undecided |= ~np.all(decided, axis=1)
            labels[:, h:h + W.shape[0]] = np.where(z > 0, 1, -1)
            h += W.shape[0]
            a = np.maximum(z, 0.0)
            e = E
    idx = np.nonzero(undecided)[0]
    for i in idx:
        labels[i] = net.labels(points[i])
    return labels, len(idx)


def sample_points(net: Network, n: int, seed=None, scale: float = 1.0,
                  denominator: int = DEFAULT_DENOMINATOR, max_tries: int = 100):
    """``n`` smooth rational points and their exact labels.

    Coordinates are ``round(g * denominator) / denominator`` with ``g`` drawn
    from ``N(0, scale^2)`` by numpy's PCG64 seeded with ``seed``. Points whose
    exact label has a 0 are replaced by new draws (at most ``max_tries``
    rounds). Returns ``(points, labels)``: a list of tuples of Fractions and
    an int8 array ``(n, H)`` of exact ±1 labels.
    """
    rng = np.random.default_rng(seed)
    fl = _float_layers(net)
    points: list = []
    labs: list = []
    need = n
    for _ in range(max_tries):
        if need <= 0:
            break
        G = np.rint(rng.normal(0.0, scale, size=(need, net.n0)) * denominator).astype(np.int64)
        cand = [tuple(Fraction(int(v), denominator) for v in row) for row in G]
        lab, _ = batch_labels(net, cand, fl)
        good = np.all(lab != 0, axis=1) if net.H else np.ones(len(cand), dtype=bool)
        for i in np.nonzero(good)[0]:
            points.append(cand[i])
            labs.append(lab[i])
        need = n - len(points)
    if need > 0:
        raise RuntimeError("could not sample enough smooth points")
    L = np.array(labs, dtype=np.int8).reshape(n, net.H)
    return points, L
