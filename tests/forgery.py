"""A corpus of valid certificates and the forgeries of issue 10 items 1-4 generated from them.

Each mutation class keeps the certificate's numbers (a forger's best case:
the mathematics still holds) and changes only what the checker must refuse:

* ``inherit``   (item 1): a bundle sub-claim carries an inherited key
  (format, network, network_sha256, domain, provenance), equal or different;
* ``shape``     (item 2): a bundle with a top-level claim/evidence, a single
  claim with ``claims``;
* ``duplicate`` (item 3): one object of the JSON text repeats a key;
* ``spelling``  (item 4): one rational respelled non-canonically, same value;
* ``integer``   (item 4): one JSON integer written as a float, a string or a boolean;
* ``unknown``   (item 4): one object gains an unknown key;
* ``domain``    (item 4): the domain removed, misspelled or malformed.
"""
import copy
import hashlib
import json
import pathlib
from fractions import Fraction

from exactsym.check.shared.exact import rational

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "proofs" / "examples"
INHERITED = ("format", "network", "network_sha256", "domain", "provenance")
UNICODE_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def bundled_certificates() -> dict:
    return {p.name: json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.cert.json"))}


def nodes(obj, path=()):
    """(path, value) for every value of a JSON tree, the root first."""
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from nodes(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from nodes(v, path + (i,))


def replaced(cert, path, value):
    c = copy.deepcopy(cert)
    cur = c
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return c


def is_rational(v) -> bool:
    try:
        rational(v, "")
        return True
    except Exception:
        return False


def respellings(s: str) -> list[str]:
    """Non-canonical strings with the value of the canonical rational ``s``."""
    q = Fraction(s)
    p, d = q.numerator, q.denominator
    out = ["+" + s, " " + s, s + " ", s.translate(UNICODE_DIGITS), f"{2 * p}/{2 * d}"]
    out.append(s.replace("-", "-0") if s.startswith("-") else "0" + s)
    if d == 1:
        out += [f"{p}/1", f"{p}.0", f"{p}e0"]
    else:
        out.append(f"{p}/{d}".replace("/", "/0"))
    if p == 0:
        out.append("-0")
    return out


#: at most this many paths per class and certificate (evenly spread, so every part of the
#: certificate is hit; the suite stays fast)
CAP = 60


def _spread(items, cap=CAP):
    if len(items) <= cap:
        return items
    step = len(items) / cap
    return [items[int(i * step)] for i in range(cap)]


def _spelling(cert, k):
    rats = _spread([(pa, v) for pa, v in nodes(cert) if pa and isinstance(v, str) and is_rational(v)])
    for i, (pa, v) in enumerate(rats):
        alts = respellings(v)
        # every spelling on a few entries, one spelling (cycling) on every other entry
        for alt in (alts if i < 3 else [alts[(i + k) % len(alts)]]):
            yield f"spelling {pa} {alt!r}", replaced(cert, pa, alt)


def _integers(cert, k):
    ints = _spread([(pa, v) for pa, v in nodes(cert) if pa and type(v) is int])
    for i, (pa, v) in enumerate(ints):
        alts = [float(v), str(v)] + ([bool(v)] if v in (0, 1) else [])
        for alt in (alts if i < 3 else [alts[(i + k) % len(alts)]]):
            yield f"integer {pa} {alt!r}", replaced(cert, pa, alt)


def _unknown(cert, k):
    for pa, v in _spread([(pa, v) for pa, v in nodes(cert) if isinstance(v, dict)]):
        if isinstance(v, dict):
            c = copy.deepcopy(cert)
            cur = c
            for p in pa:
                cur = cur[p]
            cur["x-note" if k % 2 else "comment"] = "ignored?"
            yield f"unknown key in {pa}", c


def _domain(cert, n0):
    c = copy.deepcopy(cert)
    del c["domain"]
    yield "domain missing", c
    for bad in ("R^x", f"R^{n0}", f"R^{n0 + 1}", "r^n", "R^n ", None, 1, {"box": ["1", "0"]}, {"box": ["-1", "1"], "x": 1},
                {"box": ["-1"]}, {"box": [-1, 1]}, {"box": ["-1.0", "1"]}):
        yield f"domain {bad!r}", replaced(cert, ("domain",), bad)


def _inherit(cert, other):
    """Wrap a single claim into a bundle, then let its sub-claim carry inherited keys."""
    if "claims" in cert:
        bundle = copy.deepcopy(cert)
    else:
        bundle = {k: copy.deepcopy(cert[k]) for k in INHERITED if k in cert}
        bundle["claims"] = [{k: copy.deepcopy(v) for k, v in cert.items() if k not in INHERITED}]
    for i in range(len(bundle["claims"])):
        for key in INHERITED:
            value = bundle.get(key, {"rounded_to_denominator": None})
            yield f"claims[{i}] carries equal {key}", replaced(bundle, ("claims", i, key), copy.deepcopy(value))
        c = replaced(bundle, ("claims", i, "network"), copy.deepcopy(other["network"]))
        c["claims"][i]["network_sha256"] = other["network_sha256"]
        yield f"claims[{i}] overrides the network", c
        yield f"claims[{i}] overrides the domain", replaced(bundle, ("claims", i, "domain"), {"box": ["-1", "1"]})


def _shape(cert, other):
    if "claims" in cert:
        for key in ("claim", "evidence"):
            yield f"bundle with top-level {key}", replaced(cert, (key,), copy.deepcopy(other.get(key, "x")))
        c = replaced(cert, ("claim",), "hidden-symmetry")
        c["evidence"] = {"garbage": True}
        yield "bundle with a garbage hidden-symmetry claim", c
    else:
        sub = {k: copy.deepcopy(v) for k, v in cert.items() if k not in INHERITED}
        yield "single claim with claims", replaced(cert, ("claims",), [sub])


def redigest(obj):
    """Recompute every ``digest`` (innermost first), as a forger would: the digest then
    no longer hides a syntax change, and only the strict parser can reject it."""
    if isinstance(obj, list):
        for v in obj:
            redigest(v)
    elif isinstance(obj, dict):
        for v in obj.values():
            redigest(v)
        if isinstance(obj.get("digest"), str):
            body = {k: v for k, v in obj.items() if k != "digest"}
            try:
                text = json.dumps(body, sort_keys=True, separators=(",", ":"))
            except TypeError:        # a mutation put a non-string key somewhere: leave it
                return obj
            obj["digest"] = hashlib.sha256(text.encode()).hexdigest()
    return obj


def mutations(cert, other, n0: int, k: int = 0):
    """(class, description, forged certificate object) for the object-level classes,
    every digest recomputed after the mutation."""
    for cls, gen in (("inherit", _inherit(cert, other)), ("shape", _shape(cert, other)),
                     ("spelling", _spelling(cert, k)), ("integer", _integers(cert, k)),
                     ("unknown", _unknown(cert, k)), ("domain", _domain(cert, n0))):
        for what, forged in gen:
            yield cls, what, redigest(forged)


def dumps_with_duplicate(obj, target, value) -> str:
    """JSON text of ``obj`` where the object at path ``target`` repeats its first key with ``value``."""
    def enc(o, path):
        if isinstance(o, dict):
            items = [f"{json.dumps(k)}: {enc(v, path + (k,))}" for k, v in o.items()]
            if path == target and o:
                first = next(iter(o))
                items.append(f"{json.dumps(first)}: {json.dumps(value)}")
            return "{" + ", ".join(items) + "}"
        if isinstance(o, list):
            return "[" + ", ".join(enc(v, path + (i,)) for i, v in enumerate(o)) + "]"
        return json.dumps(o)
    return enc(obj, ())


def duplicate_texts(cert):
    """('duplicate', description, JSON text) for every object of the certificate: its first
    key repeated with the same value (the checker would see the same object) and,
    at the root, with another value."""
    for pa, v in _spread([(pa, v) for pa, v in nodes(cert) if isinstance(v, dict) and v]):
        if isinstance(v, dict) and v:
            first = next(iter(v))
            yield "duplicate", f"{pa} repeats {first!r}", dumps_with_duplicate(cert, pa, v[first])
    yield "duplicate", "root repeats its first key, other value", dumps_with_duplicate(cert, (), "x")
