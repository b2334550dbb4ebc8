r"""Batched float screening: Jacobians and SVD ranks of many networks at once.

This is the float method of the literature (Grigsby, Lindsey & Rolnick,
ICML 2023): for a batch Z of points, the Jacobian
:math:`J_Z = \partial (F_\theta(z))_{z \in Z} / \partial \theta` of shape
:math:`(|Z| n_d) \times D`, and its numerical rank, the number of singular
values above :math:`\tau = s_{\max} \cdot \max(m, n) \cdot \varepsilon`
(:math:`\varepsilon = 2^{-52}`, numpy's ``matrix_rank`` default).

It is vectorised over N networks of one architecture: layer l's weights are
stacked as a float64 array ``(N, n_l, n_{l-1})``, the Jacobians are built by
batched backpropagation

.. math::

    G_d = I_{n_d}, \qquad G_l = (G_{l+1} W_{l+1}) \operatorname{diag}(\mathbb 1[z_l > 0]),

    \partial F / \partial W_l[i, j] = G_l[:, i]\, a_{l-1}[j], \qquad
    \partial F / \partial b_l[i] = G_l[:, i],

and the ranks come from one batched SVD. Columns follow the canonical flat
order (layer by layer, ``W_l`` row-major, then ``b_l``).

**A screening rank is a candidate filter, never a verdict** (SPEC 2, 5):
float rounding can lose small singular values (badly scaled weights) or
keep spurious ones, and a float sign can misread an activation pattern
near a bent hyperplane. Every claim exactsym makes about a functional
dimension comes from the exact rank (:mod:`exactsym.fdim`).

Backends: ``"numpy"`` (default) and ``"cuda"`` (CuPy, needs a GPU; the same
arithmetic, so the same ranks up to the tolerance of the SVD).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence

import numpy as np

__all__ = ["BackendUnavailable", "get_backend", "stack_networks", "batched_jacobians",
           "batched_ranks", "rational_points", "screen", "screen_seeds", "ScreenResult"]

EPS = float(np.finfo(np.float64).eps)
#: Default cap on the bytes of one chunk of Jacobians (all N networks are
#: processed in chunks so that memory stays bounded); larger on a GPU, where
#: big batches are what makes it fast.
CHUNK_BYTES = 256 * 2**20
CHUNK_BYTES_CUDA = 2 * 2**30


class BackendUnavailable(RuntimeError):
    """The requested array backend cannot run here (e.g. CUDA without CuPy or a GPU)."""


def get_backend(name: str = "numpy"):
    """The array module for ``name``: numpy, or cupy for ``"cuda"``.

    Raises :class:`BackendUnavailable` with a one-line reason when CuPy is not
    installed or no CUDA device is visible.
    """
    if name == "numpy":
        return np
    if name in ("cuda", "cupy"):
        try:
            import cupy  # noqa: F401
        except ImportError:
            raise BackendUnavailable("backend 'cuda' needs CuPy (pip install cupy-cuda12x)") from None
        try:
            n = cupy.cuda.runtime.getDeviceCount()
        except Exception as e:  # CUDA driver missing or broken
            raise BackendUnavailable(f"backend 'cuda': no usable CUDA device ({type(e).__name__})") from None
        if n < 1:
            raise BackendUnavailable("backend 'cuda': no CUDA device is visible")
        return cupy
    raise ValueError(f"unknown backend {name!r} (numpy, cuda)")


def cuda_available() -> bool:
    """True when the ``"cuda"`` backend can run."""
    try:
        get_backend("cuda")
        return True
    except BackendUnavailable:
        return False


def stack_networks(nets, xp=np):
    """Stack networks of one architecture into float64 arrays.

    Returns ``[(W_1, b_1), ..., (W_d, b_d)]`` with ``W_l`` of shape
    ``(N, n_l, n_{l-1})`` and ``b_l`` of shape ``(N, n_l)``. Entries are
    converted with ``float(Fraction)`` (exact for dyadic entries such as those
    of :func:`exactsym.generate.random_network`, correctly rounded otherwise).
    """
    nets = list(nets)
    if not nets:
        raise ValueError("no networks to stack")
    arch = tuple(nets[0].architecture)
    for n in nets:
        if tuple(n.architecture) != arch:
            raise ValueError(f"networks of different architectures: {list(arch)} and {list(n.architecture)}")
    out = []
    for l in range(len(arch) - 1):
        W = np.array([[[float(v) for v in row] for row in n.layers[l][0]] for n in nets], dtype=np.float64)
        b = np.array([[float(v) for v in n.layers[l][1]] for n in nets], dtype=np.float64)
        out.append((xp.asarray(W), xp.asarray(b)))
    return out


def batched_jacobians(layers, X, xp=None, row_mask=None):
    r"""Float Jacobians :math:`J_Z` of N networks at their batches of points.

    ``layers``: as returned by :func:`stack_networks`. ``X``: points, shape
    ``(P, n0)`` (one batch shared by all networks) or ``(N, P, n0)``.
    ``row_mask`` (optional, ``(N, P)`` booleans): points to leave out per
    network; their rows are set to zero, which does not change the rank.
    Returns an array of shape ``(N, P * n_d, D)``; row ``p * n_d + k`` is
    :math:`\partial F_k(x_p) / \partial \theta` (the same row order as the
    exact Jacobian of :mod:`exactsym.check.common`).
    """
    if xp is None:
        xp = np
    N = layers[0][0].shape[0]
    X = xp.asarray(X, dtype=xp.float64)
    if X.ndim == 2:
        X = xp.broadcast_to(X, (N,) + X.shape)
    P = X.shape[1]
    d = len(layers)
    # forward pass: keep the activations a_{l-1} and the masks 1[z_l > 0]
    acts, masks = [X], []
    a = X
    for l, (W, b) in enumerate(layers):
        z = xp.matmul(a, xp.swapaxes(W, 1, 2)) + b[:, None, :]
        if l < d - 1:
            m = z > 0
            masks.append(m)
            a = xp.where(m, z, 0.0)
            acts.append(a)
    nd = layers[-1][0].shape[1]
    # backward pass: G has shape (N, P, n_d, n_l); rows are outputs
    G = xp.broadcast_to(xp.eye(nd, dtype=xp.float64), (N, P, nd, nd))
    blocks = [None] * d
    for l in range(d - 1, -1, -1):
        a_prev = acts[l]  # (N, P, n_{l-1})
        dW = G[..., :, None] * a_prev[:, :, None, None, :]  # (N, P, nd, n_l, n_{l-1})
        blocks[l] = xp.concatenate([dW.reshape(N, P, nd, -1), G], axis=-1)
        if l > 0:
            W = layers[l][0]  # (N, n_l, n_{l-1})
            G = xp.matmul(G, W[:, None, :, :]) * masks[l - 1][:, :, None, :].astype(xp.float64)
    J = xp.concatenate(blocks, axis=-1)  # (N, P, nd, D)
    if row_mask is not None:
        J = J * xp.asarray(row_mask, dtype=xp.float64)[:, :, None, None]
    return J.reshape(N, P * nd, J.shape[-1])


def batched_ranks(J, xp=None, return_singular=False):
    r"""Numerical ranks of a stack of matrices ``(N, m, n)``.

    rank = #{ s_i > s_max * max(m, n) * eps } (numpy's ``matrix_rank``
    rule). With ``return_singular`` also the singular values, descending.
    """
    if xp is None:
        xp = np
    N, m, n = J.shape
    s = xp.linalg.svd(J, compute_uv=False)
    smax = s[:, :1] if s.shape[1] else xp.zeros((N, 1))
    tol = smax * max(m, n) * EPS
    r = xp.sum(s > tol, axis=1)
    return (r, s) if return_singular else r


def rational_points(n0: int, n_points: int, seed: int = 0, scale: float = 1.0,
                    denominator: int = 2**12) -> list[list[Fraction]]:
    r"""``n_points`` seeded points ``r u`` rounded to multiples of ``1/denominator``.

    ``u`` is a standard Gaussian direction and the radius ``r`` is log-uniform
    in ``[scale/10, 20 scale]``: bounded regions cluster near the origin and
    unbounded ones reach out, so a mixture of scales meets more regions per
    point than one Gaussian (each region adds at most ``(n0 + 1) n_d`` rows
    to the rank). Dyadic denominators make every coordinate exactly
    representable in float64, so the float screen and the exact rank see
    the *same* points. Smoothness depends on the network (see
    :func:`smooth_mask`).
    """
    rng = np.random.default_rng([int(seed), 0x5C2E])
    u = rng.normal(size=(n_points, n0))
    r = np.exp(rng.uniform(np.log(scale / 10), np.log(20 * scale), size=(n_points, 1)))
    X = np.rint(u * r * denominator).astype(np.int64)
    return [[Fraction(int(v), denominator) for v in row] for row in X]


def smooth_mask(nets, points) -> np.ndarray:
    """``(N, P)`` booleans: point p is smooth for network i, decided exactly.

    Uses :func:`exactsym.patterns.batch_labels` (float forward pass with a
    rigorous error bound; undecided signs are recomputed with Fractions)
    when available, else an exact forward pass per point.
    """
    try:
        from ..arrangement.patterns import batch_labels
    except ImportError:
        batch_labels = None
    rows = []
    for net in nets:
        if not net.H:
            rows.append(np.ones(len(points), dtype=bool))
        elif batch_labels is not None:
            lab, _ = batch_labels(net, points)
            rows.append(np.all(np.asarray(lab) != 0, axis=1))
        else:
            rows.append(np.array([net.is_smooth(x) for x in points], dtype=bool))
    return np.array(rows, dtype=bool).reshape(len(nets), len(points))


@dataclass
class ScreenResult:
    """Float screening of N networks of one architecture on one batch.

    ``ranks[i]`` is the float SVD rank of network i's Jacobian; ``full[i]``
    is ``ranks[i] == bound``. These are *candidates*: only an exact rank
    (``exactsym.fdim``) makes a claim.
    """
    architecture: tuple
    bound: int
    D: int
    n_points: int
    backend: str
    ranks: np.ndarray
    smin_ratio: np.ndarray = field(repr=False)  # s_bound / s_max: distance of the bound from the tolerance

    @property
    def full(self) -> np.ndarray:
        return self.ranks == self.bound


def _blas_limit(threads):
    """Context manager limiting BLAS threads (threadpoolctl, when installed).

    Many small SVDs gain nothing from a threaded BLAS, and on a loaded
    machine threads contend: measured on 2 shared cores, 64 SVDs of
    615 x 177 took 0.49 s single-threaded and 6.4 s threaded.
    """
    import contextlib
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def _chunk_size(N, rows, D, chunk_bytes):
    per = max(1, rows * D * 8 * 3)  # Jacobian + intermediates of the backprop
    return max(1, min(N, chunk_bytes // per))


def screen(nets: Sequence, points=None, n_points: int | None = None, seed: int = 0,
           backend: str = "numpy", mask_nonsmooth: bool = True, chunk_bytes: int | None = None,
           layers=None, blas_threads: int | None = 1) -> ScreenResult:
    """Float ranks of ``nets`` (one architecture) on a shared batch of points.

    ``points``: rational (or float) points; default :func:`rational_points`
    with ``n_points`` (default :func:`default_n_points`) and ``seed``.
    ``mask_nonsmooth``: leave out, per network, the points that are exactly
    non-smooth (Fractions; costs one exact forward pass per point and net).
    ``layers``: pre-stacked float arrays (skips the conversion).
    ``blas_threads``: BLAS threads for the numpy SVDs (None: leave as is).
    """
    xp = get_backend(backend)
    if chunk_bytes is None:
        chunk_bytes = CHUNK_BYTES if xp is np else CHUNK_BYTES_CUDA
    nets = list(nets)
    net0 = nets[0]
    arch = tuple(net0.architecture)
    if points is None:
        if n_points is None:
            n_points = default_n_points(net0)
        points = rational_points(net0.n0, n_points, seed=seed)
    X = np.array([[float(v) for v in x] for x in points], dtype=np.float64)
    mask = smooth_mask(nets, points) if mask_nonsmooth and isinstance(points[0][0], Fraction) else None
    if layers is None:
        layers = stack_networks(nets, np)
    N = len(nets)
    nd = arch[-1]
    rows = X.shape[0] * nd
    cs = _chunk_size(N, rows, net0.D, chunk_bytes)
    ranks, ratios = [], []
    with _blas_limit(blas_threads if xp is np else None):
        for s in range(0, N, cs):
            sub = [(xp.asarray(W[s:s + cs]), xp.asarray(b[s:s + cs])) for W, b in layers]
            m = None if mask is None else mask[s:s + cs]
            J = batched_jacobians(sub, X, xp=xp, row_mask=m)
            r, sv = batched_ranks(J, xp=xp, return_singular=True)
            k = min(net0.bound, sv.shape[1]) - 1
            ratio = sv[:, k] / xp.maximum(sv[:, 0], 1e-300)
            if xp is not np:
                r, ratio = xp.asnumpy(r), xp.asnumpy(ratio)
            ranks.append(np.asarray(r))
            ratios.append(np.asarray(ratio))
    return ScreenResult(arch, net0.bound, net0.D, len(points), backend,
                        np.concatenate(ranks).astype(np.int64), np.concatenate(ratios))


def default_n_points(net) -> int:
    """Points per batch: four times what the bound needs, plus one simplex.

    Each point contributes ``n_d`` rows, so ``(D - H) / n_d`` points are the
    minimum; random points repeat regions (and rows of one region span at
    most ``(n0 + 1) n_d`` dimensions), hence the factor 4.
    """
    return 4 * -(-net.bound // net.n_out) + net.n0 + 1


def screen_seeds(architecture, seeds, init: str = "kaiming", denominator: int = 256,
                 points=None, n_points=None, point_seed: int = 0, backend: str = "numpy"):
    """Generate ``random_network(arch, seed)`` for every seed and screen them together.

    Returns ``(nets, ScreenResult)``.
    """
    from ..network.generate import random_network
    nets = [random_network(architecture, seed=int(s), init=init, denominator=denominator) for s in seeds]
    return nets, screen(nets, points=points, n_points=n_points, seed=point_seed, backend=backend)
