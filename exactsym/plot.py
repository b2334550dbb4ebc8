"""Pictures of a region enumeration (matplotlib, Agg backend; floats are for drawing only).

* ``n0 = 2``: every region as a polygon coloured by its activation pattern
  (the region's exact inequalities clipped to the drawing window with
  Sutherland-Hodgman), the facets drawn in a colour per neuron and each bent
  hyperplane labelled ``l.j`` at its longest facet.
* ``n0 = 1``: the graph of each output of F, piece by piece (exact values at
  the breakpoints), with the breakpoints marked and labelled by neuron.
"""

from __future__ import annotations

import hashlib

__all__ = ["plot_regions"]


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


def _colour(pattern):
    d = hashlib.sha256(bytes(1 if v > 0 else 0 for v in pattern)).digest()
    return (0.35 + 0.6 * d[0] / 255, 0.35 + 0.6 * d[1] / 255, 0.35 + 0.6 * d[2] / 255)


def _window(result):
    if result.box is not None:
        lo, hi = float(result.box[0]), float(result.box[1])
        return lo, hi, lo, hi
    xs = [float(r.point[0]) for r in result.regions]
    ys = [float(r.point[1]) for r in result.regions] if result.net.n0 > 1 else [0.0]
    for e in result.facets.values():
        if e[0] == "facet":
            xs.append(float(e[2][0]))
            if result.net.n0 > 1:
                ys.append(float(e[2][1]))
    # unbounded regions have witnesses far out; frame the bulk of the arrangement instead
    def frame(v):
        v = sorted(v)
        med = v[len(v) // 2]
        dev = sorted(abs(t - med) for t in v)
        half = max(2.5 * dev[int(0.75 * (len(dev) - 1))], 1.0)
        return med - half, med + half
    (x0, x1), (y0, y1) = frame(xs), frame(ys)
    return x0, x1, y0, y1


def _names(net):
    return [f"{l}.{j}" for l in range(1, net.depth) for j in range(net.architecture[l])]


def plot_regions(result, path, title: str | None = None) -> str:
    """Draw the regions (n0 = 2) or the graph of F (n0 = 1) to ``path`` (PNG/SVG/PDF)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    net = result.net
    names = _names(net)
    cmap = plt.get_cmap("tab20")
    fig, ax = plt.subplots(figsize=(8, 7))
    if net.n0 == 2:
        x0, x1, y0, y1 = _window(result)
        win = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        ineqs = {}
        for reg in result.regions:
            poly = list(win)
            iq = [([float(v) for v in a], float(c)) for a, c in reg.inequalities]
            ineqs[reg.index] = iq
            for a, c in iq:
                if len(poly) < 3:
                    break
                poly = _clip(poly, a, c)
            if len(poly) >= 3:
                ax.fill([p[0] for p in poly], [p[1] for p in poly], color=_colour(reg.pattern),
                        edgecolor="white", linewidth=0.3)
        best = {}
        for (r, h), e in result.facets.items():
            if e[0] != "facet" or r > e[1]:
                continue
            a, c = ineqs[r][h]
            # the line a.x + c = 0 inside the window, clipped by region r's other inequalities
            seg = _line_segment(a, c, win, [q for k, q in enumerate(ineqs[r]) if k != h])
            if seg is None:
                continue
            (px, py), (qx, qy) = seg
            ax.plot([px, qx], [py, qy], color=cmap(h % 20), linewidth=1.6)
            length = (qx - px) ** 2 + (qy - py) ** 2
            if length > best.get(h, (0, None))[0]:
                best[h] = (length, ((px + qx) / 2, (py + qy) / 2))
        for h, (_, (mx, my)) in best.items():
            ax.annotate(names[h], (mx, my), fontsize=8, color="black", ha="center", va="center",
                        bbox=dict(boxstyle="round,pad=0.15", fc=cmap(h % 20), alpha=0.8, lw=0))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    elif net.n0 == 1:
        from fractions import Fraction
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
            ax.plot([float(x) for x in grid], [float(v[k]) for v in vals], "-", lw=1.8,
                    label=f"F_{k + 1}" if net.n_out > 1 else "F")
        for (b, h) in bps:
            y = net.forward([b])
            ax.axvline(float(b), color=cmap(h % 20), ls=":", lw=1)
            ax.plot([float(b)] * net.n_out, [float(v) for v in y], "o", color=cmap(h % 20), ms=5)
            ax.annotate(names[h], (float(b), float(y[0])), textcoords="offset points", xytext=(3, 6),
                        fontsize=8)
        ax.set_xlabel("x")
        ax.set_ylabel("F(x)")
        ax.legend(loc="best")
    else:
        plt.close(fig)
        raise ValueError(f"plots need n0 = 1 or 2 (this network has n0 = {net.n0})")
    word = "complete (certified)" if result.complete else "INCOMPLETE"
    ax.set_title(title or f"{len(result.regions)} activation regions, {word}; architecture "
                 f"{tuple(net.architecture)}")
    fig.tight_layout()
    fig.savefig(str(path), dpi=130)
    plt.close(fig)
    return str(path)


def _line_segment(a, c, win, others):
    """The part of {a.x + c = 0} inside the window and the half-planes ``others``."""
    import math
    nrm = math.hypot(a[0], a[1])
    if nrm == 0:
        return None
    p0 = (-c * a[0] / nrm ** 2, -c * a[1] / nrm ** 2)
    d = (-a[1] / nrm, a[0] / nrm)
    lo, hi = -math.inf, math.inf
    (x0, y0), (x1, y1) = win[0], win[2]
    half = [((1, 0), -x0), ((-1, 0), x1), ((0, 1), -y0), ((0, -1), y1)] + list(others)
    for b, e in half:
        # b.(p0 + t d) + e >= 0
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
