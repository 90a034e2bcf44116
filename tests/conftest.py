"""Test-wide settings.

scikit-learn's ``check_array_api_input`` runs only when scipy is imported with SCIPY_ARRAY_API
set (else it skips itself), so it is set here, before any test module imports scipy.

Hypothesis profiles: ``ci`` (set by ``.ci/run``) draws the same examples on every run, so a run
on a clean checkout passes or fails on the code alone; elsewhere each run draws new ones and may
find a new failure (it prints the ``@reproduce_failure`` line to keep it).
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

from hypothesis import settings  # after the environment is set

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("DEPTHLENS_HYPOTHESIS", "dev"))
