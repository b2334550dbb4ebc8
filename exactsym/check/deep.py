r"""Trusted verifier of ``no-hidden-symmetries`` with criterion ``two-hidden-layer``. Standard library only.

Proof: ``proofs/deep-two-hidden-layers.md`` (DT). Evidence (indices 0-based,
points lists of ``n0`` rationals in the strict formats of :mod:`.common`)::

    {"criterion": "two-hidden-layer",
     "crossings": [{"j": j, "k": k, "point": q}, ...],
     "anchor": {"pattern": [+1/-1] * n1, "presence": [q_0, ..., q_{n2-1}]},
     "steps": [{"rule": "R1", "k": k, "point": q},
               {"rule": "R2", "j": j, "k": k, "point": q, "u": [u_1, ..., u_n3]},
               {"rule": "R3", "j": j, "point": p},
               {"rule": "R4", "m": m}, ...]}

The checker verifies, exactly and in this order, every row of DT §12:
depth 3, domain R^n0, n0 >= 2; (H1), (H2); every crossing is a broken
crossing witness (DT D5 with v_kj != 0); (H3) the bend-flat count over
every nonempty subset M of layer-1 neurons; (H4) anchor
presence witnesses and pairwise non-proportional masked forms; (H5) (NF2*);
(H6) (NF1); (H7) the closure replayed from L = {} (each step must add a
pair) ends with every (k, j) learned. The pairs a step adds are recomputed,
never read from the certificate.

This module registers the claim ``no-hidden-symmetries`` and hands every
other criterion to the verifier of :mod:`.symmetry` unchanged.
"""

from __future__ import annotations

