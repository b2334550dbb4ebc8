"""Figures of a region enumeration (matplotlib, Agg backend; floats are for drawing only).

The regions, facets and values are exact; a figure converts them to floats
to draw them, and says nothing the certificate does not.

* ``n0 = 2``: every region as a polygon (its exact inequalities clipped to
  the drawing window, Sutherland-Hodgman), filled in a pale colour per
  activation pattern or, with ``heat=k``, by the value of the output
  :math:`F_k` (affine on each region, so linear interpolation on a fan of
  triangles of the polygon is exact up to drawing precision). The facets
  are drawn in one colour and line style per *layer*, with a legend;
  labels ``l.j`` per bent hyperplane are optional (``labels=True``: placed
  at the longest facet, skipped where they would overlap another label).
  Optional overlays: data points, and the level set :math:`F_1 = c` (one
  output) or the decision boundary :math:`\\arg\\max_k F_k` (several
  outputs), computed region by region from the exact affine map.
* ``n0 = 1``: the graph of each output of F, piece by piece (exact values at
  the breakpoints), breakpoints marked in the colour of their layer.

The window frames where the arrangement is: the vertices where bent
hyperplanes meet (and the facet witnesses), robustly (between the 8th and
92nd percentile) with a margin, not the outermost vertex. On a box the
window is the box. ``window=(x0, x1, y0, y1)`` overrides it. The format
follows the file name: ``.png`` (raster, 200 dpi), ``.pdf`` or ``.svg``
(vector).
"""

from __future__ import annotations

import hashlib
import math

__all__ = ["plot_regions", "LAYER_STYLES"]

#: colour and line style of the bent hyperplanes of hidden layer l (cycled)
LAYER_STYLES = [("#1f77b4", "-"), ("#d62728", "--"), ("#2ca02c", "-."), ("#9467bd", ":"),
                ("#ff7f0e", (0, (5, 1, 1, 1))), ("#8c564b", (0, (3, 1, 1, 1, 1, 1)))]


def _clip(poly, a, c):
    """Clip a polygon (list of (x, y)) to the half-plane a.x + c >= 0."""
    out = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp = a[0] * p[0] + a[1] * p[1] + c
        fq = a[0] * q[0] + a[1] * q[1] + c
        if fp >= 0:
            out.append(p)
        if (fp >= 0) != (fq >= 0):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def _pale(pattern):
    d = hashlib.sha256(bytes(1 if v > 0 else 0 for v in pattern)).digest()
    return tuple(0.80 + 0.17 * d[i] / 255 for i in range(3))


def _layer_of(net):
    return [l for l in range(1, net.depth) for _ in range(net.architecture[l])]


def _names(net):
    return [f"{l}.{j}" for l in range(1, net.depth) for j in range(net.architecture[l])]


def _polygon(ineqs, win):
    poly = list(win)
    for a, c in ineqs:
        if len(poly) < 3:
            break
        poly = _clip(poly, a, c)
    return poly


def _percentile_box(xs, ys, margin=0.25, q=0.08):
    def span(v):
        v = sorted(v)
        lo, hi = v[int(q * (len(v) - 1))], v[int(math.ceil((1 - q) * (len(v) - 1)))]
        w = max(hi - lo, 1e-9 * max(1.0, abs(hi)), 1e-12)
        return lo - margin * w, hi + margin * w
    (x0, x1), (y0, y1) = span(xs), span(ys)
    # a square-ish frame: neither axis thinner than a fifth of the other
    wx, wy = x1 - x0, y1 - y0
    if wx < wy / 5:
        m = (x0 + x1) / 2
        x0, x1 = m - wy / 10, m + wy / 10
    if wy < wx / 5:
        m = (y0 + y1) / 2
        y0, y1 = m - wx / 10, m + wx / 10
    return x0, x1, y0, y1


def frame(result, ineqs):
    """The drawing window: the box, or a robust frame of the arrangement's vertices."""
    if result.box is not None:
        lo, hi = float(result.box[0]), float(result.box[1])
        return lo, hi, lo, hi
    pts = [tuple(float(v) for v in e[2]) for e in result.facets.values() if e[0] == "facet"]
    pts += [tuple(float(v) for v in r.point) for r in result.regions]
    scale = max([1.0] + sorted(abs(c) for p in pts for c in p)[: max(1, len(pts))])
    big = 1e3 * scale
    win = [(-big, -big), (big, -big), (big, big), (-big, big)]
    verts = []
    for iq in ineqs.values():
        for x, y in _polygon(iq, win):
            if max(abs(x), abs(y)) < 0.999 * big:     # a true vertex, not the window's corner
                verts.append((x, y))
    use = verts if len(verts) >= 2 else pts
    if not use:
        return -1.0, 1.0, -1.0, 1.0
    return _percentile_box([p[0] for p in use], [p[1] for p in use])


