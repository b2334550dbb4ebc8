r"""Trusted verifiers for the symmetry claims. Standard library only.

Claims (SPEC section 3; proofs in ``proofs/``):

``hidden-symmetry``
    evidence exactly ``{"mechanism": k, "params": {...}, "theta_prime": net}``
    plus ``"stability": {...}`` for mechanisms 2, 3, 4 and 7 (only those);
    ``params`` has exactly the keys of :data:`PARAMS` for its mechanism. The checker re-derives theta' from theta with the
    mechanism's transform (:func:`transform`), checks the mechanism's
    hypotheses exactly, compares with ``theta_prime``, and checks that theta'
    is not in ``G . theta`` (:func:`exactsym.symmetry.same_orbit`, exact).
    ``proofs/mechanisms.md`` proves ``F_theta' = F_theta`` under those
    hypotheses.
``no-hidden-symmetries``
    evidence exactly ``{"criterion": "shallow", "kernel_dimension": k}`` for
    a depth-2 network on R^n0: conditions (i)-(iv) of the shallow criterion
    (``proofs/shallow-criterion.md``) are re-checked exactly; (iv) from the
    flip vectors ``c_j w_j^T`` (recomputed here) by
    :func:`exactsym.check.shared.flips.zero_one_kernel_vectors` (sign test,
    then a bounded exact search; past its documented limit the checker
    refuses). ``k`` must equal the dimension of their kernel.
``locally-identifiable``
    evidence exactly ``{"fdim": <a fdim>=r certificate's evidence>}`` with
    ``r = D - H``, plus every hidden incoming row nonzero
    (``proofs/local-identifiability.md``).
``equivalent`` / ``not-equivalent``
    see :mod:`exactsym.check.equiv`.

Stability facts (a neuron's pre-activation is ``>= 0`` or ``<= 0`` on the
whole domain) come as ``{"kind": "zero-row"}`` (incoming weights zero, sign
of the bias), ``{"kind": "box-corners"}`` (first-layer neuron on a box:
extremes of an affine function at the box corners, computed exactly), or
``{"kind": "regions", "regions": <regions-complete evidence>}`` (every
region of a complete, verified enumeration has the required sign; by
continuity the sign holds on the closure, which is the whole domain).
"""

from __future__ import annotations

from fractions import Fraction

from .common import (
    CheckFailure,
    integer,
    keys,
    load_network,
    parse_domain,
    rational,
    strict_network,
)
from .shared.flips import SEARCH_LIMIT, flip_matrices, rref_kernel, zero_one_search
from .shared.mechanisms import check_hidden, transform
from .shared.orbit import same_orbit

__all__ = ["VERIFIERS"]

Q0 = Fraction(0)

#: the keys of ``params`` for each mechanism (one tuple per accepted variant)
PARAMS = {
    1: [("layer", "neuron", "row")],
    2: [("layer", "neuron", "column")],
    3: [("layer", "neuron", "delta")],
    4: [("layer", "neuron", "delta"), ("layer", "neuron", "column")],
    5: [("layer", "j", "k", "lambda", "t"), ("layer", "j", "k", "lambda", "delta")],
    6: [("layer", "set")],
    7: [("layer", "i", "j", "eps")],
}
#: mechanisms whose hypotheses need a stability proof (``evidence.stability``)
NEEDS_STABILITY = {2, 3, 4, 7}
#: the keys of each kind of stability evidence
STABILITY = {"zero-row": ("kind",), "box-corners": ("kind",), "regions": ("kind", "regions")}


def _check_evidence_keys(ev) -> tuple[int, dict]:
    """The hidden-symmetry evidence has exactly the keys its mechanism reads."""
    mech = integer(ev.get("mechanism") if isinstance(ev, dict) else None, "evidence.mechanism", 1, 7)
    stab = ("stability",) if mech in NEEDS_STABILITY else ()
    keys(ev, "evidence", required=("mechanism", "params", "theta_prime") + stab)
    p = ev["params"]
    if not isinstance(p, dict) or tuple(sorted(p)) not in [tuple(sorted(v)) for v in PARAMS[mech]]:
        raise CheckFailure(f"evidence.params of mechanism {mech} must have exactly the keys "
                           + " or ".join(str(list(v)) for v in PARAMS[mech]))
    if mech == 5 and ("t" in p) != (rational(p["lambda"], "params.lambda") > 0):
        raise CheckFailure("mechanism 5 takes 't' when lambda > 0 and 'delta' when lambda < 0")
    if stab:
        st = ev["stability"]
        kind = st.get("kind") if isinstance(st, dict) else None
        if kind not in STABILITY:
            raise CheckFailure(f"unknown stability evidence {str(kind)[:40]!r}")
        keys(st, "evidence.stability", required=STABILITY[kind])
    return mech, p


