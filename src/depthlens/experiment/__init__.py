"""Experiments: one validated Config, a Session that trains it, and the run folder."""

from depthlens.experiment.config import Config
from depthlens.experiment.run import load_run, save_run
from depthlens.experiment.session import Session

__all__ = ["Config", "Session", "load_run", "save_run"]
