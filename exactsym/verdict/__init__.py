r"""Verdicts: mechanisms of hidden symmetry, the criteria, ``certify`` and ``equivalent``.

:mod:`.mechanisms` looks for a witness of each mechanism 1-7;
:mod:`.criteria` holds the proven criteria (the shallow criterion);
:mod:`.certify` runs them in order and writes the verdict's certificate;
:mod:`.equiv` decides whether two networks compute the same function.
"""

from .certify import CertifyResult, certify
from .criteria import shallow_criterion
from .equiv import EquivResult, equivalent
from .mechanisms import Witness, detect

__all__ = ["certify", "CertifyResult", "shallow_criterion", "equivalent", "EquivResult",
           "detect", "Witness"]
