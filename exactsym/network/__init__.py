r"""The network and its formats: exact numbers, the model, files, random networks, the group G.

Standard library only (numpy and torch are imported lazily, by the file
loaders that need them). :mod:`.numbers` parses exact entries;
:mod:`.model` is :class:`Network` and its canonical serialisation (the
network parser the trusted checker relies on); :mod:`.io` reads and writes
files; :mod:`.generate` makes seeded random networks; :mod:`.group` is the
action of G (permutations and positive scalings).
"""

from .generate import random_network
from .group import act, permute, scale, scaling_generators
from .io import InputError, load_network, load_points, save_network
from .model import Network, NetworkError
from .numbers import fmt, parse_entry

__all__ = ["Network", "NetworkError", "parse_entry", "fmt", "InputError", "load_network", "save_network",
           "load_points", "random_network", "act", "permute", "scale", "scaling_generators"]
