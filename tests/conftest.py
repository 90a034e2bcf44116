"""Hypothesis profiles: ``ci`` (set by ``.ci/run``) draws the same examples on every run, so a
run on a clean checkout passes or fails on the code alone; elsewhere each run draws new ones and
may find a new failure (it prints the ``@reproduce_failure`` line to keep it)."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("DEPTHLENS_HYPOTHESIS", "dev"))
