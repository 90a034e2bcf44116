"""The training lab: optimizers raced on surfaces and on a network, loss landscapes,
initialization and preprocessing, on the engine's own optimizers.

Pure computations (arrays and dataclasses, no files)::

    SURFACES, get_surface, Surface            analytic 2-D losses with exact gradients
    race_on_surface, race_table, Trajectory   the race on a surface (optional gradient noise)
    network_race, NetworkRace, Contender      the race on a network, equal gradient budgets
    random_landscape, path_plane, plane_landscape, line_profile, filter_normalize
                                              loss landscapes (Li et al. 2018)
    init_lab, init_statistics, unit_spread    the initialization lab
    preprocess_lab, badly_scaled, condition_number   the preprocessing lab

Files and reports (what ``depthlens lab …`` runs)::

    run_optimizers_lab, run_network_lab, run_init_lab, run_preprocess_lab
"""

from depthlens.lab.init_lab import (
    DEFAULT_INITS,
    InitLab,
    InitSpec,
    InitStats,
    init_lab,
    init_spec,
    init_statistics,
    parse_init,
    unit_spread,
)
from depthlens.lab.landscape import (
    Landscape,
    PathPlane,
    filter_normalize,
    line_profile,
    loss_surface,
    path_plane,
    plane_landscape,
    random_directions,
    random_landscape,
)
from depthlens.lab.network_race import (
    DEFAULT_CONTENDERS,
    Contender,
    NetworkRace,
    NetworkRun,
    network_race,
)
from depthlens.lab.preprocess_lab import (
    PreprocessLab,
    badly_scaled,
    condition_number,
    hessian_condition,
    preprocess_lab,
)
from depthlens.lab.race import RaceRow, Trajectory, optimizers_for, race_on_surface, race_table
from depthlens.lab.runners import (
    run_init_lab,
    run_network_lab,
    run_optimizers_lab,
    run_preprocess_lab,
)
from depthlens.lab.surfaces import OPTIMIZER_ORDER, SURFACES, Minimum, Surface, get_surface

__all__ = [
    "DEFAULT_CONTENDERS",
    "DEFAULT_INITS",
    "OPTIMIZER_ORDER",
    "SURFACES",
    "Contender",
    "InitLab",
    "InitSpec",
    "InitStats",
    "Landscape",
    "Minimum",
    "NetworkRace",
    "NetworkRun",
    "PathPlane",
    "PreprocessLab",
    "RaceRow",
    "Surface",
    "Trajectory",
    "badly_scaled",
    "condition_number",
    "filter_normalize",
    "get_surface",
    "hessian_condition",
    "init_lab",
    "init_spec",
    "init_statistics",
    "line_profile",
    "loss_surface",
    "network_race",
    "optimizers_for",
    "parse_init",
    "path_plane",
    "plane_landscape",
    "preprocess_lab",
    "race_on_surface",
    "race_table",
    "random_directions",
    "random_landscape",
    "run_init_lab",
    "run_network_lab",
    "run_optimizers_lab",
    "run_preprocess_lab",
    "unit_spread",
]
