r"""Trusted verifiers for the symmetry claims. Standard library only.

Claims (SPEC section 3; proofs in ``proofs/``):

``hidden-symmetry``
    evidence ``{"mechanism": k, "params": {...}, "theta_prime": net,
    "stability": {...}}``. The checker re-derives theta' from theta with the
    mechanism's transform (:func:`transform`), checks the mechanism's
    hypotheses exactly, compares with ``theta_prime``, and checks that theta'
    is not in ``G . theta`` (:func:`exactsym.symmetry.same_orbit`, exact).
    ``proofs/mechanisms.md`` proves ``F_theta' = F_theta`` under those
    hypotheses.
``no-hidden-symmetries``
    evidence ``{"criterion": "shallow", "kernel": [...], "free": [...]}`` for
    a depth-2 network on R^n0: conditions (i)-(iv) of the shallow criterion
    (``proofs/shallow-criterion.md``) are re-checked exactly; (iv) from the
    kernel of the matrices ``c_j w_j^T`` (recomputed here) by enumerating
    the 0/1 vectors of the kernel over its free coordinates.
``locally-identifiable``
    evidence ``{"fdim": <a fdim>=r certificate's evidence>}`` with
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
from itertools import product

from ..network import Network, NetworkError
from ..symmetry import same_orbit
from .common import CheckFailure, integer, load_network, parse_domain, rational

__all__ = ["transform", "VERIFIERS", "zero_one_kernel_vectors", "flip_matrices"]

Q0 = Fraction(0)
#: largest kernel dimension of the c_j w_j^T for which (iv) is decided (2^k subsets)
SEARCH_LIMIT = 22


def _layers(net):
    return [[[list(r) for r in W], list(b)] for W, b in net.layers]


def _net(net, L):
    return Network(net.architecture, [(W, b) for W, b in L])


def _hidden(net, l, j=None):
    if not (isinstance(l, int) and 1 <= l < net.depth):
        raise CheckFailure(f"layer {l!r} is not a hidden layer")
    if j is not None and not (isinstance(j, int) and 0 <= j < net.architecture[l]):
        raise CheckFailure(f"neuron {j!r} out of range in layer {l}")


def transform(net: Network, mechanism: int, params: dict) -> Network:
    """The witness theta' of a mechanism, computed exactly from theta and ``params``.

    1 (zero outgoing column): incoming row of (l, j) replaced by ``row``.
    2 (stably unactivated) and 4 with b <= 0: outgoing column of (l, j) replaced by ``column``.
    3 (stably activated) and 4 with b >= 0: ``b_l[j] += delta``, ``b_{l+1} -= delta * W_{l+1}[:, j]``.
    5 (proportional rows, ``row_j = lambda row_k``): with ``lambda > 0``,
      ``W_{l+1}[:, j] += t``, ``W_{l+1}[:, k] -= lambda t``; with ``lambda < 0`` and
      ``|lambda| col_j = -col_k``, ``b_k += delta``, ``b_j += lambda delta``,
      ``b_{l+1} -= delta col_k``.
    6 (flip set S with ``sum_S col_j row_j^T = 0`` over weights): negate the
      rows in S, ``b_{l+1} += sum_S b_j col_j``.
    7 (layer stably active): ``M = I + eps e_i e_j^T``; ``W_l, b_l <- M W_l, M b_l``,
      ``W_{l+1} <- W_{l+1} M^{-1}``.
    """
    p = params
    l = p.get("layer")
    _hidden(net, l)
    L = _layers(net)
    W, b = L[l - 1]
    Wn, bn = L[l]
    q = lambda key: rational(p[key], f"params.{key}")  # noqa: E731
    if mechanism == 1:
        j = p.get("neuron")
        _hidden(net, l, j)
        row = [rational(v, "params.row") for v in p["row"]]
        if len(row) != net.architecture[l - 1] + 1:
            raise CheckFailure("params.row has the wrong length")
        W[j], b[j] = row[:-1], row[-1]
    elif mechanism in (2, 4) and "column" in p:
        j = p.get("neuron")
        _hidden(net, l, j)
        col = [rational(v, "params.column") for v in p["column"]]
        if len(col) != net.architecture[l + 1]:
            raise CheckFailure("params.column has the wrong length")
        for i in range(len(Wn)):
            Wn[i][j] = col[i]
    elif mechanism in (3, 4):
        j = p.get("neuron")
        _hidden(net, l, j)
        delta = q("delta")
        b[j] += delta
        for i in range(len(Wn)):
            bn[i] -= delta * Wn[i][j]
    elif mechanism == 5:
        j, k = p.get("j"), p.get("k")
        _hidden(net, l, j)
        _hidden(net, l, k)
        lam = q("lambda")
        if lam > 0:
            t = [rational(v, "params.t") for v in p["t"]]
            if len(t) != len(Wn):
                raise CheckFailure("params.t has the wrong length")
            for i in range(len(Wn)):
                Wn[i][j] += t[i]
                Wn[i][k] -= lam * t[i]
        else:
            delta = q("delta")
            b[k] += delta
            b[j] += lam * delta
            for i in range(len(Wn)):
                bn[i] -= delta * Wn[i][k]
    elif mechanism == 6:
        S = p.get("set")
        if not isinstance(S, list) or not S or len(set(S)) != len(S):
            raise CheckFailure("params.set must be a non-empty list of distinct neurons")
        for j in S:
            _hidden(net, l, j)
        for i in range(len(Wn)):
            bn[i] += sum((b[j] * Wn[i][j] for j in S), Q0)
        for j in S:
            W[j] = [-v for v in W[j]]
            b[j] = -b[j]
    elif mechanism == 7:
        i, j = p.get("i"), p.get("j")
        _hidden(net, l, i)
        _hidden(net, l, j)
        if i == j:
            raise CheckFailure("mechanism 7 needs i != j")
        eps = q("eps")
        W[i] = [a + eps * c for a, c in zip(W[i], W[j])]
        b[i] = b[i] + eps * b[j]
        for r in range(len(Wn)):
            Wn[r][j] -= eps * Wn[r][i]
    else:
        raise CheckFailure(f"unknown mechanism {mechanism!r}")
    try:
        return _net(net, L)
    except NetworkError as e:
        raise CheckFailure(str(e)) from None


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
        _hidden(net, l, j)
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
    mech = integer(ev.get("mechanism"), "evidence.mechanism", 1, 8)
    p = ev.get("params")
    if not isinstance(p, dict):
        raise CheckFailure("evidence.params is not an object")
    why = _check_hypotheses(net, mech, p, cert)
    tp = transform(net, mech, p)
    try:
        given = Network.from_dict(ev.get("theta_prime"))
    except NetworkError as e:
        raise CheckFailure(f"theta_prime: {e}") from None
    if given != tp:
        raise CheckFailure("theta_prime is not the mechanism's transform of theta")
    try:
        inside = same_orbit(net, tp)
    except RuntimeError as e:       # OrbitUndecided or the branch budget
        raise CheckFailure(f"cannot decide whether theta' lies in G . theta: {e}") from None
    if inside:
        raise CheckFailure("theta_prime lies in G . theta: not a hidden symmetry")
    return f"hidden symmetry by mechanism {mech}: {why}; theta' not in G.theta"


def flip_matrices(net: Network, l: int = 1) -> list[list[Fraction]]:
    """Vectorised ``col_j w_j^T`` (weights only) for each neuron j of hidden layer l."""
    W = net.layers[l - 1][0]
    Wn = net.layers[l][0]
    return [[Wn[i][j] * W[j][c] for i in range(len(Wn)) for c in range(len(W[j]))]
            for j in range(len(W))]


def rref_kernel(vectors: list[list[Fraction]]):
    """Exact kernel of the matrix whose *columns* are ``vectors``: (basis, free columns).

    Returns kernel basis vectors ``v`` (length = number of vectors) with
    ``sum_j v_j vectors[j] = 0``, one per free column, ``v[free] = 1`` and
    ``v[other free] = 0``.
    """
    n = len(vectors)
    m = len(vectors[0]) if n else 0
    A = [[vectors[j][i] for j in range(n)] for i in range(m)]
    pivots, r = [], 0
    for c in range(n):
        piv = next((i for i in range(r, m) if A[i][c] != 0), None)
        if piv is None:
            continue
        A[r], A[piv] = A[piv], A[r]
        inv = 1 / A[r][c]
        A[r] = [v * inv for v in A[r]]
        for i in range(m):
            if i != r and A[i][c] != 0:
                f = A[i][c]
                A[i] = [a - f * bb for a, bb in zip(A[i], A[r])]
        pivots.append(c)
        r += 1
        if r == m:
            break
    free = [c for c in range(n) if c not in pivots]
    basis = []
    for f in free:
        v = [Q0] * n
        v[f] = Fraction(1)
        for row, pc in zip(A, pivots):
            v[pc] = -row[f]
        basis.append(v)
    return basis, free


def zero_one_kernel_vectors(vectors, limit_free: int = 22, first_only: bool = True):
    """Nonempty index sets S with ``sum_{j in S} vectors[j] = 0``, decided exactly.

    Any 0/1 kernel vector is the combination of the kernel basis with
    coefficients equal to its own values on the free coordinates, so it is
    enough to try the ``2^f - 1`` nonzero 0/1 assignments of the ``f`` free
    coordinates. Raises ``OverflowError`` when ``f > limit_free``.
    """
    basis, free = rref_kernel(vectors)
    if len(free) > limit_free:
        raise OverflowError(f"kernel dimension {len(free)} exceeds the search limit {limit_free}")
    found = []
    n = len(vectors)
    for bits in product((0, 1), repeat=len(free)):
        if not any(bits):
            continue
        v = [sum((bt * bv[i] for bt, bv in zip(bits, basis)), Q0) for i in range(n)]
        if all(x in (0, 1) for x in v):
            found.append([i for i in range(n) if v[i] == 1])
            if first_only:
                break
    return found


def verify_no_hidden_symmetries(cert) -> str:
    net = load_network(cert)
    ev = cert["evidence"]
    if ev.get("criterion") != "shallow":
        raise CheckFailure(f"unknown criterion {ev.get('criterion')!r}")
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
        S = zero_one_kernel_vectors(vecs, limit_free=SEARCH_LIMIT)
    except OverflowError as e:
        raise CheckFailure(f"(iv) not decided: {e}") from None
    if S:
        raise CheckFailure(f"(iv) fails: flip set {S[0]}")
    basis, free = rref_kernel(vecs) if vecs else ([], [])
    if ev.get("kernel_dimension") != len(free):
        raise CheckFailure("evidence.kernel_dimension does not match")
    return (f"shallow criterion (i)-(iv) holds: no hidden symmetries on R^{net.n0} "
            f"(kernel dimension of c_j w_j^T: {len(free)})")


def verify_locally_identifiable(cert) -> str:
    net = load_network(cert)
    for l, j in net.hidden_neurons():
        W, b = net.layers[l - 1]
        if not any(W[j]) and b[j] == 0:
            raise CheckFailure(f"hidden neuron ({l},{j}) has a zero incoming row")
    ev = cert["evidence"]
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
