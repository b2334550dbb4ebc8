r"""Producer of the ``two-hidden-layer`` certificate of ``no-hidden-symmetries`` (depth 3, R^n0).

The theorem and its proof are ``proofs/deep-two-hidden-layers.md`` (DT). This
module only *finds* the witnesses DT needs, from a complete region enumeration
(:class:`~exactsym.arrangement.RegionsResult`), and records the closure steps
that succeed; every witness and step is accepted only after the exact tests of
:mod:`exactsym.check.shared.twolayer` (the same tests the checker replays).

* presence witnesses (DT D4): facet points of layer-2 neurons, grouped by the
  layer-1 pattern of their region;
* facet witnesses of (1, j) (DT D8): facet points of layer-1 neurons;
* crossing witnesses (DT D5): for a region with facets on both H_j and the
  trace of (2, k), a float LP proposes a point of the codimension-2 face with
  the other inequalities strict; it is rounded, put exactly on the flat by
  solving two coordinates in exact arithmetic, then checked exactly;
* the closure (DT D11/D12) is run to a fixpoint, rules R1, R3, R2, R4 in turn.

Float proposes, exact decides: no float value reaches the certificate unchecked.
"""

from __future__ import annotations

from fractions import Fraction

from ..check.shared.exact import CheckFailure
from ..check.shared.twolayer import (
    TwoLayer,
    bend_flat_failure,
    flat_incidences,
    no_zero_one_sum,
    rank,
    rule_r1,
    rule_r2,
    rule_r3,
    rule_r4,
)
from ..network.model import Network
from ..network.numbers import fmt

__all__ = ["find_witnesses", "two_hidden_layer_certificate"]

#: LP optimum below which a codimension-2 face is treated as absent (a proposal only)
FACE_TOL = 1e-9
#: at most this many anchors are tried
MAX_ANCHORS = 6


def _facets(reg):
    """Facet points from the region evidence: (h, region index, point)."""
    for (r, h), ev in reg.facets.items():
        if ev[0] == "facet":
            yield h, r, tuple(ev[2])


def _presence_and_facet1(tl: TwoLayer, reg):
    """Presence witnesses {(k, s1): q} and facet witnesses of layer 1 [(j, p)], deduplicated."""
    presence, facet1, seen = {}, [], set()
    for h, r, pt in _facets(reg):
        s1 = tuple(reg.regions[r].pattern[:tl.n1])
        if h >= tl.n1:
            presence.setdefault((h - tl.n1, s1), pt)
        else:
            key = (h, tl.net.labels(pt))
            if key not in seen:
                seen.add(key)
                facet1.append((h, pt))
    return presence, facet1


def _solve_on_flat(f, g, x):
    """x moved exactly onto {f = 0 = g} by re-solving the two best-conditioned coordinates."""
    n0 = len(x)
    best = max(((a, b) for a in range(n0) for b in range(a + 1, n0)),
               key=lambda ab: abs(f[ab[0]] * g[ab[1]] - f[ab[1]] * g[ab[0]]))
    a, b = best
    det = f[a] * g[b] - f[b] * g[a]
    if det == 0:
        return None
    rf = -(f[-1] + sum(f[c] * x[c] for c in range(n0) if c not in best))
    rg = -(g[-1] + sum(g[c] * x[c] for c in range(n0) if c not in best))
    y = list(x)
    y[a] = (rf * g[b] - f[b] * rg) / det
    y[b] = (f[a] * rg - rf * g[a]) / det
    return y


def _face_lp(ineqs, eq_idx):
    """Float proposal: maximise the slack t of the other inequalities on the face {eq_idx forms = 0}."""
    import numpy as np
    from scipy.optimize import linprog
    n0 = len(ineqs[0][0])
    A = np.array([[float(v) for v in a] for a, _ in ineqs])
    c = np.array([float(v) for _, v in ineqs])
    others = [h for h in range(len(ineqs)) if h not in eq_idx]
    A_ub = np.hstack([-A[others], np.ones((len(others), 1))])
    A_eq = np.hstack([A[list(eq_idx)], np.zeros((len(eq_idx), 1))])
    scale = 1.0 + float(np.max(np.abs(c)))
    bounds = [(-1e3 * scale, 1e3 * scale)] * n0 + [(None, 1.0)]
    res = linprog(np.r_[np.zeros(n0), -1.0], A_ub=A_ub, b_ub=c[others], A_eq=A_eq,
                  b_eq=-c[list(eq_idx)], bounds=bounds, method="highs")
    if res.status != 0 or -res.fun <= FACE_TOL:
        return None
    return res.x[:n0]