def _line_segment(a, c, win, others):
    """The part of {a.x + c = 0} inside the window and the half-planes ``others``."""
    nrm = math.hypot(a[0], a[1])
    if nrm == 0:
        return None
    p0 = (-c * a[0] / nrm ** 2, -c * a[1] / nrm ** 2)
    d = (-a[1] / nrm, a[0] / nrm)
    lo, hi = -math.inf, math.inf
    (x0, y0), (x1, y1) = win[0], win[2]
    half = [((1, 0), -x0), ((-1, 0), x1), ((0, 1), -y0), ((0, -1), y1)] + list(others)
    for b, e in half:
        bd = b[0] * d[0] + b[1] * d[1]
        bp = b[0] * p0[0] + b[1] * p0[1] + e
        if abs(bd) < 1e-15:
            if bp < 0:
                return None
            continue
        t = -bp / bd
        if bd > 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
    if not lo < hi:
        return None
    return (p0[0] + lo * d[0], p0[1] + lo * d[1]), (p0[0] + hi * d[0], p0[1] + hi * d[1])


class _FloatForms:
    """Every neuron's and output's affine form on a region, composed in float64 from the pattern.

    Drawing only: the exact forms (:attr:`Region.inequalities`) are Fraction compositions that cost
    far more than the figure on networks with thousands of regions.
    """

    def __init__(self, net):
        import numpy as np
        self.net = net
        self.W = [np.array([[float(v) for v in row] for row in W], dtype=float).reshape(len(b), -1)
                  for W, b in net.layers]
        self.b = [np.array([float(v) for v in b], dtype=float) for _, b in net.layers]
        self.cache = {}

    def forms(self, reg):
        """``[(a, c)]`` for the H hidden neurons then the outputs: pre-activation = a . x + c."""
        import numpy as np
        got = self.cache.get(reg.index)
        if got is not None:
            return got
        n0 = self.net.n0
        A, c = np.eye(n0), np.zeros(n0)
        out, h = [], 0
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            Z, z = W @ A, W @ c + b
            out += [(list(Z[i]), float(z[i])) for i in range(len(b))]
            if l + 1 < len(self.W):
                on = np.array([s > 0 for s in reg.pattern[h:h + len(b)]], dtype=float)
                A, c = Z * on[:, None], z * on
                h += len(b)
        self.cache[reg.index] = out
        return out

    def inequalities(self, reg):
        H = self.net.H
        return [([s * v for v in a], s * c) for s, (a, c) in zip(reg.pattern, self.forms(reg)[:H])]

    def affine(self, reg):
        return self.forms(reg)[self.net.H:]


def _fill_regions(ax, result, ineqs, win, heat, ff):
    """Pale pattern colours, or a heat map of F_heat; returns the mappable for a colour bar."""
    polys = {r.index: _polygon(ineqs[r.index], win) for r in result.regions}
    if heat is None:   # one collection, not one artist per region (thousands of regions)
        from matplotlib.collections import PolyCollection
        keep = [reg for reg in result.regions if len(polys[reg.index]) >= 3]
        ax.add_collection(PolyCollection([polys[reg.index] for reg in keep],
                                         facecolors=[_pale(reg.pattern) for reg in keep],
                                         edgecolors="white", linewidths=0.4, zorder=1))
        return None
    xs, ys, zs, tris = [], [], [], []
    for reg in result.regions:
        poly = polys[reg.index]
        if len(poly) < 3:
            continue
        a, c = ff.affine(reg)[heat]
        base = len(xs)
        for x, y in poly:
            xs.append(x)
            ys.append(y)
            zs.append(a[0] * x + a[1] * y + c)
        tris += [(base, base + i, base + i + 1) for i in range(1, len(poly) - 1)]
    if not tris:
        return None
    return ax.tripcolor(xs, ys, tris, zs, shading="gouraud", cmap="viridis", zorder=1, rasterized=True)


