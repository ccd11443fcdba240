"""``python3 -m lutsim.qat``: quantization-aware training for lutsim (lutsim/torch/cli.py, docs/qat.md)."""

import sys

from .torch.cli import main

if __name__ == "__main__":
    sys.exit(main())