from .common import CheckFailure, integer, load_network, parse_domain, rational_vector
from .shared.twolayer import (
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
from .symmetry import VERIFIERS as _SYMMETRY

__all__ = ["VERIFIERS", "verify_two_hidden_layer"]

CRITERION = "two-hidden-layer"
_EVIDENCE_KEYS = {"criterion", "crossings", "anchor", "steps"}
_STEP_KEYS = {"R1": {"rule", "k", "point"}, "R2": {"rule", "j", "k", "point", "u"},
              "R3": {"rule", "j", "point"}, "R4": {"rule", "m"}}


def _obj(v, keys, where) -> dict:
    if not isinstance(v, dict) or set(v) != set(keys):
        raise CheckFailure(f"{where}: expected an object with keys {sorted(keys)}")
    return v


def _list(v, where) -> list:
    if not isinstance(v, list):
        raise CheckFailure(f"{where}: not a list")
    return v


def check_rows_and_columns(tl: TwoLayer) -> None:
    """(H1): nonzero, pairwise non-proportional layer-1 rows; (H2): nonzero output columns."""
    for j in range(tl.n1):
        if not any(tl.ell[j][:-1]):
            raise CheckFailure(f"(H1) fails: w_{j} = 0")
        for jj in range(j):
            if rank([tl.ell[j], tl.ell[jj]]) < 2:
                raise CheckFailure(f"(H1) fails: rows {jj} and {j} are proportional")
    for k in range(tl.n2):
        if not any(tl.cols[k]):
            raise CheckFailure(f"(H2) fails: output column c_{k} = 0")


def check_bend_flats(tl: TwoLayer, crossings) -> list[int]:
    """(H3): every listed crossing is broken (DT D5, v_kj != 0); the subset count of DT §2 holds."""
    flats = []
    for a, c in enumerate(_list(crossings, "crossings")):
        c = _obj(c, {"j", "k", "point"}, f"crossings[{a}]")
        j = integer(c["j"], f"crossings[{a}].j", 0, tl.n1 - 1)
        k = integer(c["k"], f"crossings[{a}].k", 0, tl.n2 - 1)
        q = rational_vector(c["point"], tl.n0, f"crossings[{a}].point")
        sp, _ = tl.crossing(j, k, q)
        if tl.V[k][j] == 0:
            raise CheckFailure(f"crossings[{a}]: not broken, v_{k}{j} = 0")
        flats.append((j, (tl.ell[j], tl.alpha(k, sp))))
    r, groups = flat_incidences(tl, flats)
    bad = bend_flat_failure(r, groups)
    if bad is not None:
        raise CheckFailure(f"(H3) fails for M = {bad}: the private bend flats r_j = {[r[j] for j in bad]} "
                           "could be carried by |M| hyperplanes outside the H_i")
    return r


def check_anchor(tl: TwoLayer, anchor) -> tuple:
    """(H4): presence of every layer-2 neuron in s0 and pairwise non-proportional masked forms."""
    anchor = _obj(anchor, {"pattern", "presence"}, "anchor")
    pat = _list(anchor["pattern"], "anchor.pattern")
    if len(pat) != tl.n1 or any(type(v) is not int or v not in (1, -1) for v in pat):
        raise CheckFailure(f"anchor.pattern must be {tl.n1} entries +1/-1")
    s0 = tuple(pat)
    pres = _list(anchor["presence"], "anchor.presence")
    if len(pres) != tl.n2:
        raise CheckFailure(f"anchor.presence must have {tl.n2} points")
    for k, q in enumerate(pres):
        if tl.presence(k, rational_vector(q, tl.n0, f"anchor.presence[{k}]")) != s0:
            raise CheckFailure(f"(H4) fails: presence point {k} is not in the anchor chamber")
    alphas = [tl.alpha(k, s0) for k in range(tl.n2)]
    for k in range(tl.n2):
        for m in range(k):
            if rank([alphas[k], alphas[m]]) < 2:
                raise CheckFailure(f"(H4) fails: masked forms {m} and {k} are proportional")
    return s0


def check_nf2(tl: TwoLayer, s0) -> None:
    """(H5) (NF2*) at the anchor: no nonempty S with sum_{k in S} c_k grad alpha_k = 0."""
    alphas = [tl.alpha(k, s0) for k in range(tl.n2)]
    nf2 = [[tl.cols[k][o] * u for o in range(tl.n3) for u in alphas[k][:-1]] for k in range(tl.n2)]
    if not no_zero_one_sum(nf2):
        raise CheckFailure("(H5) fails: a set S of layer-2 neurons has sum c_k grad alpha_k = 0 (NF2*)")


def check_nf1(tl: TwoLayer) -> None:
    """(H6) (NF1): no nonempty S with sum_{i in S} W2[:, i] w_i = 0."""
    vecs = [[tl.V[m][i] * w for m in range(tl.n2) for w in tl.ell[i][:-1]] for i in range(tl.n1)]
    if not no_zero_one_sum(vecs):
        raise CheckFailure("(H6) fails: a layer-1 flip set S has sum W2[:, i] w_i = 0 (NF1)")


def _step(tl: TwoLayer, s0, L, st, a) -> set:
    """One closure step, parsed strictly and checked against the current L."""
    rule = st.get("rule") if isinstance(st, dict) else None
    if rule not in _STEP_KEYS:
        raise CheckFailure(f"steps[{a}]: unknown rule {rule!r}")
    st = _obj(st, _STEP_KEYS[rule], f"steps[{a}]")
    where = f"steps[{a}]"
    if rule == "R4":
        return rule_r4(tl, s0, L, integer(st["m"], f"{where}.m", 0, tl.n2 - 1))
    pt = rational_vector(st["point"], tl.n0, f"{where}.point")
    if rule == "R1":
        return rule_r1(tl, s0, L, integer(st["k"], f"{where}.k", 0, tl.n2 - 1), pt)
    j = integer(st["j"], f"{where}.j", 0, tl.n1 - 1)
    if rule == "R3":
        return rule_r3(tl, s0, L, j, pt)
    u = rational_vector(st["u"], tl.n3, f"{where}.u")
    return rule_r2(tl, s0, L, j, integer(st["k"], f"{where}.k", 0, tl.n2 - 1), pt, u)


def replay_closure(tl: TwoLayer, s0, steps) -> int:
    """(H7): replay from L = {}; each step adds at least one pair; L ends complete."""
    L = set()
    for a, st in enumerate(_list(steps, "steps")):
        try:
            new = _step(tl, s0, L, st, a) - L
        except CheckFailure as e:
            raise CheckFailure(f"steps[{a}]: {e}") from None
        if not new:
            raise CheckFailure(f"steps[{a}]: adds no new pair")
        L |= new
    missing = [(k, j) for k in range(tl.n2) for j in range(tl.n1) if (k, j) not in L]
    if missing:
        raise CheckFailure(f"(H7) fails: the closure leaves {len(missing)} pairs, e.g. (k, j) = {missing[0]}")
    return len(_list(steps, "steps"))


def verify_two_hidden_layer(cert) -> str:
    net = load_network(cert)
    ev = cert.get("evidence")
    if not isinstance(ev, dict) or set(ev) != _EVIDENCE_KEYS:
        raise CheckFailure(f"evidence must have exactly the keys {sorted(_EVIDENCE_KEYS)}")
    if net.depth != 3:
        raise CheckFailure("the two-hidden-layer criterion needs depth d = 3")
    if parse_domain(cert.get("domain"), net.n0) is not None:
        raise CheckFailure("the two-hidden-layer criterion is proven on R^n0 only, not on a box")
    if net.n0 < 2:
        raise CheckFailure("the two-hidden-layer criterion needs n0 >= 2")
    tl = TwoLayer(net)
    check_rows_and_columns(tl)
    r = check_bend_flats(tl, ev["crossings"])
    s0 = check_anchor(tl, ev["anchor"])
    check_nf2(tl, s0)
    check_nf1(tl)
    n_steps = replay_closure(tl, s0, ev["steps"])
    return (f"two-hidden-layer criterion holds ({sum(r)} private bend flats, r_j = {r}, anchor with all "
            f"{tl.n2} traces, closure of {n_steps} steps): no hidden symmetries on R^{net.n0}")


def verify_no_hidden_symmetries(cert) -> str:
    ev = cert.get("evidence") if isinstance(cert, dict) else None
    if isinstance(ev, dict) and ev.get("criterion") == CRITERION:
        return verify_two_hidden_layer(cert)
    return _SYMMETRY["no-hidden-symmetries"](cert)


VERIFIERS = {"no-hidden-symmetries": verify_no_hidden_symmetries}
