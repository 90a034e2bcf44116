"""Input preprocessing fitted on the training set only, then applied to any data.

Every preprocessor takes x of shape (n, d), learns its statistics in :meth:`fit` (from the
training set: apply the same fitted object to validation/test data), and has
:meth:`transform`, :meth:`inverse_transform`, :meth:`fit_transform`, and
:meth:`to_arrays` / :meth:`from_arrays` so a model folder can save it with ``np.savez`` and load
it without pickle. All statistics use the population convention (divide by n, ddof = 0).

Names: ``none``, ``center``, ``standardize``, ``minmax``, ``pca``, ``pca-whiten``, ``zca``.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from depthlens.errors import ConfigError, DataError

_EPS = float(np.finfo(np.float64).eps)


def _as_matrix(x: Any, what: str) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 2 or not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
        raise DataError(f"{what}: expected a real (n, d) array, got shape {a.shape} ({a.dtype})")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise DataError(f"{what}: the data contains NaN or infinite values")
    return a


def _check_eps(eps: Any) -> float:
    if (
        isinstance(eps, bool)
        or not isinstance(eps, numbers.Real)
        or not (math.isfinite(float(eps)) and float(eps) >= 0)
    ):
        raise ConfigError("eps", eps, "a finite number >= 0")
    return float(eps)


def _check_components(k: Any) -> int | None:
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or int(k) < 1:
        raise ConfigError("n_components", k, "None (all) or an integer >= 1")
    return int(k)


def principal_axes(xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition of the covariance Σ = xcᵀxc / n of centred data xc (n, d).

    Returns (variances (d,), components (d, d)): Σ = componentsᵀ · diag(variances) · components,
    rows of ``components`` are orthonormal principal axes sorted by decreasing variance; each
    row's entry of largest magnitude is made positive (sklearn's svd_flip rule), so the result
    does not depend on the solver's signs. Tiny negative eigenvalues are clipped to 0.
    """
    cov = xc.T @ xc / xc.shape[0]
    lam, vec = np.linalg.eigh((cov + cov.T) / 2)
    order = np.argsort(lam)[::-1]
    lam = np.clip(lam[order], 0.0, None)
    comp = vec[:, order].T
    big = np.argmax(np.abs(comp), axis=1)
    signs = np.sign(comp[np.arange(len(comp)), big])
    signs[signs == 0] = 1.0
    return lam, comp * signs[:, None]


