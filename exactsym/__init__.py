"""exactsym: exact reasoning about the parameter symmetries of ReLU networks.

Data flows one way: network -> activation patterns and regions -> Jacobian
and rank -> verdict -> certificate -> checker.
"""

__version__ = "0.1.0"

from .network import Network, NetworkError  # noqa: E402
from .numbers import parse_entry, fmt  # noqa: E402
from .io import InputError, load_network, save_network, load_points  # noqa: E402
from .symmetry import (act, permute, scale, canonical_form, same_orbit,  # noqa: E402
                       scaling_generators)
from .generate import random_network  # noqa: E402

__all__ = ["Network", "NetworkError", "parse_entry", "fmt", "InputError", "load_network",
           "save_network", "load_points", "act", "permute", "scale", "canonical_form",
           "same_orbit", "scaling_generators", "random_network", "__version__"]
