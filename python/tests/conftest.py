import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)


@pytest.fixture
def seesaw_trace():
    """The C++ trace tool that reads what the recorder writes: $SEESAW_TRACE (set by CTest), or build/."""
    path = os.environ.get("SEESAW_TRACE") or os.path.join(HERE, "..", "..", "build", "seesaw-trace")
    if not os.path.exists(path):
        pytest.fail(f"seesaw-trace not found at {path}: build the project first (scripts/build.sh) or set SEESAW_TRACE")
    return path
