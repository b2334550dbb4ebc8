r"""Figures and tables from a sweep CSV (:mod:`exactsym.sweep`).

Grigsby, Lindsey & Rolnick (ICML 2023, section 8) plot the fraction of
random initialisations whose functional dimension reaches :math:`D - H`
against depth, width and input dimension, with *float* ranks. Here each
figure has two columns side by side:

* **exact**: the fraction of trials for which ``fdim = D - H`` is *proven*
  (solid line) and, shaded above it, the trials left undecided (batch lower
  bound below D - H, region budget exceeded). The true fraction lies in the
  band ``[proven, proven + undecided]``;
* **float**: the fraction whose float SVD rank on the same batch equals
  D - H (the literature's estimate).

:func:`disagreements` lists the architectures where the float rank differed
from the exact rank of the same Jacobian, or where the float verdict "full"
differed from the exact one.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict

__all__ = ["load_results", "aggregate", "plot_vs", "disagreements", "write_disagreements", "reproduce"]

AXES = ("depth", "width", "n0")
#: for each x axis: (line parameter, panel parameter)
LAYOUT = {"depth": ("width", "n0"), "width": ("depth", "n0"), "n0": ("width", "depth")}


#: integer columns: required (a key) or optional (empty when not computed)
INT_REQUIRED = ("n0", "width", "depth", "trial")
INT_OPTIONAL = ("D", "H", "bound", "batch_rank", "fdim", "float_rank")
BOOL_COLUMNS = ("full", "float_full", "float_agrees", "fdim_exact")


def load_results(path) -> list[dict]:
    """Rows of a sweep CSV, with integer and boolean columns converted.

    A malformed cell (``"2.5"`` for a width, ``"yes"`` for a boolean, a missing
    cell) raises ValueError naming the row and its line: a figure must never be
    drawn from a row that was silently skipped or misread.
    """
    from .sweep import KEY
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        if not r.fieldnames or any(k not in r.fieldnames for k in KEY + ["full", "float_full"]):
            raise ValueError(f"{path}: not a sweep CSV")
        out = []
        for i, row in enumerate(r, start=1):
            out.append(_convert_row(path, i, r.line_num, row))
    return out


def _convert_row(path, i, line, row) -> dict:
    def bad(k, why):
        raise ValueError(f"{path}: row {i} (line {line}): column {k!r} {why}")
    if None in row:
        bad("(extra)", "has more cells than the header")
    d = dict(row)
    for k in INT_REQUIRED + INT_OPTIONAL:
        v = d.get(k)
        if v is None:
            if k in INT_REQUIRED or k in row:
                bad(k, "is missing")
            continue
        if v == "" and k in INT_OPTIONAL:
            d[k] = None
            continue
        t = v.strip()
        if not (t.isascii() and (t.isdigit() or (t[:1] == "-" and t[1:].isdigit()))) or len(t) > 30:
            bad(k, f"is {v[:30]!r}, not an integer")
        d[k] = int(t)
        if k in ("n0", "width", "depth") and d[k] < 1 or k == "trial" and d[k] < 0:
            bad(k, f"is {d[k]}, out of range")
    for k in BOOL_COLUMNS:
        v = d.get(k, "")
        if v is None or v not in ("true", "false", ""):
            bad(k, f"is {str(v)[:30]!r}, not true, false or empty")
        d[k] = {"true": True, "false": False}.get(v)
    return d


def aggregate(rows) -> dict:
    """Per ``(n0, width, depth)``: trials, proven full, proven deficient, undecided, float full, disagreements."""
    agg = defaultdict(lambda: dict(n=0, full=0, deficit=0, undecided=0, float_full=0, float_wrong=0,
                                   verdict_mismatch=0))
    for r in rows:
        a = agg[(r["n0"], r["width"], r["depth"])]
        a["n"] += 1
        a["full"] += r["full"] is True
        a["deficit"] += r["full"] is False
        a["undecided"] += r["full"] is None
        a["float_full"] += r["float_full"] is True
        a["float_wrong"] += r["float_agrees"] is False
        # the float says "full" where exactness says "not full" or vice versa
        a["verdict_mismatch"] += (r["full"] is not None and r["float_full"] is not None
                                  and r["full"] != r["float_full"])
    return dict(agg)


def _series(agg, x, line, panel):
    """{panel value: {line value: sorted [(x, n, full, undecided, float_full)]}} pooled over the rest."""
    idx = {"n0": 0, "width": 1, "depth": 2}
    pooled = defaultdict(lambda: [0, 0, 0, 0])
    for key, a in agg.items():
        k = (key[idx[panel]], key[idx[line]], key[idx[x]])
        p = pooled[k]
        p[0] += a["n"]
        p[1] += a["full"]
        p[2] += a["undecided"]
        p[3] += a["float_full"]
    out = defaultdict(lambda: defaultdict(list))
    for (pv, lv, xv), (n, f, u, ff) in sorted(pooled.items()):
        out[pv][lv].append((xv, n, f, u, ff))
    return out


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (95% by default) for a binomial proportion k / n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / den
    return max(0.0, mid - half), min(1.0, mid + half)


def _draw_series(ax_exact, ax_float, pts, colour, label, x_offset):
    """Exact: proven fraction with its 95% Wilson bar, undecided as a band; float: its fraction and bar."""
    xs = [p[0] + x_offset for p in pts]
    proven = [p[2] / p[1] for p in pts]
    upper = [(p[2] + p[3]) / p[1] for p in pts]
    bars = [wilson(p[2], p[1]) for p in pts]
    ax_exact.errorbar(xs, proven, yerr=[[v - b[0] for v, b in zip(proven, bars)],
                                        [b[1] - v for v, b in zip(proven, bars)]],
                      fmt="o-", color=colour, label=label, ms=4, capsize=2, lw=1.2, elinewidth=0.8)
    if any(h > lo for h, lo in zip(upper, proven)):
        ax_exact.fill_between(xs, proven, upper, color=colour, alpha=0.15, lw=0)
    fl = [p[4] / p[1] for p in pts]
    fb = [wilson(p[4], p[1]) for p in pts]
    ax_float.errorbar(xs, fl, yerr=[[v - b[0] for v, b in zip(fl, fb)], [b[1] - v for v, b in zip(fl, fb)]],
                      fmt="s--", color=colour, label=label, ms=4, capsize=2, lw=1.2, elinewidth=0.8)


def plot_vs(rows, x: str, path: str, title: str | None = None) -> str:
    """Full-functional-dimension fractions against ``x`` (depth, width or n0), exact beside float.

    Left column: the fraction of networks *proven* to reach dim_fun = D - H,
    with a 95% Wilson interval, and a band up to the fraction not proven
    deficient (undecided networks). Right column: the float SVD estimate on
    the usual random batch, with its interval. The trial counts are printed
    per panel. The format follows the suffix (``.png``, ``.pdf``, ``.svg``).
    """
    if x not in LAYOUT:
        raise ValueError(f"x must be one of {', '.join(AXES)}")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    line, panel = LAYOUT[x]
    ser = _series(aggregate(rows), x, line, panel)
    panels = sorted(ser)
    fig, axes = plt.subplots(len(panels), 2, figsize=(9, 2.6 * len(panels) + 0.8), squeeze=False,
                             sharex=True, sharey=True)
    cmap = plt.get_cmap("viridis")
    names = {"n0": "input dimension $n_0$", "width": "hidden width", "depth": "depth (hidden layers)"}
    for i, pv in enumerate(panels):
        lines = sorted(ser[pv])
        for j, lv in enumerate(lines):
            off = (j - (len(lines) - 1) / 2) * 0.06       # dodge the error bars of neighbouring lines
            _draw_series(axes[i][0], axes[i][1], ser[pv][lv], cmap(j / max(1, len(lines) - 1) * 0.9),
                         f"{line} {lv}", off)
        counts = sorted({p[1] for lv in lines for p in ser[pv][lv]})
        note = f"n = {counts[0]} per point" if len(counts) == 1 else f"n = {counts[0]}-{counts[-1]} per point"
        axes[i][0].text(0.98, 0.95, note, transform=axes[i][0].transAxes, ha="right", va="top", fontsize=7)
        axes[i][0].set_ylabel(f"{panel} = {pv}\nfraction with $\\dim_{{fun}} = D - H$")
        for ax in axes[i]:
            ax.set_ylim(-0.03, 1.03)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
    axes[0][0].set_title("exact (proven; band: undecided; bars: 95% Wilson)", fontsize=9)
    axes[0][1].set_title("float SVD rank on a random batch (estimate)", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel(names[x])
    h, lab = axes[0][0].get_legend_handles_labels()
    fig.legend(h, lab, loc="lower center", ncol=min(6, len(lab)), frameon=False, fontsize=8)
    n = sum(a["n"] for a in aggregate(rows).values())
    fig.suptitle(title or f"Full functional dimension vs {names[x]} ({n} random networks)", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fig.savefig(path, dpi=200)
    plt.close(fig)
    return path


def disagreements(rows) -> list[dict]:
    """Architectures where float and exact disagree, worst first.

    ``float_wrong``: trials whose float rank differs from the exact rank of
    the same Jacobian. ``verdict_mismatch``: trials where "float rank = D - H"
    differs from the exactly decided "fdim = D - H".
    """
    out = []
    for (n0, w, k), a in sorted(aggregate(rows).items()):
        if a["float_wrong"] or a["verdict_mismatch"]:
            arch = "-".join(map(str, [n0] + [w] * k + [1]))
            out.append(dict(n0=n0, width=w, depth=k, architecture=arch, trials=a["n"],
                            float_wrong=a["float_wrong"], verdict_mismatch=a["verdict_mismatch"],
                            exact_full=a["full"], float_full=a["float_full"], undecided=a["undecided"]))
    out.sort(key=lambda r: (-r["float_wrong"] - r["verdict_mismatch"], r["n0"], r["width"], r["depth"]))
    return out


TABLE_COLUMNS = ["architecture", "n0", "width", "depth", "trials", "float_wrong", "verdict_mismatch",
                 "exact_full", "float_full", "undecided"]


def write_disagreements(rows, md_path: str | None = None, csv_path: str | None = None) -> list[dict]:
    """Write the disagreement table as markdown and/or CSV; returns it."""
    tab = disagreements(rows)
    if csv_path:
        with open(csv_path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=TABLE_COLUMNS)
            w.writeheader()
            w.writerows(tab)
    if md_path:
        lines = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + "---|" * len(TABLE_COLUMNS)]
        lines += ["| " + " | ".join(str(r[c]) for c in TABLE_COLUMNS) + " |" for r in tab]
        if not tab:
            lines.append("| (none: float agreed with exact on every trial) |" + " |" * (len(TABLE_COLUMNS) - 1))
        note = ("\n`float_wrong`: float SVD rank != exact rank of the same Jacobian; "
                "`verdict_mismatch`: float says fdim = D-H where exact arithmetic decided otherwise "
                "(or the reverse); `exact_full`, `float_full`: trials with fdim = D-H proven / "
                "claimed by floats; `undecided`: only a lower bound below D-H.\n")
        with open(md_path, "w") as f:
            f.write("\n".join(lines) + "\n" + note)
    return tab


def reproduce(csv_path: str, outdir: str, prefix: str = "fdim") -> dict:
    """All figures and the disagreement table for one sweep CSV; returns the paths written."""
    if not prefix or "/" in prefix or os.sep in prefix or ".." in prefix:
        raise ValueError(f"prefix {prefix!r}: must be a plain file-name prefix (no '/', no '..')")
    rows = load_results(csv_path)
    if not rows:
        raise ValueError(f"{csv_path}: no rows")
    os.makedirs(outdir, exist_ok=True)
    out = {"figures": [], "table_md": None, "table_csv": None}
    agg = aggregate(rows)
    values = {ax: sorted({k[i] for k in agg}) for i, ax in enumerate(("n0", "width", "depth"))}
    for x in AXES:
        if len(values[x]) < 2:
            continue  # a curve needs at least two x values
        p = os.path.join(outdir, f"{prefix}_vs_{x}.png")
        plot_vs(rows, x, p)
        out["figures"].append(p)
    md = os.path.join(outdir, f"{prefix}_float_disagreements.md")
    cs = os.path.join(outdir, f"{prefix}_float_disagreements.csv")
    tab = write_disagreements(rows, md, cs)
    out.update(table_md=md, table_csv=cs, disagreeing_architectures=len(tab), rows=len(rows),
               architectures=len(agg), full_proven=sum(a["full"] for a in agg.values()),
               undecided=sum(a["undecided"] for a in agg.values()),
               float_full=sum(a["float_full"] for a in agg.values()))
    return out
