r"""The ``regions-complete`` certificate: evidence from a finished traversal.

Format (checked by :mod:`exactsym.check.regions` with the standard library
only)::

    {"format": "exactsym-cert/1", "claim": "regions-complete",
     "network": net.to_dict(), "network_sha256": net.sha256(),
     "domain": "R^n" | {"box": ["lo", "hi"]},
     "evidence": {
        "regions": [{"pattern": [1, -1, ...], "point": ["p/q", ...]}, ...],
        "facets": [[r, h, {"point": ["p/q", ...], "neighbor": k}],
                   [r, h, {"farkas": {"constant": "l0",
                                      "neurons": [[k, "lk"], ...],
                                      "box": [[i, side, "mu"], ...]}}], ...],
        "digest": sha256 of the canonical JSON of the other evidence keys}}

``side`` is 0 for the face :math:`x_i - lo \ge 0` and 1 for
:math:`hi - x_i \ge 0`. A facet entry ``[r, h, {"point", "neighbor": k}]``
covers both pairs :math:`(r, h)` and :math:`(k, h)` (the same point witnesses
the facet from both sides); every (region, neuron) pair is covered exactly
once. The ``digest`` binds the evidence: an interior point moved inside its
region would still prove the claim, and the checker must still reject any
altered certificate (SPEC 3).

**Compact form** (``compact=True``; always used when the arrangement is not
simple): the key ``"pairs"`` replaces ``"facets"``, pattern entries may be
``0`` (a neuron identically zero on the region), and each entry is one of::

    [r, h, k]                    region r crosses the zero set of h's class into region k
    [r, h, [id, ...]]            Farkas support: the checker solves the multipliers exactly
    [r, h, {"farkas": {...}}]    Farkas multipliers written out (as above)

Support ids are neurons ``k < H`` and box faces ``H + 2 i + side``; the
support's gradients are linearly independent, so the multipliers are unique.
Each entry covers the pairs :math:`(r, j)` for every :math:`j` of the *class*
of h on region r (neurons whose form is a real multiple of h's, label
non-zero); a crossing entry covers one side only, so a facet between r and k
appears as ``[r, h, k]`` and ``[k, h, r]``. No facet point is written: the
checker verifies the crossing from the forms (``proofs/regions-complete.md``,
Lemma 5').
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

from ..network.numbers import fmt

__all__ = ["domain_json", "evidence_digest", "RawFarkas", "regions_evidence", "regions_certificate",
           "write_certificate"]


def domain_json(box):
    return "R^n" if box is None else {"box": [fmt(Fraction(box[0])), fmt(Fraction(box[1]))]}


def evidence_digest(evidence: dict) -> str:
    """SHA-256 of the canonical JSON of the evidence without its ``digest`` key."""
    body = {k: v for k, v in evidence.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _qfmt(v) -> str:
    """``"p/q"`` of a Fraction or a FLINT fmpq."""
    if isinstance(v, Fraction):
        return fmt(v)
    return fmt(Fraction(int(v.p), int(v.q)))


class RawFarkas:
    """Farkas multipliers from the 128-bit C path, converted to rationals only when written.

    ``lam_j = num[j] / det`` on the support ``ids`` (integer forms), and
    ``lam_0 = cnum / (det * L)``; true-form multipliers divide by ``S_h`` and
    multiply neuron terms by ``S_k`` (see :class:`~.forms.IntegerForms`).
    """
    __slots__ = ("h", "ids", "det", "num", "cnum", "L")

    def __init__(self, h, ids, det, num, cnum, L):
        self.h, self.ids, self.det, self.num, self.cnum, self.L = h, ids, det, num, cnum, L

    def to_dict(self, scales, H):
        Sh = scales[self.h]
        neurons, boxes = [], []
        for cid, n in zip(self.ids, self.num):
            if n == 0:
                continue
            if cid < H:
                neurons.append([cid, Fraction(n * scales[cid], self.det * Sh)])
            else:
                i, side = divmod(cid - H, 2)
                boxes.append([i, side, Fraction(n, self.det * Sh)])
        out = {"constant": Fraction(self.cnum, self.det * self.L * Sh), "neurons": neurons}
        if boxes:
            out["box"] = boxes
        return out


def _farkas_json(fk, scales, H) -> dict:
    if isinstance(fk, RawFarkas):
        fk = fk.to_dict(scales, H)
    out = {"constant": _qfmt(fk["constant"]), "neurons": [[k, _qfmt(v)] for k, v in fk["neurons"]]}
    if fk.get("box"):
        out["box"] = [[i, sd, _qfmt(v)] for i, sd, v in fk["box"]]
    return out


def _sorted_items(facets):
    """``((r, h), entry)`` in (r, h) order (a :class:`~.pairs.PairStore` iterates in that order)."""
    from .pairs import PairStore
    return facets.items() if isinstance(facets, PairStore) else sorted(facets.items())


def _compact_pairs(result):
    """The compact entries ``[r, h, k]`` / ``[r, h, [ids]]`` / ``[r, h, {"farkas": ...}]`` in (r, h) order.

    An entry of h's class on region r covers the class (the first one in h
    order is written, the others are skipped).
    """
    H = result.net.H
    classes = result.classes
    done = set()
    for (r, h), e in _sorted_items(result.facets):
        kind = e[0]
        if kind == "covered":
            continue
        if classes:
            members = classes.get(r, {}).get(h)
            if members:
                key = (r, tuple(members))
                if key in done:
                    continue
                done.add(key)
        if kind == "facet":
            yield [r, h, e[1]]
        elif kind == "farkas":
            supp = e[2] if len(e) > 2 else None
            yield [r, h, list(supp) if supp is not None else {"farkas": _farkas_json(e[1], result.scales, H)}]


def _pair_texts(result):
    """The canonical JSON text of each compact entry, in order.

    Fast path for a :class:`~.pairs.PairStore` without proportionality
    classes: the packed slots (an int: a crossing; a tuple of ints: a
    support) are written straight from the store; the text is the same as
    ``_pair_text`` of :func:`_compact_pairs`.
    """
    from .pairs import PairStore
    facets = result.facets
    if not isinstance(facets, PairStore) or result.classes:
        yield from map(_pair_text, _compact_pairs(result))
        return
    stext = {}
    H = result.net.H
    for r, row in enumerate(facets.rows):
        if row is None:
            continue
        for h, v in enumerate(row):
            if v is None:
                continue
            if type(v) is int:
                yield f"[{r},{h},{v}]"
            elif not v or type(v[0]) is int:
                t = stext.get(v)
                if t is None:
                    t = stext[v] = "[" + ",".join(map(str, v)) + "]"
                yield f"[{r},{h},{t}]"
            elif v[0] == "facet":
                yield f"[{r},{h},{v[1]}]"
            elif v[0] == "farkas":
                supp = v[2] if len(v) > 2 else None
                yield _pair_text([r, h, list(supp) if supp is not None
                                  else {"farkas": _farkas_json(v[1], result.scales, H)}])


def _pair_text(p) -> str:
    """Canonical JSON of one compact entry (ints written directly: the same text as :func:`_canon`)."""
    r, h, x = p
    if type(x) is int:
        return f"[{r},{h},{x}]"
    if type(x) is list:
        return f"[{r},{h},[{','.join(map(str, x))}]]"
    return _canon(p)


def regions_evidence(result, compact: bool = False) -> dict:
    """The evidence object of a :class:`~.result.RegionsResult` (one facet entry per facet)."""
    regs = [{"pattern": list(r.pattern), "point": [fmt(v) for v in r.point]} for r in result.regions]
    if compact or result.compact_only or result.lean:
        ev = {"regions": regs, "pairs": list(_compact_pairs(result))}
        ev["digest"] = evidence_digest(ev)
        return ev
    facets = []
    done = set()
    for (r, h), e in _sorted_items(result.facets):
        if (r, h) in done:
            continue
        if e[0] == "facet":
            k, pt = e[1], e[2]
            facets.append([r, h, {"point": [fmt(v) for v in pt], "neighbor": k}])
            done.add((k, h))
        else:
            facets.append([r, h, {"farkas": _farkas_json(e[1], result.scales, result.net.H)}])
        done.add((r, h))
    ev = {"regions": regs, "facets": facets}
    ev["digest"] = evidence_digest(ev)
    return ev


def regions_certificate(result, compact: bool = False) -> dict:
    net = result.net
    return {"format": "exactsym-cert/1", "claim": "regions-complete",
            "network": net.to_dict(), "network_sha256": net.sha256(),
            "domain": domain_json(result.box), "evidence": regions_evidence(result, compact)}


def _canon(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _evidence_chunks(result, compact):
    """The evidence object as canonical JSON text chunks, ending with its digest.

    Keys in sorted order ("facets"/"pairs" < "regions"), so the text before the
    digest is exactly what :func:`evidence_digest` hashes; it is hashed while
    it is written, never held whole.
    """
    if not (compact or result.compact_only or result.lean):
        ev = regions_evidence(result)
        body = _canon({k: v for k, v in ev.items() if k != "digest"})
        yield body[:-1]
        yield body[-1:]
        return
    yield '{"pairs":['
    buf, first = [], True
    for text in _pair_texts(result):
        buf.append(text)
        if len(buf) >= 4096:
            yield ("" if first else ",") + ",".join(buf)
            buf, first = [], False
    yield ("" if first or not buf else ",") + ",".join(buf)
    buf = ['],"regions":[']
    for i, r in enumerate(result.regions):
        buf.append(("," if i else "") + '{"pattern":[' + ",".join(map(str, r.pattern)) + '],"point":['
                   + ",".join('"' + fmt(v) + '"' for v in r.point) + "]}")
        if len(buf) >= 4096:
            yield "".join(buf)
            buf = []
    yield "".join(buf)
    yield "]}"


def write_certificate(result, path, compact: bool = True, extra: dict | None = None) -> None:
    """Stream the ``regions-complete`` certificate to ``path`` (gzip when it ends in ``.gz``).

    Atomic (:func:`exactsym.network.io.atomic_write`: a temporary file in the same
    folder, then a rename). ``extra``: further top-level keys (e.g. ``provenance``).
    The file is canonical JSON and equal, as JSON, to :func:`regions_certificate`.
    """
    import gzip
    import io
    from pathlib import Path

    from ..network.io import atomic_write
    net = result.net
    head = {"claim": "regions-complete", "domain": domain_json(result.box)}
    tail = {"format": "exactsym-cert/1", "network": net.to_dict(), "network_sha256": net.sha256(),
            **(extra or {})}
    with atomic_write(path, "wb") as raw:
        # no name and mtime 0 in the gzip header: the same evidence gives the same bytes
        packed = (gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=6)
                  if Path(path).name.endswith(".gz") else None)
        f = io.TextIOWrapper(packed or raw, encoding="utf-8")
        f.write(_canon(head)[:-1] + ',"evidence":')
        h = hashlib.sha256()
        last = None
        for c in _evidence_chunks(result, compact):
            if last is not None:
                f.write(last)
            h.update(c.encode())
            last = c
        # the body's closing brace is hashed; in the file the digest key comes before it
        f.write(last[:-1] + f',"digest":"{h.hexdigest()}"}}')
        f.write("," + _canon(tail)[1:] + "\n")
        f.flush()
        f.detach()                     # the raw file is closed by atomic_write, the gzip stream here
        if packed is not None:
            packed.close()
