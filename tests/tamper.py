"""Tampering with certificates: every numeric field, changed one at a time."""
from fractions import Fraction

from exactsym.network.numbers import EntryError, fmt, parse_entry

SKIP_KEYS = {"format", "claim", "network_sha256", "domain"}


def numeric_paths(obj, path=()):
    """Paths to every number in a certificate: JSON ints and rational strings."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in SKIP_KEYS:
                yield from numeric_paths(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from numeric_paths(v, path + (i,))
    elif isinstance(obj, bool):
        return
    elif isinstance(obj, int):
        yield path
    elif isinstance(obj, str):
        try:
            parse_entry(obj)
        except EntryError:
            return
        yield path


def changed(value, k=1):
    """A different number of the same JSON type (k selects which change)."""
    if isinstance(value, int):
        if value in (1, -1) and k % 2:
            return -value                      # flip a sign label
        return value + (k if k else 1)
    q = parse_entry(value)
    return fmt(q + Fraction(k, 1 + (k % 3)) if k else q + 1)


def tampered(cert, path, k=1):
    import copy
    c = copy.deepcopy(cert)
    cur = c
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = changed(cur[path[-1]], k)
    return c


def assert_a_tampering_fails(data, certs):
    """Hypothesis body: change one number of one certificate; the checker must reject it."""
    from exactsym.check import check_certificate
    from hypothesis import strategies as st
    cert = data.draw(st.sampled_from(certs))
    path = data.draw(st.sampled_from(list(numeric_paths(cert))))
    k = data.draw(st.integers(1, 5))
    r = check_certificate(tampered(cert, path, k))
    assert not r.valid, (cert.get("claim"), path, k)