def _exact_crossing(tl: TwoLayer, j, k, s1, xf):
    """A crossing witness (D5) near the float point xf, or None."""
    f, g = tl.ell[j], tl.alpha(k, s1)
    for den in (2 ** 12, 2 ** 24, 2 ** 40):
        x = [Fraction(float(v)).limit_denominator(den) for v in xf]
        q = _solve_on_flat(f, g, x)
        if q is None:
            return None
        try:
            tl.crossing(j, k, q)
            return q
        except CheckFailure:
            continue
    return None


def _crossings(tl: TwoLayer, reg):
    """Crossing witnesses [(j, k, q)], one per (j, k, layer-1 pattern off j)."""
    out, seen = [], set()
    facet_set = {}
    for h, r, _ in _facets(reg):
        facet_set.setdefault(r, set()).add(h)
    for r, hs in facet_set.items():
        s1 = tuple(reg.regions[r].pattern[:tl.n1])
        for j in (h for h in hs if h < tl.n1):
            for k in (h - tl.n1 for h in hs if h >= tl.n1):
                key = (j, k, s1[:j] + s1[j + 1:])
                if key in seen:
                    continue
                seen.add(key)
                xf = _face_lp(reg.regions[r].inequalities, (j, tl.n1 + k))
                q = None if xf is None else _exact_crossing(tl, j, k, s1, xf)
                if q is not None:
                    out.append((j, k, q))
    return out


def find_witnesses(net: Network, reg) -> dict:
    """All witnesses the producer can read off a complete region enumeration."""
    tl = TwoLayer(net)
    presence, facet1 = _presence_and_facet1(tl, reg)
    return {"tl": tl, "presence": presence, "facet1": facet1, "crossings": _crossings(tl, reg)}


def _u_candidates(tl: TwoLayer, k):
    n3 = tl.n3
    units = [[Fraction(int(i == o)) for i in range(n3)] for o in range(n3)]
    base = [list(tl.cols[k])] + units
    return base + [[-v for v in u] for u in base]


def _pt(q):
    return [fmt(v) for v in q]


def _attempt(tl, s0, L, kind, data):
    """(step as JSON, pairs it proves) for one candidate step against L, or None if it fails."""
    try:
        if kind == "R1":
            return {"rule": "R1", "k": data[0], "point": _pt(data[1])}, rule_r1(tl, s0, L, *data)
        if kind == "R3":
            return {"rule": "R3", "j": data[0], "point": _pt(data[1])}, rule_r3(tl, s0, L, *data)
        if kind == "R4":
            return {"rule": "R4", "m": data}, rule_r4(tl, s0, L, data)
    except CheckFailure:
        return None
    j, k, q = data
    if (k, j) in L:
        return None
    for u in _u_candidates(tl, k):
        try:
            pairs = rule_r2(tl, s0, L, j, k, q, u)
        except CheckFailure:
            continue
        return {"rule": "R2", "j": j, "k": k, "point": _pt(q), "u": _pt(u)}, pairs
    return None


def _closure(tl: TwoLayer, s0, wit):
    """Run R1, R3, R2, R4 to a fixpoint from L = {}; returns (L, steps as JSON objects)."""
    cands = [("R1", (k, q)) for (k, _s), q in wit["presence"].items()]
    cands += [("R3", (j, p)) for j, p in wit["facet1"]]
    cands += [("R2", c) for c in wit["crossings"]]
    cands += [("R4", m) for m in range(tl.n2)]
    L, steps = set(), []
    progress = True
    while progress and len(L) < tl.n1 * tl.n2:
        progress = False
        for kind, data in cands:
            got = _attempt(tl, s0, L, kind, data)
            if got is not None and got[1] - L:
                L |= got[1]
                steps.append(got[0])
                progress = True
    return L, steps


