"""Sweep figures (issue 12, item 1): 95% Wilson intervals, counts, formats."""
import pytest

from exactsym.experiments.reproduce import load_results, plot_vs, wilson


def test_wilson_interval_known_values():
    lo, hi = wilson(0, 12)
    assert lo == 0.0 and abs(hi - 0.24250) < 1e-5
    lo, hi = wilson(6, 12)
    assert abs(lo - 0.25378) < 1e-5 and abs(hi - 0.74622) < 1e-5
    assert wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("suffix,magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF"), (".svg", b"<?xml")])
def test_sweep_figure_formats(tmp_path, suffix, magic):
    pytest.importorskip("matplotlib")
    import os
    rows = load_results(os.path.join(os.path.dirname(__file__), "..", "docs", "sweep", "sweep_small.csv"))
    out = plot_vs(rows, "depth", str(tmp_path / f"f{suffix}"))
    assert open(out, "rb").read(len(magic)) == magic