def _check_hypotheses(net, mech, p, cert) -> str:
    l = p["layer"]
    W, b = net.layers[l - 1]
    Wn = net.layers[l][0]
    if mech == 1:
        j = p["neuron"]
        if any(Wn[i][j] != 0 for i in range(len(Wn))):
            raise CheckFailure("mechanism 1: outgoing column is not zero")
        return f"neuron ({l},{j}) has a zero outgoing column"
    if mech in (2, 3, 4):
        j = p["neuron"]
        check_hidden(net, l, j)
        # the label must name the mechanism exactly: 4 is the zero-weights case of 2 and 3
        if (mech == 4) != (not any(W[j])):
            raise CheckFailure(f"mechanism {mech} does not match the neuron's incoming weights")
    if mech == 2 or (mech == 4 and "column" in p):
        j = p["neuron"]
        _stable(net, cert, l, j, sign=-1, mech=mech)
        return f"neuron ({l},{j}) is stably unactivated"
    if mech in (3, 4):
        j = p["neuron"]
        if rational(p["delta"], "params.delta") <= 0:
            raise CheckFailure("delta must be positive")
        _stable(net, cert, l, j, sign=+1, mech=mech)
        return f"neuron ({l},{j}) is stably activated"
    if mech == 5:
        j, k, lam = p["j"], p["k"], rational(p["lambda"], "params.lambda")
        if j == k or lam == 0:
            raise CheckFailure("mechanism 5 needs j != k and lambda != 0")
        if list(W[j]) + [b[j]] != [lam * v for v in list(W[k]) + [b[k]]]:
            raise CheckFailure("mechanism 5: rows are not proportional with that lambda")
        if lam < 0:
            if any(-lam * Wn[i][j] != -Wn[i][k] for i in range(len(Wn))):
                raise CheckFailure("mechanism 5 (lambda < 0): |lambda| col_j != -col_k")
            if rational(p["delta"], "params.delta") == 0:
                raise CheckFailure("delta must be nonzero")
        return f"rows ({l},{j}) and ({l},{k}) are proportional (lambda = {lam})"
    if mech == 6:
        S = p["set"]
        n_prev = net.architecture[l - 1]
        for i in range(len(Wn)):
            for c in range(n_prev):
                if sum((Wn[i][j] * W[j][c] for j in S), Q0) != 0:
                    raise CheckFailure("mechanism 6: sum over S of col_j row_j^T is not zero")
        return f"flip set {sorted(S)} of layer {l} has zero sum of col_j w_j^T"
    if mech == 7:
        if rational(p["eps"], "params.eps") <= 0:
            raise CheckFailure("eps must be positive")
        for j in range(net.architecture[l]):
            _stable(net, cert, l, j, sign=+1, mech=7)
        return f"layer {l} is stably active on the domain"
    raise CheckFailure(f"unknown mechanism {mech!r}")


def _stable(net, cert, l, j, sign, mech) -> None:
    """Prove ``sign * z_{l,j} >= 0`` on the whole domain, or raise."""
    W, b = net.layers[l - 1]
    ev = cert["evidence"]
    st = ev.get("stability")
    if not isinstance(st, dict):
        raise CheckFailure(f"mechanism {mech}: no stability evidence")
    kind = st.get("kind")
    box = parse_domain(cert.get("domain"), net.n0)
    if kind == "zero-row":
        if any(W[j]) or sign * b[j] < 0:
            raise CheckFailure("zero-row stability: the incoming weights are not zero or the bias has the wrong sign")
        return
    if kind == "box-corners":
        if l != 1 or box is None:
            raise CheckFailure("box-corners stability needs a first-layer neuron and a box domain")
        lo, hi = box
        # sign=-1: maximum of z over the box must be <= 0; sign=+1: minimum >= 0
        if sign < 0:
            ext = b[j] + sum((w * hi if w > 0 else w * lo) for w in W[j])
            if ext > 0:
                raise CheckFailure("box-corners: the neuron is positive somewhere in the box")
        else:
            ext = b[j] + sum((w * lo if w > 0 else w * hi) for w in W[j])
            if ext < 0:
                raise CheckFailure("box-corners: the neuron is negative somewhere in the box")
        return
    if kind == "regions":
        from . import check_certificate
        sub = {"format": cert["format"], "claim": "regions-complete", "network": cert["network"],
               "network_sha256": cert["network_sha256"], "domain": cert.get("domain"),
               "evidence": st.get("regions")}
        r = check_certificate(sub)
        if not r.valid:
            raise CheckFailure(f"stability regions: {r.reason}")
        h = sum(net.architecture[1:l]) + j
        for reg in st["regions"]["regions"]:
            if reg["pattern"][h] != sign:
                raise CheckFailure("stability regions: a region has the other sign")
        return
    raise CheckFailure(f"unknown stability evidence {kind!r}")


