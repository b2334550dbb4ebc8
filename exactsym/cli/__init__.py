"""The ``exactsym`` command line, one module per subcommand over the importable API.

:mod:`.main` builds the parser and maps errors to exit codes; :mod:`.common`
holds what the subcommands share.
"""

from .common import (
           EXIT_BAD_INPUT,
           EXIT_FAILED,
           EXIT_OK,
           EXIT_UNAVAILABLE,
           UsageError,
           positive_int,
)
from .main import build_parser, entry, main

__all__ = ["main", "entry", "build_parser", "UsageError", "positive_int", "EXIT_OK", "EXIT_FAILED",
           "EXIT_BAD_INPUT", "EXIT_UNAVAILABLE"]