def _draw_facets(ax, result, ineqs, win, labels):
    net = result.net
    layer = _layer_of(net)
    names = _names(net)
    from matplotlib.collections import LineCollection
    best = {}
    segs = {}   # layer -> segments: one collection per layer (thousands of facets)
    for (r, h), e in result.facets.items():
        if e[0] != "facet" or r > e[1]:
            continue
        a, c = ineqs[r][h]
        seg = _line_segment(a, c, win, [q for k, q in enumerate(ineqs[r]) if k != h])
        if seg is None:
            continue
        (px, py), (qx, qy) = seg
        segs.setdefault(layer[h], []).append(seg)
        length = (qx - px) ** 2 + (qy - py) ** 2
        if length > best.get(h, (0, None))[0]:
            best[h] = (length, ((px + qx) / 2, (py + qy) / 2))
    for lay in sorted(segs):
        col, ls = LAYER_STYLES[(lay - 1) % len(LAYER_STYLES)]
        ax.add_collection(LineCollection(segs[lay], colors=col, linestyles=[ls], linewidths=1.3, zorder=3,
                                         label=f"bent hyperplanes of layer {lay}", capstyle="butt"))
    if labels:
        _place_labels(ax, best, names, layer, win)


def _place_labels(ax, best, names, layer, win):
    """Label each bent hyperplane at its longest facet, skipping labels that would overlap."""
    (x0, y0), (x1, y1) = win[0], win[2]
    dx, dy = 0.045 * (x1 - x0), 0.03 * (y1 - y0)
    placed = []
    for h, (_, (mx, my)) in sorted(best.items(), key=lambda t: -t[1][0]):
        if any(abs(mx - px) < dx and abs(my - py) < dy for px, py in placed):
            continue
        placed.append((mx, my))
        col, _ = LAYER_STYLES[(layer[h] - 1) % len(LAYER_STYLES)]
        ax.annotate(names[h], (mx, my), fontsize=7, color="white", ha="center", va="center", zorder=5,
                    bbox=dict(boxstyle="round,pad=0.15", fc=col, alpha=0.9, lw=0))


def _draw_level_set(ax, result, ineqs, win, level, ff):
    """F_1 = level (one output) or the boundaries of argmax_k F_k (several), region by region."""
    from matplotlib.collections import LineCollection
    n_out = result.net.n_out
    segs = []
    for reg in result.regions:
        F = ff.affine(reg)
        own = ineqs[reg.index]
        pairs = [(0, None)] if n_out == 1 else [(i, j) for i in range(n_out) for j in range(i + 1, n_out)]
        for i, j in pairs:
            if j is None:
                a, c = F[0][0], F[0][1] - level
                others = own
            else:
                a = [F[i][0][0] - F[j][0][0], F[i][0][1] - F[j][0][1]]
                c = F[i][1] - F[j][1]
                # the boundary between classes i and j is where both beat every other class
                others = own + [([F[i][0][0] - F[t][0][0], F[i][0][1] - F[t][0][1]], F[i][1] - F[t][1])
                                for t in range(n_out) if t not in (i, j)]
            seg = _line_segment(a, c, win, others)
            if seg is not None:
                segs.append(seg)
    if segs:
        ax.add_collection(LineCollection(segs, colors="black", linewidths=2.0, zorder=4,
                                         label="decision boundary" if n_out > 1 else f"level set F = {level:g}"))


def _mark_slice_points(ax):
    """In slice coordinates the defining points are P0 = (0, 0), P1 = (1, 0), P2 = (0, 1)."""
    for name, (x, y) in (("$P_0$", (0, 0)), ("$P_1$", (1, 0)), ("$P_2$", (0, 1))):
        ax.plot([x], [y], marker="*", ms=9, color="gold", mec="black", mew=0.6, zorder=7)
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, 5), fontsize=8, zorder=7)


