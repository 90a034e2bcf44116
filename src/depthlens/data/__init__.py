"""depthlens.data: datasets (generated or from CSV), input features, splits and preprocessing."""

from depthlens.data.dataset import Dataset
from depthlens.data.datasets import DATASETS, DatasetSpec, make_dataset
from depthlens.data.features import FEATURES, expand_dataset, expand_features, parse_features
from depthlens.data.preprocessing import (
    PCA,
    PREPROCESSORS,
    ZCA,
    Center,
    Identity,
    MinMax,
    PCAWhiten,
    Preprocessor,
    Standardize,
    make_preprocessor,
    preprocessor_from_arrays,
)
from depthlens.data.splitting import split, split_groups
from depthlens.data.tabular import load_csv, parse_csv_text

__all__ = [
    "DATASETS",
    "FEATURES",
    "PCA",
    "PREPROCESSORS",
    "ZCA",
    "Center",
    "Dataset",
    "DatasetSpec",
    "Identity",
    "MinMax",
    "PCAWhiten",
    "Preprocessor",
    "Standardize",
    "expand_dataset",
    "expand_features",
    "load_csv",
    "make_dataset",
    "make_preprocessor",
    "parse_csv_text",
    "parse_features",
    "preprocessor_from_arrays",
    "split",
    "split_groups",
]