def verify_hidden_symmetry(cert) -> str:
    net = load_network(cert)
    ev = cert["evidence"]
    mech, p = _check_evidence_keys(ev)
    why = _check_hypotheses(net, mech, p, cert)
    tp = transform(net, mech, p)
    given = strict_network(ev["theta_prime"], "evidence.theta_prime")
    if given != tp:
        raise CheckFailure("theta_prime is not the mechanism's transform of theta")
    try:
        inside = same_orbit(net, tp)
    except RuntimeError as e:       # OrbitUndecided or the branch budget
        raise CheckFailure(f"cannot decide whether theta' lies in G . theta: {e}") from None
    if inside:
        raise CheckFailure("theta_prime lies in G . theta: not a hidden symmetry")
    return f"hidden symmetry by mechanism {mech}: {why}; theta' not in G.theta"


def verify_no_hidden_symmetries(cert) -> str:
    net = load_network(cert)
    ev = keys(cert["evidence"], "evidence", required=("criterion", "kernel_dimension"))
    if ev["criterion"] != "shallow":
        raise CheckFailure(f"unknown criterion {str(ev['criterion'])[:40]!r}")
    kdim = integer(ev["kernel_dimension"], "evidence.kernel_dimension", lo=0)
    if net.depth != 2:
        raise CheckFailure("the shallow criterion needs depth d = 2")
    if parse_domain(cert.get("domain"), net.n0) is not None:
        raise CheckFailure("the shallow criterion is proven on R^n0 only, not on a box")
    W, b = net.layers[0]
    C = net.layers[1][0]
    n1 = net.architecture[1]
    for j in range(n1):
        if not any(W[j]):
            raise CheckFailure(f"(i) fails: w_{j} = 0")
        if not any(C[i][j] for i in range(len(C))):
            raise CheckFailure(f"(ii) fails: c_{j} = 0")
    rows = [list(W[j]) + [b[j]] for j in range(n1)]
    for j in range(n1):
        for k in range(j + 1, n1):
            # proportional iff all 2x2 minors vanish (both rows nonzero by (i))
            rj, rk = rows[j], rows[k]
            if all(rj[a] * rk[c] == rj[c] * rk[a] for a in range(len(rj)) for c in range(a + 1, len(rj))):
                raise CheckFailure(f"(iii) fails: rows {j} and {k} are proportional")
    vecs = flip_matrices(net, 1)
    try:
        S, how = zero_one_search(vecs, SEARCH_LIMIT)
    except OverflowError as e:
        raise CheckFailure(f"(iv) not decided, certificate refused: {e}") from None
    if S:
        raise CheckFailure(f"(iv) fails: flip set {S[0]}")
    basis, free = rref_kernel(vecs) if vecs else ([], [])
    if kdim != len(free):
        raise CheckFailure("evidence.kernel_dimension does not match")
    return (f"shallow criterion (i)-(iv) holds: no hidden symmetries on R^{net.n0} "
            f"(kernel dimension of c_j w_j^T: {len(free)}; (iv) by {how})")


def verify_locally_identifiable(cert) -> str:
    net = load_network(cert)
    for l, j in net.hidden_neurons():
        W, b = net.layers[l - 1]
        if not any(W[j]) and b[j] == 0:
            raise CheckFailure(f"hidden neuron ({l},{j}) has a zero incoming row")
    ev = keys(cert["evidence"], "evidence", required=("fdim",))
    sub = {"format": cert["format"], "claim": "fdim>=r", "r": net.bound, "network": cert["network"],
           "network_sha256": cert["network_sha256"], "domain": cert.get("domain"),
           "evidence": ev.get("fdim")}
    from . import check_certificate
    r = check_certificate(sub)
    if not r.valid:
        raise CheckFailure(f"fdim>=D-H: {r.reason}")
    return f"fdim >= D - H = {net.bound} and every hidden incoming row is nonzero: locally identifiable"


VERIFIERS = {
    "hidden-symmetry": verify_hidden_symmetry,
    "no-hidden-symmetries": verify_no_hidden_symmetries,
    "locally-identifiable": verify_locally_identifiable,
}