def _plot_plane(ax, fig, result, labels, points, level, heat, window, axis_names, slice_marks=False):
    ff = _FloatForms(result.net)
    ineqs = {r.index: ff.inequalities(r) for r in result.regions}
    x0, x1, y0, y1 = window or frame(result, ineqs)
    win = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    mappable = _fill_regions(ax, result, ineqs, win, heat, ff)
    _draw_facets(ax, result, ineqs, win, labels)
    if level is not None:
        _draw_level_set(ax, result, ineqs, win, level, ff)
    if points:
        from fractions import Fraction
        ax.scatter([float(Fraction(p[0])) for p in points], [float(Fraction(p[1])) for p in points], s=9, c="black",
                   marker="o", linewidths=0, alpha=0.7, zorder=6, label="data points")
    if slice_marks:
        _mark_slice_points(ax)
    if mappable is not None:
        name = "F" if result.net.n_out == 1 else f"F_{heat + 1}"
        from mpl_toolkits.axes_grid1 import make_axes_locatable
        cax = make_axes_locatable(ax).append_axes("right", size="4%", pad=0.08)
        fig.colorbar(mappable, cax=cax, label=name)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.legend(loc="upper right", fontsize=7, framealpha=0.9)


def _plot_line(ax, result, axis_name):
    from fractions import Fraction
    net = result.net
    layer = _layer_of(net)
    bps = sorted({(e[2][0], h) for (r, h), e in result.facets.items() if e[0] == "facet"})
    xs = [b for b, _ in bps]
    if result.box is not None:
        lo, hi = result.box
    else:
        span = (max(xs) - min(xs)) if xs else Fraction(2)
        lo = (min(xs) if xs else Fraction(-1)) - max(span / 5, Fraction(1))
        hi = (max(xs) if xs else Fraction(1)) + max(span / 5, Fraction(1))
    grid = [lo] + [x for x in xs if lo < x < hi] + [hi]
    vals = [net.forward([x]) for x in grid]
    for k in range(net.n_out):
        ax.plot([float(x) for x in grid], [float(v[k]) for v in vals], "-", lw=1.6, color="black" if
                net.n_out == 1 else None, label=f"F_{k + 1}" if net.n_out > 1 else "F", zorder=3)
    seen = set()
    for (b, h) in bps:
        col, ls = LAYER_STYLES[(layer[h] - 1) % len(LAYER_STYLES)]
        lab = None if layer[h] in seen else f"breakpoints of layer {layer[h]}"
        seen.add(layer[h])
        ax.axvline(float(b), color=col, ls=ls, lw=0.9, zorder=1, label=lab)
    ax.set_xlabel(axis_name)
    ax.set_ylabel("F")
    ax.legend(loc="best", fontsize=7)


def plot_regions(result, path, title: str | None = None, *, labels: bool = False, points=None,
                 level: float | None = None, heat: int | None = None, window=None,
                 axis_names=None, slice_marks: bool = False) -> str:
    """Draw the regions (n0 = 2) or the graph of F (n0 = 1) to ``path`` (PNG, PDF or SVG).

    ``labels``: label bent hyperplanes ``l.j`` (else the legend names layers only);
    ``points``: data points to overlay; ``level``: draw the level set
    :math:`F = c` (one output) or the decision boundary (several outputs;
    any value); ``heat``: colour regions by output ``heat`` (0-based);
    ``window``: ``(x0, x1, y0, y1)``; ``axis_names``: axis labels; ``slice_marks``: mark the
    points defining a plane slice (at (0, 0), (1, 0), (0, 1) in slice coordinates).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    net = result.net
    if net.n0 not in (1, 2):
        raise ValueError(f"plots need n0 = 1 or 2 (this network has n0 = {net.n0})")
    if heat is not None and not 0 <= heat < net.n_out:
        raise ValueError(f"heat output {heat + 1} out of range 1..{net.n_out}")
    fig, ax = plt.subplots(figsize=(6.4, 5.6) if heat is None else (7.2, 5.6))
    if net.n0 == 2:
        _plot_plane(ax, fig, result, labels, points, level, heat, window, axis_names or ("$x_1$", "$x_2$"),
                    slice_marks)
    else:
        _plot_line(ax, result, (axis_names or ("$x$",))[0])
    word = "complete, certified" if result.complete else "INCOMPLETE"
    dom = "$\\mathbb{R}^%d$" % net.n0 if result.box is None else \
        f"$[{float(result.box[0]):g},{float(result.box[1]):g}]^{net.n0}$"
    ax.set_title(title or f"{len(result.regions)} activation regions on {dom} ({word})\n"
                 f"architecture {tuple(net.architecture)}", fontsize=9)
    fig.tight_layout()
    fig.savefig(str(path), dpi=200)
    plt.close(fig)
    return str(path)