class Preprocessor:
    """Base class: subclasses set ``name``, ``_state_keys`` and implement the three hooks."""

    name: ClassVar[str] = ""
    _state_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.n_features_in: int | None = None

    # -- hooks ---------------------------------------------------------------------------------
    def _fit(self, x: np.ndarray) -> None:
        raise NotImplementedError

    def _transform(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        """The constructor parameters."""
        return {}

    @property
    def n_features_out(self) -> int:
        """Width of the transformed data."""
        self._check_fitted()
        assert self.n_features_in is not None
        return self.n_features_in

    # -- public API ----------------------------------------------------------------------------
    @property
    def fitted(self) -> bool:
        """True once :meth:`fit` (or :meth:`from_arrays`) has run."""
        return self.n_features_in is not None

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise DataError(f"preprocessing {self.name!r} is not fitted; call fit(x_train) first")

    def fit(self, x: np.ndarray) -> Preprocessor:
        """Learn the statistics from training inputs ``x`` (n, d), n >= 1; returns self."""
        a = _as_matrix(x, f"{self.name}.fit")
        if a.shape[0] < 1:
            raise DataError(f"{self.name}.fit: needs at least one sample")
        self._fit(a)
        self.n_features_in = a.shape[1]
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Apply the fitted map to x (n, d) → (n, d_out) float64."""
        self._check_fitted()
        a = _as_matrix(x, f"{self.name}.transform")
        if a.shape[1] != self.n_features_in:
            raise DataError(
                f"{self.name}.transform: fitted on {self.n_features_in} columns, got {a.shape[1]}"
            )
        return self._transform(a)

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Map transformed data (n, d_out) back to input space (n, d)."""
        self._check_fitted()
        a = _as_matrix(z, f"{self.name}.inverse_transform")
        if a.shape[1] != self.n_features_out:
            raise DataError(
                f"{self.name}.inverse_transform: expected {self.n_features_out} columns, "
                f"got {a.shape[1]}"
            )
        return self._inverse(a)

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        """``fit(x).transform(x)``."""
        return self.fit(x).transform(x)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to rebuild this fitted preprocessor, as plain numpy arrays.

        Keys: 'name' (a 0-d string array), each parameter ('eps' float, 'n_components' int with
        -1 for None), 'n_features_in', and the fitted statistics. Safe for ``np.savez`` and
        ``np.load(..., allow_pickle=False)``.
        """
        self._check_fitted()
        out: dict[str, np.ndarray] = {
            "name": np.array(self.name),
            "n_features_in": np.array(self.n_features_in, dtype=np.int64),
        }
        for key, value in self.params().items():
            out[key] = np.array(-1 if value is None else value)
        for key in self._state_keys:
            out[key] = np.array(getattr(self, key), dtype=np.float64)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Preprocessor:
        """Rebuild a fitted preprocessor saved by :meth:`to_arrays` (DataError if incomplete)."""
        try:
            name = str(np.asarray(arrays["name"]))
            if cls is Preprocessor:
                if name not in PREPROCESSORS:
                    raise DataError(f"unknown preprocessing {name!r} in saved arrays")
                return PREPROCESSORS[name].from_arrays(arrays)
            if name != cls.name:
                raise DataError(f"saved arrays are for {name!r}, not {cls.name!r}")
            kwargs: dict[str, Any] = {}
            for key in inspect.signature(cls.__init__).parameters:
                if key == "self":
                    continue
                value = np.asarray(arrays[key]).item()
                kwargs[key] = None if key == "n_components" and value == -1 else value
            obj = cls(**kwargs)
            for key in cls._state_keys:
                setattr(obj, key, np.array(arrays[key], dtype=np.float64))
            obj.n_features_in = int(np.asarray(arrays["n_features_in"]))
        except DataError:
            raise
        except KeyError as e:
            raise DataError(f"saved preprocessing arrays lack the entry {e.args[0]!r}") from None
        except (ValueError, TypeError) as e:
            raise DataError(f"saved preprocessing arrays are not valid: {e}") from None
        return obj

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


class Identity(Preprocessor):
    """``none``: z = x."""

    name = "none"

    def _fit(self, x: np.ndarray) -> None:
        pass

    def _transform(self, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        return z.copy()


class Center(Preprocessor):
    """``center``: z = x - μ with μ = mean of the training rows (d,)."""

    name = "center"
    _state_keys = ("mean",)

    def _fit(self, x: np.ndarray) -> None:
        self.mean = x.mean(axis=0)

    def _transform(self, x: np.ndarray) -> np.ndarray:
        return x - self.mean

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        return z + self.mean


class Standardize(Preprocessor):
    """``standardize``: z = (x - μ) / s, as sklearn's StandardScaler.

    μ = mean, σ² = population variance (ddof 0), s = σ, no eps added. A feature is constant
    when σ² <= n·ε·σ² + (n·μ·ε)² (ε = float64 machine epsilon, sklearn's rule); it gets s = 1,
    so it maps to x - μ (0 on the training set).
    """

    name = "standardize"
    _state_keys = ("mean", "scale")

    def _fit(self, x: np.ndarray) -> None:
        n = x.shape[0]
        self.mean = x.mean(axis=0)
        var = x.var(axis=0)
        constant = var <= n * _EPS * var + (n * self.mean * _EPS) ** 2
        self.scale = np.where(constant, 1.0, np.sqrt(var))

    def _transform(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.scale

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        return z * self.scale + self.mean


class MinMax(Preprocessor):
    """``minmax``: map each feature's training range [lo, hi] linearly onto [-1, 1].

    z = (x - c) / h with centre c = (lo + hi)/2 and half-range h = (hi - lo)/2. A constant
    feature (h = 0) gets h = 1, so it maps to 0 on the training set. Test data may fall
    outside [-1, 1].
    """

    name = "minmax"
    _state_keys = ("center", "half_range")

    def _fit(self, x: np.ndarray) -> None:
        lo, hi = x.min(axis=0), x.max(axis=0)
        self.center = (lo + hi) / 2
        half = (hi - lo) / 2
        self.half_range = np.where(half > 0, half, 1.0)

    def _transform(self, x: np.ndarray) -> np.ndarray:
        return (x - self.center) / self.half_range

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        return z * self.half_range + self.center


class PCA(Preprocessor):
    """``pca``: rotate onto the principal axes, z = (x - μ)·Vₖᵀ, without whitening.

    V (d, d) holds the eigenvectors of Σ = (x - μ)ᵀ(x - μ)/n as rows, by decreasing variance
    (see :func:`principal_axes`); Vₖ its first k = n_components rows (None: all d). Column j of z
    has training variance λ_j. inverse: x = z·Vₖ + μ (exact when k = d).
    """

    name = "pca"
    _state_keys = ("mean", "components", "variances")

    def __init__(self, n_components: int | None = None) -> None:
        super().__init__()
        self.n_components = _check_components(n_components)

    def params(self) -> dict[str, Any]:
        return {"n_components": self.n_components}

    @property
    def n_features_out(self) -> int:
        self._check_fitted()
        return int(self.components.shape[0])

    def _fit(self, x: np.ndarray) -> None:
        d = x.shape[1]
        k = d if self.n_components is None else self.n_components
        if k > d:
            raise ConfigError("n_components", k, f"None or an integer from 1 to {d} (the columns)")
        self.mean = x.mean(axis=0)
        lam, comp = principal_axes(x - self.mean)
        self.components, self.variances = comp[:k], lam[:k]

    def _transform(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) @ self.components.T

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        return z @ self.components + self.mean


class PCAWhiten(PCA):
    """``pca-whiten``: z = (x - μ)·Vₖᵀ / sqrt(λ + eps) (CS231n's PCA whitening).

    λ_j: training variances along the axes (ddof 0), eps >= 0 added inside the square root
    (default 1e-5; larger values damp the low-variance directions). The divisor is clipped
    below at machine epsilon so a zero-variance axis with eps = 0 gives 0, not inf. With eps = 0
    the training output has identity covariance (ddof 0); sklearn's PCA(whiten=True) uses
    ddof 1, so its output equals ours · sqrt((n-1)/n) up to each column's sign.
    """

    name = "pca-whiten"
    _state_keys = ("mean", "components", "variances", "scale")

    def __init__(self, n_components: int | None = None, eps: float = 1e-5) -> None:
        super().__init__(n_components)
        self.eps = _check_eps(eps)

    def params(self) -> dict[str, Any]:
        return {"n_components": self.n_components, "eps": self.eps}

    def _fit(self, x: np.ndarray) -> None:
        super()._fit(x)
        self.scale = np.maximum(np.sqrt(self.variances + self.eps), _EPS)

    def _transform(self, x: np.ndarray) -> np.ndarray:
        return super()._transform(x) / self.scale

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        return super()._inverse(z * self.scale)


class ZCA(Preprocessor):
    """``zca``: z = (x - μ)·W with W = Vᵀ·diag(1/sqrt(λ + eps))·V (symmetric).

    ZCA is PCA whitening rotated back to the input axes; of all whitening maps it keeps the
    output closest (least squares) to the centred input. eps >= 0 (default 1e-5) as in
    ``pca-whiten``; inverse: x = z·Vᵀ·diag(sqrt(λ + eps))·V + μ.
    """

    name = "zca"
    _state_keys = ("mean", "components", "variances", "scale")

    def __init__(self, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = _check_eps(eps)

    def params(self) -> dict[str, Any]:
        return {"eps": self.eps}

    def _fit(self, x: np.ndarray) -> None:
        self.mean = x.mean(axis=0)
        self.variances, self.components = principal_axes(x - self.mean)
        self.scale = np.maximum(np.sqrt(self.variances + self.eps), _EPS)

    @property
    def whitening_matrix(self) -> np.ndarray:
        """W (d, d), symmetric: Vᵀ·diag(1/s)·V."""
        self._check_fitted()
        v = self.components
        return v.T @ (v / self.scale[:, None])

    def _transform(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) @ self.whitening_matrix

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        v = self.components
        return z @ (v.T @ (v * self.scale[:, None])) + self.mean


PREPROCESSORS: dict[str, type[Preprocessor]] = {
    cls.name: cls for cls in (Identity, Center, Standardize, MinMax, PCA, PCAWhiten, ZCA)
}
"""Every preprocessor class by name."""


def make_preprocessor(name: str, **params: Any) -> Preprocessor:
    """A new, unfitted preprocessor ``name`` with ``params`` (``n_components`` for pca and
    pca-whiten, ``eps`` for pca-whiten and zca).

    ConfigError('preprocessing', name, names) for an unknown name; ConfigError naming the
    parameter for an unknown parameter or a bad value.
    """
    cls = PREPROCESSORS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ConfigError("preprocessing", name, sorted(PREPROCESSORS))
    allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    for key, value in params.items():
        if key not in allowed:
            takes = ", ".join(allowed) or "no parameters"
            raise ConfigError(key, value, f"no such parameter for {name!r} (it takes {takes})")
    return cls(**params)


def preprocessor_from_arrays(arrays: Mapping[str, np.ndarray]) -> Preprocessor:
    """Rebuild any fitted preprocessor from :meth:`Preprocessor.to_arrays` output (or an npz)."""
    return Preprocessor.from_arrays(arrays)
