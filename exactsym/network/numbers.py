"""Exact rational entries: parsing from the input formats and printing as ``"p/q"``.

Standard library only: the certificate checker depends on this module.

Accepted entries (SPEC section 5):

* JSON integers (not booleans);
* strings ``"p/q"`` and ``"p"`` with decimal integers ``p``, ``q`` (``q > 0``);
* exact decimal strings such as ``"0.125"``, ``"-1.5e-3"``;
* JSON floats, converted to their *exact* binary value (``0.1`` becomes
  ``3602879701896397/36028797018963968``).

NaN, infinities, zero denominators, non-numeric strings and absurdly large
numbers are rejected with :class:`EntryError`.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

__all__ = ["EntryError", "parse_entry", "fmt", "round_to_denominator", "MAX_DIGITS", "FLOAT_SAFE_BITS",
           "float_unsafe"]

#: Longest integer (in decimal digits) and largest decimal exponent accepted.
#: They keep a hostile file from making us build a gigantic integer.
MAX_DIGITS = 4000
MAX_EXPONENT = 4000

#: Float proposals (LPs, sampling, SVD) convert entries to float64, whose range ends near
#: 1.8e308. An exact rational is "float safe" when its numerator and denominator both have
#: at most this many bits (2^996 is about 6.7e299): then it, its reciprocal and the
#: integer forms built from it convert without OverflowError. Subcommands that propose
#: with floats refuse other entries with a one-line error; the exact ones (info, canon)
#: accept them.
FLOAT_SAFE_BITS = 996

_RATIONAL = re.compile(r"^([+-]?)(\d+)(?:/(\d+))?$")
_DECIMAL = re.compile(r"^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$")


class EntryError(ValueError):
    """An entry is not an exact finite rational number."""


def parse_entry(value) -> Fraction:
    """Return the exact rational number that an input entry denotes."""
    if isinstance(value, bool):
        raise EntryError(f"boolean {value!r} is not a number")
    if isinstance(value, int):
        if value.bit_length() > MAX_DIGITS * 4:
            raise EntryError("integer is absurdly large")
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EntryError(f"{value!r} is not finite")
        return Fraction(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        return _parse_string(value)
    raise EntryError(f"{type(value).__name__} {_short(value)} is not a number")


def _parse_string(s: str) -> Fraction:
    t = s.strip()
    if len(t) > 2 * MAX_DIGITS + 20:
        raise EntryError("numeric string is absurdly long")
    m = _RATIONAL.match(t)
    if m:
        sign, p, q = m.groups()
        if len(p) > MAX_DIGITS or (q and len(q) > MAX_DIGITS):
            raise EntryError("numeric string is absurdly long")
        num = int(p)
        den = int(q) if q is not None else 1
        if den == 0:
            raise EntryError(f"zero denominator in {_short(s)}")
        return Fraction(-num if sign == "-" else num, den)
    m = _DECIMAL.match(t)
    if m and (m.group(2) or m.group(3)):
        sign, ip, fp, ex = m.groups()
        fp = fp or ""
        e = int(ex) if ex else 0
        if abs(e) > MAX_EXPONENT or len(ip) + len(fp) > MAX_DIGITS:
            raise EntryError(f"{_short(s)} is absurdly large or precise")
        num = int((ip or "0") + fp)
        e -= len(fp)
        val = Fraction(num * 10**e) if e >= 0 else Fraction(num, 10**-e)
        return -val if sign == "-" else val
    low = t.lower().lstrip("+-")
    if low in ("nan", "inf", "infinity"):
        raise EntryError(f"{_short(s)} is not finite")
    raise EntryError(f"{_short(s)} is not a number")


def float_unsafe(q: Fraction) -> bool:
    """True when ``q``'s numerator or denominator has more than :data:`FLOAT_SAFE_BITS` bits."""
    return abs(q.numerator).bit_length() > FLOAT_SAFE_BITS or q.denominator.bit_length() > FLOAT_SAFE_BITS


def _short(v) -> str:
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


def fmt(q: Fraction) -> str:
    """Canonical string of a rational: ``"p"`` for integers, else ``"p/q"`` in lowest terms."""
    q = Fraction(q)
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def round_to_denominator(q: Fraction, den: int) -> Fraction:
    """Nearest rational with denominator dividing ``den`` (ties to even numerator)."""
    if den <= 0:
        raise ValueError("denominator must be positive")
    return Fraction(round(Fraction(q) * den), den)


def common_denominator(values) -> int:
    """The least common multiple of the denominators of the rationals ``values`` (1 for none)."""
    from math import lcm
    return lcm(1, *(v.denominator for v in values))
