"""Figures (issue 12, item 1): formats, overlays, and a frame on where the regions are."""
import pytest

from exactsym import Network, random_network
from exactsym.arrangement import regions

pytest.importorskip("matplotlib")
from exactsym.plot import frame, plot_regions  # noqa: E402


def test_frame_is_on_the_arrangement_not_the_origin_or_far_witnesses():
    # two lines crossing at (100, 100): the frame must contain the crossing and be small around it
    net = Network([2, 2, 1], [([[1, 0], [0, 1]], [-100, -100]), ([[1, 1]], [0])])
    res = regions(net, progress=False)
    ineqs = {r.index: [([float(v) for v in a], float(c)) for a, c in r.inequalities] for r in res.regions}
    x0, x1, y0, y1 = frame(res, ineqs)
    assert x0 < 100 < x1 and y0 < 100 < y1
    assert x1 - x0 < 50 and y1 - y0 < 50


@pytest.mark.parametrize("suffix,magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF"), (".svg", b"<?xml")])
def test_formats_and_overlays(tmp_path, suffix, magic):
    net = random_network([2, 5, 4, 2], seed=4)
    res = regions(net, progress=False)
    out = tmp_path / f"f{suffix}"
    plot_regions(res, out, labels=True, points=[(0, 0), ("1/2", "-1")], level=0.0, heat=1)
    assert out.read_bytes()[:len(magic)] == magic


def test_line_plot_and_bad_heat(tmp_path):
    net = random_network([1, 4, 1], seed=1)
    res = regions(net, progress=False)
    plot_regions(res, tmp_path / "l.png")
    assert (tmp_path / "l.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="out of range"):
        plot_regions(res, tmp_path / "x.png", heat=3)


def test_float_forms_for_drawing_agree_with_the_exact_inequalities():
    from exactsym import random_network
    from exactsym.arrangement import regions
    from exactsym.plot import _FloatForms
    net = random_network([2, 5, 4, 2], seed=3)
    res = regions(net, progress=False)
    ff = _FloatForms(net)
    for reg in res.regions:
        for (a, c), (fa, fc) in zip(reg.inequalities, ff.inequalities(reg)):
            assert abs(float(c) - fc) <= 1e-9 * (1 + abs(fc))
            assert all(abs(float(v) - w) <= 1e-9 * (1 + abs(w)) for v, w in zip(a, fa))
        A, c = reg.affine_map
        for row, ci, (fa, fc) in zip(A, c, ff.affine(reg)):
            assert abs(float(ci) - fc) <= 1e-9 * (1 + abs(fc))