def _anchors(tl: TwoLayer, presence):
    """Layer-1 patterns with a presence witness of every layer-2 neuron, meeting (H4) and (H5)."""
    by_s = {}
    for (k, s), q in presence.items():
        by_s.setdefault(s, {})[k] = q
    out = []
    for s, pts in sorted(by_s.items()):
        if len(pts) < tl.n2:
            continue
        alphas = [tl.alpha(k, s) for k in range(tl.n2)]
        if any(rank([alphas[k], alphas[m]]) < 2 for k in range(tl.n2) for m in range(k)):
            continue
        nf2 = [[tl.cols[k][o] * u for o in range(tl.n3) for u in alphas[k][:-1]] for k in range(tl.n2)]
        try:
            if no_zero_one_sum(nf2):
                out.append((s, [pts[k] for k in range(tl.n2)]))
        except CheckFailure:
            continue
    return out


def _global_failure(tl: TwoLayer) -> str | None:
    """The first of (H1), (H2), (H6) that fails, as a one-line reason, or None."""
    for j in range(tl.n1):
        if not any(tl.ell[j][:-1]):
            return f"(H1) fails: w_{j} = 0"
        if any(rank([tl.ell[j], tl.ell[i]]) < 2 for i in range(j)):
            return f"(H1) fails: layer-1 row {j} is proportional to an earlier one"
    if any(not any(c) for c in tl.cols):
        return "(H2) fails: some output column c_k is zero"
    vecs = [[tl.V[m][i] * w for m in range(tl.n2) for w in tl.ell[i][:-1]] for i in range(tl.n1)]
    try:
        if not no_zero_one_sum(vecs):
            return "(H6) fails: a layer-1 flip set S has sum W2[:, i] w_i = 0 (mechanism 6)"
    except CheckFailure as e:
        return f"(H6) {e}"
    return None


def _broken_flats(tl: TwoLayer, crossings):
    """The broken crossings (v_kj != 0) as certificate entries, and the first M failing (H3) or None."""
    broken = [(j, k, q) for j, k, q in crossings if tl.V[k][j] != 0]
    flats = [(j, (tl.ell[j], tl.alpha(k, tl.crossing(j, k, q)[0]))) for j, k, q in broken]
    r, groups = flat_incidences(tl, flats)
    try:
        bad = bend_flat_failure(r, groups)
    except CheckFailure as e:
        bad = str(e)
    return [{"j": j, "k": k, "point": _pt(q)} for j, k, q in broken], r, bad


def two_hidden_layer_certificate(net: Network, regions_result) -> dict | str:
    """The ``no-hidden-symmetries`` certificate with criterion ``two-hidden-layer``, or why not.

    ``regions_result`` must be a complete enumeration on R^n0 (it is only used to
    find witnesses; the certificate does not contain it). Returns the certificate
    (a dict) or a one-line reason (a str) naming the first hypothesis of DT §2 that
    could not be met.
    """
    if net.depth != 3:
        return "the two-hidden-layer criterion needs depth d = 3"
    if net.n0 < 2:
        return "the two-hidden-layer criterion needs n0 >= 2 (no crossing witnesses on a line)"
    tl = TwoLayer(net)
    why = _global_failure(tl)
    if why:
        return why
    if regions_result is None or not regions_result.complete or regions_result.box is not None:
        return "needs a complete region enumeration on R^n0 to find the witnesses of (H3), (H4), (H7)"
    wit = find_witnesses(net, regions_result)
    crossings, r, bad = _broken_flats(tl, wit["crossings"])
    if bad is not None:
        return f"(H3) fails for M = {bad}: private bend flats found r_j = {r}"
    anchors = _anchors(tl, wit["presence"])
    if not anchors:
        return "(H4)/(H5) fail: no chamber with all layer-2 traces present, distinct, and (NF2*)"
    left = None
    for s0, pres in anchors[:MAX_ANCHORS]:
        L, steps = _closure(tl, s0, wit)
        if len(L) == tl.n1 * tl.n2:
            ev = {"criterion": "two-hidden-layer", "crossings": crossings,
                  "anchor": {"pattern": list(s0), "presence": [_pt(q) for q in pres]}, "steps": steps}
            return {"format": "exactsym-cert/1", "claim": "no-hidden-symmetries", "network": net.to_dict(),
                    "network_sha256": net.sha256(), "domain": "R^n", "evidence": ev}
        left = tl.n1 * tl.n2 - len(L) if left is None else min(left, tl.n1 * tl.n2 - len(L))
    return f"(H7) fails: the closure leaves {left} of {tl.n1 * tl.n2} pairs (k, j) unlearned"
