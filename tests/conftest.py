import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    from exactsym.cli import main

    def run(*argv):
        code = main([str(a) for a in argv])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def flip_network():
    """The (1,2,1) example of SPEC 4.6 and its flipped twin."""
    from exactsym import Network
    a = Network([1, 2, 1], [([[1], [2]], [0, 1]), ([[2, -1]], [0])])
    b = Network([1, 2, 1], [([[-1], [-2]], [0, -1]), ([[2, -1]], [-1])])
    return a, b
