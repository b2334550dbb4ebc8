"""Coverage of the two-hidden-layer criterion (issue 14, items 6 and 7).

Over the grid n0 in 2..4, hidden widths n1 = n2 = w in n0..6, n3 in 1..2, centred and
Kaiming initialisations and 4 seeds, record how often `certify` proves
no-hidden-symmetries and how often local identifiability; then, for every
architecture of the grid, search a setting with a checked no-hidden-symmetries
certificate and write it to proofs/examples/construct/depth3/.

Run: OPENBLAS_NUM_THREADS=1 python3 benchmarks/deep_coverage.py  (about 10-20 minutes)
Writes docs/deep/coverage.csv, coverage.md, coverage.png and the certificates.
"""
import csv
import json
import os
import sys
from collections import defaultdict

from exactsym.experiments.construct_nhs import construct_no_hidden, coverage, depth3_grid, write_certificates

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "deep")


def table(rows):
    agg = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        a = agg[(r["architecture"], r["init"])]
        a[0] += 1
        a[1] += r["locally_identifiable"]
        a[2] += r["certified"]
    lines = ["| architecture | init | networks | locally identifiable | no hidden symmetries (certified) |",
             "|---|---|---|---|---|"]
    for (arch, init), (n, li, c) in sorted(agg.items(), key=lambda t: ([int(x) for x in t[0][0].split("-")], t[0][1])):
        lines.append(f"| ({arch.replace('-', ',')}) | {init} | {n} | {li} | {c} |")
    n = len(rows)
    li = sum(r["locally_identifiable"] for r in rows)
    c = sum(r["certified"] for r in rows)
    lines.append(f"| **all** | | **{n}** | **{li}** ({100 * li / n:.0f}%) | **{c}** ({100 * c / n:.0f}%) |")
    return "\n".join(lines) + "\n"


def figure(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from exactsym.experiments.reproduce import wilson
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.4), sharey=True)
    for ax, n0 in zip(axes, (2, 3, 4)):
        for key, style, label in (("locally_identifiable", "s--", "locally identifiable"),
                                  ("certified", "o-", "no hidden symmetries (certified)")):
            ws = sorted({r["width"] for r in rows if r["n0"] == n0})
            ks = [sum(r[key] for r in rows if r["n0"] == n0 and r["width"] == w) for w in ws]
            ns = [sum(1 for r in rows if r["n0"] == n0 and r["width"] == w) for w in ws]
            fr = [k / n for k, n in zip(ks, ns)]
            bars = [wilson(k, n) for k, n in zip(ks, ns)]
            ax.errorbar(ws, fr, yerr=[[f - b[0] for f, b in zip(fr, bars)], [b[1] - f for f, b in zip(fr, bars)]],
                        fmt=style, capsize=2, ms=4, label=label)
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"$n_0 = {n0}$", fontsize=9)
        ax.set_xlabel("hidden width $n_1 = n_2$")
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction of networks")
    axes[0].legend(fontsize=7, loc="lower right")
    n = len(rows)
    fig.suptitle(f"Two hidden layers $(n_0, w, w, n_3)$, $n_3\\in\\{{1,2\\}}$, centred and Kaiming, {n} networks "
                 "(bars: 95% Wilson)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=200)
    fig.savefig(path.replace(".png", ".pdf"))


def _read_csv(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k in ("n0", "width", "n_out", "seed"):
            r[k] = int(r[k])
        for k in ("locally_identifiable", "certified"):
            r[k] = r[k] == "True"
    return rows


def main():
    os.makedirs(OUT, exist_ok=True)
    if "--figure-only" in sys.argv:       # redraw from the committed CSV
        figure(_read_csv(os.path.join(OUT, "coverage.csv")), os.path.join(OUT, "coverage.png"))
        return
    archs = depth3_grid()
    rows = coverage(archs, progress=lambda r: print(r["architecture"], r["init"], r["seed"], r["verdict"],
                                                    r["seconds"], file=sys.stderr, flush=True))
    with open(os.path.join(OUT, "coverage.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(OUT, "coverage.md"), "w") as f:
        f.write(table(rows))
    figure(rows, os.path.join(OUT, "coverage.png"))
    results = [construct_no_hidden(a, n_seeds=12) for a in archs]
    outdir = os.path.join(ROOT, "proofs", "examples", "construct", "depth3")
    write_certificates(results, outdir)
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump([r.to_dict() for r in results], f, indent=1)
    ok = sum(r.certified for r in results)
    print(f"{ok} of {len(results)} architectures have a checked no-hidden-symmetries certificate", file=sys.stderr)


if __name__ == "__main__":
    main()
