"""Issue 10 items 11-13: byte-level forgeries of .npz and .pt files (hypothesis) either load or
raise InputError: never another exception, never a traceback."""
import io
import zipfile

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import torchfmt as tf
from exactsym import load_network
from exactsym.network.io import InputError


def _npz_bytes():
    buf = io.BytesIO()
    np.savez(buf, W0=np.arange(6.0).reshape(3, 2), b0=np.ones(3), W1=np.ones((1, 3)), b1=np.zeros(1))
    return buf.getvalue()


def _pt_bytes(tmp):
    p = tmp / "seed.pt"
    tf.save(tf.state_dict([("0.weight", np.ones((3, 2), np.float32)), ("0.bias", np.ones(3, np.float32)),
                           ("2.weight", np.ones((1, 3), np.float32)), ("2.bias", np.zeros(1, np.float32))]), p)
    return p.read_bytes()


def _pkl_mutation(data, pos, byte):
    """Mutate a byte inside the pickle member (where the unpickler has to cope)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    members = {i.filename: z.read(i) for i in z.infolist()}
    name = next(n for n in members if n.endswith("data.pkl"))
    pkl = bytearray(members[name])
    pkl[pos % len(pkl)] = byte
    members[name] = bytes(pkl)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as w:
        for n, raw in members.items():
            w.writestr(n, raw)
    return out.getvalue()


def _loads_or_input_error(path):
    try:
        load_network(path)
    except InputError as e:
        assert "\n" not in str(e)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4))
def test_items11_13_npz_byte_forgeries(tmp_path, flips):
    data = bytearray(_npz_bytes())
    for pos, byte in flips:
        data[pos % len(data)] = byte
    p = tmp_path / "f.npz"
    p.write_bytes(bytes(data))
    _loads_or_input_error(p)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10**6), st.integers(0, 255), st.booleans())
def test_item11_pt_pickle_forgeries(tmp_path, pos, byte, inside):
    data = _pt_bytes(tmp_path)
    if inside:
        data = _pkl_mutation(data, pos, byte)
    else:
        data = bytearray(data)
        data[pos % len(data)] = byte
        data = bytes(data)
    p = tmp_path / "f.pt"
    p.write_bytes(data)
    _loads_or_input_error(p)
