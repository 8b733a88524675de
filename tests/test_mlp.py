"""course.mlp: the two-layer network of lessons 04-07. Synthetic data only.

Its hand-written gradients are checked against central finite differences (in float64, where
the differences are accurate), and every optimizer of the course must drive it through
course.training.train in float32.
"""

import numpy as np
import pytest

from course.experiments import best, fit, load_split, split_validation, sweep, sweep_table
from course.mlp import PARAM_NAMES, init_mlp, mlp_accuracy, mlp_evaluate, mlp_loss, mlp_scores
from course.training import train
from solutions.optim import OPTIMIZERS


def problem(N=12, D=7, H=5, K=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = init_mlp(D, H, K, seed=seed, dtype=dtype)
    params["b1"] = (0.1 * rng.standard_normal(H)).astype(dtype)  # non-zero biases: test their gradients too
    params["b2"] = (0.1 * rng.standard_normal(K)).astype(dtype)
    X = rng.standard_normal((N, D)).astype(dtype)
    y = rng.integers(0, K, N)
    return params, X, y


def loss_by_definition(params, X, y):
    """The loss one sample at a time, straight from the formula (float64)."""
    total = 0.0
    for x, label in zip(X.astype(np.float64), y, strict=False):
        hidden = np.maximum(params["W1"] @ x + params["b1"], 0)
        s = params["W2"] @ hidden + params["b2"]
        total += np.log(np.sum(np.exp(s - s.max()))) + s.max() - s[label]
    return total / len(y)


def numerical_gradient(params, X, y, name, h=1e-6):
    grad = np.zeros_like(params[name])
    for index in np.ndindex(params[name].shape):
        shifted = {key: value.copy() for key, value in params.items()}
        shifted[name][index] += h
        plus = mlp_loss(shifted, X, y)[0]
        shifted[name][index] -= 2 * h
        minus = mlp_loss(shifted, X, y)[0]
        grad[index] = (plus - minus) / (2 * h)
    return grad


def test_loss_is_the_definition():
    params, X, y = problem()
    assert mlp_loss(params, X, y)[0] == pytest.approx(loss_by_definition(params, X, y), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", PARAM_NAMES)
def test_gradients_match_finite_differences(seed, name):
    params, X, y = problem(seed=seed)
    # no pre-activation may sit within h of the ReLU kink, or the finite difference straddles it
    pre = X @ params["W1"].T + params["b1"]
    assert np.min(np.abs(pre)) > 1e-4
    _, grads = mlp_loss(params, X, y)
    numeric = numerical_gradient(params, X, y, name)
    error = np.max(np.abs(grads[name] - numeric) / np.maximum(1e-8, np.abs(grads[name]) + np.abs(numeric)))
    assert error < 1e-6, f"relative error {error:.2e} in d loss / d {name}"


def test_gradient_check_fails_for_a_wrong_gradient():
    """The check above can fail: a gradient missing the ReLU mask is caught."""
    params, X, y = problem()
    _, grads = mlp_loss(params, X, y)
    pre = X @ params["W1"].T + params["b1"]
    scores = np.maximum(pre, 0) @ params["W2"].T + params["b2"]
    P = np.exp(scores - scores.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    d_scores = P / len(y)
    unmasked_b1 = (d_scores @ params["W2"]).sum(axis=0)
    numeric = numerical_gradient(params, X, y, "b1")
    assert np.allclose(grads["b1"], numeric, atol=1e-8)
    assert not np.allclose(unmasked_b1, numeric, atol=1e-4)


def test_shapes_dtypes_and_purity():
    params, X, y = problem(dtype=np.float32)
    before = {key: value.copy() for key, value in params.items()}
    loss, grads = mlp_loss(params, X, y)
    assert isinstance(loss, float)
    for name in PARAM_NAMES:
        assert grads[name].shape == params[name].shape
        assert grads[name].dtype == np.float32
        np.testing.assert_array_equal(params[name], before[name])
    assert mlp_scores(params, X).shape == (len(X), 4)


def test_init_scales_and_validation():
    params = init_mlp(3072, 100, 10, seed=3)
    assert params["W1"].dtype == np.float32 and params["W1"].shape == (100, 3072)
    assert params["W1"].std() == pytest.approx(np.sqrt(2 / 3072), rel=0.02)
    assert params["W2"].std() == pytest.approx(np.sqrt(2 / 100), rel=0.1)
    assert not params["b1"].any() and not params["b2"].any()
    with pytest.raises(ValueError):
        init_mlp(0, 3, 2)
    with pytest.raises(ValueError):
        mlp_loss(params, np.zeros((2, 5), np.float32), np.zeros(2, int))


def test_evaluate_matches_loss_and_accuracy_in_chunks():
    params, X, y = problem(N=50)
    loss, accuracy = mlp_evaluate(params, X, y, chunk=7)
    assert loss == pytest.approx(mlp_loss(params, X, y)[0], rel=1e-10)
    assert accuracy == np.mean(np.argmax(mlp_scores(params, X), axis=1) == y)
    assert mlp_accuracy(params, X, y) == accuracy


def separable_problem(N=300, D=6, K=3, seed=0):
    """Classes given by a non-linear rule (softmax regression cannot reach 100% on it)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D)).astype(np.float32)
    y = (np.abs(X[:, 0]) > 0.7).astype(int) + (X[:, 1] * X[:, 2] > 0)
    return X, y


# Learning rates at which each optimizer makes progress on the toy problem in 30 epochs.
LEARNING_RATES = {
    "sgd": 0.1,
    "momentum": 0.03,
    "nesterov": 0.03,
    "adagrad": 0.05,
    "rmsprop": 3e-3,
    "adadelta": 1.0,
    "adam": 3e-3,
    "adamw": 3e-3,
    "nadam": 3e-3,
    "adam_no_bias_correction": 3e-3,
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_trains_it_through_the_course_loop(name):
    X, y = separable_problem()
    params0 = init_mlp(X.shape[1], 16, 3, seed=0)
    start_loss = mlp_loss(params0, X, y)[0]
    params, history = train(
        mlp_loss,
        params0,
        OPTIMIZERS[name],
        {"lr": LEARNING_RATES[name]},
        X,
        y,
        epochs=30,
        batch_size=32,
        seed=0,
        progress=False,
    )
    assert set(params) == set(PARAM_NAMES)
    assert all(value.dtype == np.float32 for value in params.values()), name
    end_loss = mlp_loss(params, X, y)[0]
    assert end_loss < 0.8 * start_loss, f"{name}: loss {start_loss:.3f} -> {end_loss:.3f}"
    assert len(history.step_loss) == 30 * 10


def test_split_validation_is_a_disjoint_cover():
    X = np.arange(20, dtype=np.float32)[:, None]
    y = np.arange(20)
    split = split_validation(X, y, 5, seed=1)
    assert len(split.X_val) == 5 and len(split.X_train) == 15
    assert sorted(np.concatenate([split.y_train, split.y_val]).tolist()) == list(range(20))
    np.testing.assert_array_equal(split.X_val[:, 0], split.y_val)
    with pytest.raises(ValueError):
        split_validation(X, y, 20)


def test_sweep_picks_the_lowest_validation_loss_and_survives_divergence():
    X, y = separable_problem()
    split = split_validation(X, y, 60)
    params0 = init_mlp(X.shape[1], 16, 3, seed=0)
    results = sweep(
        lambda lr: fit(mlp_loss, params0, OPTIMIZERS["sgd"], {"lr": lr}, split, epochs=5, batch_size=32),
        [1e-4, 0.1, 1e4],
    )
    losses = {lr: result["val_loss"] for lr, result in results}
    assert losses[1e4] == np.inf  # diverged, never chosen
    assert losses[0.1] < losses[1e-4]
    assert best(results)[0] == 0.1
    assert "<- lowest validation loss" in sweep_table(results).splitlines()[2]


def write_cifar_like(folder, per_batch):
    """Five training batches and a test batch of `per_batch` random images each, official format."""
    import pickle

    from course import data

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in data.TRAIN_BATCHES + (data.TEST_BATCH,):
        rows = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, per_batch)]
        batch = {b"batch_label": b"testing batch", b"labels": labels, b"data": rows}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    names = [name.encode() for name in data.CLASS_NAMES]
    (folder / data.META_FILE).write_bytes(pickle.dumps({b"label_names": names}, protocol=2))
    return folder


def test_load_split_uses_what_a_subset_holds_and_says_so(tmp_path):
    """Full mode on a subset (15,000 asked, 5,085 there): all images, validation scaled, one line."""
    folder = write_cifar_like(tmp_path / "cifar-10-batches-py", per_batch=12)  # 60 training images
    said = []
    data, split = load_split(150, n_val=50, data_dir=folder, announce=said.append)
    assert len(data.y_train) == 60
    assert (len(split.y_train), len(split.y_val)) == (40, 20)  # 50 of 150 asked: a third of the 60
    assert len(said) == 1 and "asked for 150" in said[0] and "holds 60" in said[0] and "20 of them" in said[0]
    # None asks for the full 50,000: 5,000 of them for validation becomes 6 of the 60
    _, split = load_split(None, n_val=5_000, data_dir=folder, announce=said.append)
    assert (len(split.y_train), len(split.y_val)) == (54, 6) and "asked for 50,000" in said[-1]


def test_load_split_takes_exactly_what_was_asked_when_it_is_there(tmp_path):
    folder = write_cifar_like(tmp_path / "cifar-10-batches-py", per_batch=12)
    said = []
    data, split = load_split(30, n_val=10, n_test=5, data_dir=folder, announce=said.append)
    assert said == []
    assert (len(data.y_train), len(split.y_train), len(split.y_val), len(data.y_test)) == (30, 20, 10, 5)
    # the split is split_validation's, so the lessons and the claim tests draw the same images
    expected = split_validation(data.X_train, data.y_train, 10, seed=0)
    np.testing.assert_array_equal(split.y_val, expected.y_val)
    with pytest.raises(ValueError, match="n_val"):
        load_split(30, n_val=30, data_dir=folder)
    with pytest.raises(ValueError, match="n_test"):  # too few test images is not scaled: an error
        load_split(30, n_val=10, n_test=100, data_dir=folder)
