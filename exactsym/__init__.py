"""exactsym: exact reasoning about the parameter symmetries of ReLU networks.

Data flows one way, and the subpackages are named after it:

``network`` (the network and its formats) -> ``arrangement`` (patterns and
regions) -> ``rank`` (Jacobians, ranks, functional dimension) -> ``verdict``
(mechanisms, criteria, certify, equiv) -> certificate -> ``check`` (the
trusted checker, standard library only); ``experiments``, ``plot`` and
``cli`` sit on top. ``docs/layout.md`` maps it.

The network layer is imported eagerly (standard library only); the rest of
the API is imported on first use, so ``import exactsym.check`` never pulls
in numpy or python-flint.
"""

__version__ = "0.1.0"

from .check.shared.orbit import canonical_form, same_orbit  # noqa: E402
from .network import (  # noqa: E402
    InputError,
    Network,
    NetworkError,
    act,
    fmt,
    load_network,
    load_points,
    parse_entry,
    permute,
    random_network,
    save_network,
    scale,
    scaling_generators,
)

#: name -> module of the API imported on first use
_LAZY = {
    "regions": "arrangement", "line_regions": "arrangement", "RegionsResult": "arrangement",
    "decisive_points": "arrangement",
    "functional_dimension": "rank", "functional_dimension_decisive": "rank", "float_rank": "rank",
    "certify": "verdict", "equivalent": "verdict", "detect": "verdict", "shallow_criterion": "verdict",
    "check_certificate": "check", "check_file": "check",
}

__all__ = ["Network", "NetworkError", "parse_entry", "fmt", "InputError", "load_network",
           "save_network", "load_points", "act", "permute", "scale", "canonical_form",
           "same_orbit", "scaling_generators", "random_network", "__version__"] + sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'exactsym' has no attribute {name!r}")
