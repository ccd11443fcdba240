"""Fixtures of the lutsim Python tests: the source tree, the lutsim binary of the same build, and a CLI runner.

ctest sets PYTHONPATH to <build>/python, LUTSIM_BIN to the command line of the same build and LUTSIM_SOURCE_DIR
to the repository; the tests compare the package's results with the command line's on the same inputs."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

SOURCE_DIR = Path(os.environ.get("LUTSIM_SOURCE_DIR", Path(__file__).resolve().parents[2]))


# In the sanitizer build (ctest preloads libasan): an exception thrown after a SystemC simulation in the same
# process can be reported by ASan as a false stack-buffer-overflow (SystemC switches stacks behind its back,
# google/sanitizers#189; docs/sim.md), which kills the worker process instead of raising the error.
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")
skip_under_asan = pytest.mark.skipif(UNDER_ASAN, reason="a SystemC error under ASan: google/sanitizers#189")


@pytest.fixture(scope="session")
def src() -> Path:
    return SOURCE_DIR


@pytest.fixture(scope="session")
def lutsim_bin() -> str:
    b = os.environ.get("LUTSIM_BIN")
    if not b:
        pytest.skip("LUTSIM_BIN is not set (run the tests through ctest)")
    return b


class Cli:
    def __init__(self, binary: str):
        self.binary = binary

    def __call__(self, *args, check=True, env=None):
        r = subprocess.run([self.binary, *map(str, args)], capture_output=True, text=True,
                           env=None if env is None else {**os.environ, **env})
        if check and r.returncode != 0:
            raise AssertionError(f"lutsim {' '.join(map(str, args))} exited {r.returncode}: {r.stderr}")
        return r


@pytest.fixture(scope="session")
def cli(lutsim_bin) -> Cli:
    return Cli(lutsim_bin)


@pytest.fixture(scope="session")
def lenet_trace(src):
    d = src / "traces" / "lenet5_per_layer"
    return d / "net.npz", np.load(d / "input.npy")


@pytest.fixture(scope="session")
def resnet_trace(src):
    d = src / "traces" / "resnet18_32x32"
    return d / "net.npz", np.load(d / "input.npy")
