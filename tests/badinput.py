"""Shared assertions for bad-input tests (issue 10, items 10-16): exit 2, exactly one line on
stderr naming the file and the problem, and every existing file left untouched."""
import json
import os


def snapshot(root) -> dict:
    """{path: (bytes, mtime_ns, mode)} of every file below ``root`` (new files show up as new keys)."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            st = os.lstat(p)
            data = open(p, "rb").read() if os.path.isfile(p) and not os.path.islink(p) else os.readlink(p)
            out[p] = (data, st.st_mtime_ns, st.st_mode)
    return out


def assert_bad(run_cli, root, argv, names, words=()):
    """Run ``exactsym *argv``; exit 2, one stderr line containing every one of ``names`` and
    ``words``, nothing on stdout, ``root`` unchanged; then the same with ``--json``."""
    before = snapshot(root)
    code, out, err = run_cli(*argv)
    lines = err.strip().splitlines()
    assert code == 2, (code, err)
    assert out == "", out
    assert len(lines) == 1 and "Traceback" not in err, err
    for n in list(names) + list(words):
        assert str(n) in lines[0], (n, lines[0])
    assert snapshot(root) == before
    code, out, err = run_cli(*argv, "--json")
    assert code == 2 and json.loads(out)["exit_code"] == 2 and len(err.strip().splitlines()) == 1
    assert snapshot(root) == before
    return lines[0]
