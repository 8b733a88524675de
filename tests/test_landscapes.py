"""course.landscapes: analytic gradients, known minima, vectorisation, input checks."""

import numpy as np
import pytest

from course.landscapes import LANDSCAPES, Landscape, get_landscape, quadratic

ALL = sorted(LANDSCAPES)


def central_gradient(f, w, h=1e-6):
    """Numerical gradient by central differences, written here independently of course."""
    g = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (float(f(w + e)) - float(f(w - e))) / (2 * h)
    return g


@pytest.mark.parametrize("name", ALL)
def test_gradient_matches_central_differences(name):
    land = get_landscape(name)
    rng = np.random.default_rng(0)
    lo = np.array([land.xlim[0], land.ylim[0]])
    hi = np.array([land.xlim[1], land.ylim[1]])
    for w in rng.uniform(lo, hi, size=(20, 2)):
        analytic = land.grad(w)
        numeric = central_gradient(land.f, w)
        scale = max(1.0, np.abs(numeric).max())
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("name", ALL)
def test_vectorised_over_grids_equals_pointwise(name):
    land = get_landscape(name)
    X, Y, Z = land.grid(7)
    assert X.shape == Y.shape == Z.shape == (7, 7)
    G = land.grad(np.stack([X, Y], axis=-1))
    assert G.shape == (7, 7, 2)
    for i, j in [(0, 0), (3, 5), (6, 2)]:
        w = np.array([X[i, j], Y[i, j]])
        assert Z[i, j] == pytest.approx(float(land.f(w)))
        np.testing.assert_allclose(G[i, j], land.grad(w))


@pytest.mark.parametrize("name", ALL)
def test_minima_are_stationary_with_f_min_and_x0_inside_window(name):
    land = get_landscape(name)
    for m in land.minima:
        assert float(land.f(m)) == pytest.approx(land.f_min, abs=1e-9)
        # Literature minima are given to six decimals, hence the tolerance.
        assert np.abs(land.grad(m)).max() < 1e-4
        # A strict minimum: f grows in every direction around it.
        for d in np.array([[1, 0], [0, 1], [1, 1], [1, -1]]) * 1e-3:
            assert land.f(m + d) > land.f(m) and land.f(m - d) > land.f(m)
    assert land.xlim[0] < land.x0[0] < land.xlim[1]
    assert land.ylim[0] < land.x0[1] < land.ylim[1]
    assert land.x0.shape == (2,)


def test_default_quadratic_is_the_seeds_example():
    land = quadratic()
    # 0.1*x1^2 + 2*x2^2 at (3, -2): 0.9 + 8
    assert float(land.f(np.array([3.0, -2.0]))) == pytest.approx(8.9)
    np.testing.assert_allclose(land.grad(np.array([3.0, -2.0])), [0.6, -8.0])


@pytest.mark.parametrize("kappa", [1.0, 20.0, 1000.0])
def test_quadratic_condition_number_is_hessian_eigenvalue_ratio(kappa):
    land = quadratic(condition_number=kappa)
    w = np.array([0.3, -0.7])
    h = 1e-5
    hessian = np.column_stack([(land.grad(w + h * e) - land.grad(w - h * e)) / (2 * h) for e in np.eye(2)])
    eig = np.linalg.eigvalsh(hessian)
    assert eig.max() / eig.min() == pytest.approx(kappa, rel=1e-6)


def test_saddle_has_no_minimum_and_origin_is_stationary():
    land = get_landscape("saddle")
    assert land.minima.shape == (0, 2) and land.f_min is None
    np.testing.assert_array_equal(land.grad(np.zeros(2)), [0.0, 0.0])
    assert land.f(np.array([0.0, 1.0])) < 0 < land.f(np.array([1.0, 0.0]))


def test_himmelblau_has_four_distinct_minima():
    land = get_landscape("himmelblau")
    assert land.minima.shape == (4, 2)
    d = np.linalg.norm(land.minima[:, None] - land.minima[None], axis=-1)
    assert d[np.triu_indices(4, 1)].min() > 1.0


def test_contour_levels_log_spaced_above_minimum():
    land = get_landscape("rosenbrock")
    _, _, Z = land.grid(50)
    levels = land.contour_levels(Z, n_levels=10)
    assert len(levels) == 10 and np.all(np.diff(levels) > 0)
    ratios = levels[1:] / levels[:-1]
    np.testing.assert_allclose(ratios, ratios[0])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: quadratic(condition_number=0.5), "condition_number"),
        (lambda: quadratic(condition_number=-3), "condition_number"),
        (lambda: quadratic(scale=0), "scale"),
        (lambda: get_landscape("bananas"), "name must be one of"),
        (lambda: get_landscape("rosenbrock").f(np.zeros(3)), r"shape \(\.\.\., 2\)"),
        (lambda: get_landscape("beale").grad(np.zeros((4, 3))), r"shape \(\.\.\., 2\)"),
        (lambda: get_landscape("saddle").grid(1), "n must be"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_get_landscape_passes_landscape_through():
    land = quadratic(condition_number=5)
    assert get_landscape(land) is land
    assert isinstance(get_landscape("quadratic", condition_number=5), Landscape)
    assert get_landscape("quadratic", condition_number=5).params["condition_number"] == 5
