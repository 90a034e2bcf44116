"""Dataset generators: each is ``f(n_samples, noise, seed, **params) -> Dataset``.

``playground`` holds TensorFlow Playground's six sets, ``shapes`` more 2-D shapes, ``line`` the 1-D
sets and ``sequences`` the windowed time-series regression set.
"""
