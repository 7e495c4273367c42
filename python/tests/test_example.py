"""The example of docs/python.md and the README runs as documented: a plain PyTorch MMoE on the demo
data, PCGrad written in the example itself, and two gloo ranks spawned by --world-size 2."""
import os
import subprocess
import sys

import h5py
import numpy as np

from test_trace import run_tool

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "mmoe_kuairand.py")


def run_example(tmp_path, *args):
    out = str(tmp_path / "example.h5")
    done = subprocess.run([sys.executable, EXAMPLE, "--out", out, "--snapshot-every", "3", "--eval-every", "3", *args],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_the_example_trains_pcgrad_into_a_valid_trace(tmp_path, seesaw_trace):
    path = run_example(tmp_path, "--method", "pcgrad", "--steps", "6")
    assert run_tool(seesaw_trace, "validate", path).returncode == 0
    with h5py.File(path, "r") as f:
        assert f.attrs["method"] == b"pcgrad" and int(f.attrs["world_size"]) == 1
        assert list(f["steps/step"][:]) == [1, 2, 3, 4, 5, 6]
        assert list(f["users/snapshot_step"][:]) == [3, 6]
        assert list(f["eval/valid/step"][:]) == [3, 6] and list(f["eval/test/step"][:]) == [6]
        cos, weight = f["steps/cosine"][:], f["steps/weight"][:]
    # PCGrad changes the update only where two task gradients conflict: there the fitted weights
    # leave 1 (EW's), elsewhere they are 1.
    conflict = (cos[:, [0, 0, 1], [1, 2, 2]] < 0).any(1)
    assert conflict.any(), "the demo's first steps have conflicting tasks"
    assert (np.abs(weight[conflict] - 1).max(1) > 1e-3).all()


def test_the_example_runs_two_gloo_ranks(tmp_path, seesaw_trace):
    path = run_example(tmp_path, "--method", "ew", "--steps", "3", "--world-size", "2", "--threads", "1")
    assert run_tool(seesaw_trace, "validate", path).returncode == 0
    with h5py.File(path, "r") as f:
        assert int(f.attrs["world_size"]) == 2 and f.attrs["backend"] == b"gloo"
        assert list(f["steps/step"][:]) == [1, 2, 3]
        np.testing.assert_allclose(f["steps/weight"][:], 1.0, rtol=1e-4)  # EW: the sum of the losses
        assert int(f["status/state"][()]) == 1  # finished
