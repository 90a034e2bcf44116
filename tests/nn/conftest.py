"""Engine tests: keep torch to one thread (tiny tensors; threads only add wake-up latency,
and pytest-xdist already runs one worker per core)."""

import torch

torch.set_num_threads(1)
