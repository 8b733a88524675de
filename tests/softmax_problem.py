"""A random softmax-regression problem, shared by the softmax tests."""

import numpy as np


def make_problem(N=20, D=7, K=5, seed=0, scale=1.0, dtype=np.float64):
    """Weights W (K, D) times `scale`, bias b (K,), inputs X (N, D), labels y (N,) in 0..K-1."""
    rng = np.random.default_rng(seed)
    W = (scale * rng.standard_normal((K, D))).astype(dtype)
    b = rng.standard_normal(K).astype(dtype)
    X = rng.standard_normal((N, D)).astype(dtype)
    y = rng.integers(0, K, N)
    return W, b, X, y
