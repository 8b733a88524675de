"""Speed of the reference softmax regression (solutions.softmax) against PyTorch and memory.

Prints four figures, each a ratio of times measured in this run (medians over repeats):

  1. solutions._fast_softmax.loss_and_grads (loss + dW + db, N = 5,000)  /  PyTorch
     forward + backward on the same data                              goal <= 1.0
     (the plain softmax_loss_vectorized, the same numbers, is timed beside it)
  2. one epoch of minibatch SGD (B = 256) with sgd_epoch (which uses the fast loss)  /
     the same epoch with nn.Linear + CrossEntropyLoss + torch.optim.SGD   goal <= 1.0
  3. that numpy epoch  /  three passes over the training array at the read bandwidth
     measured here                                                     goal <= 4.0
  4. speed-up of softmax_loss_vectorized over softmax_loss_naive, per sample (naive on
     a smaller N)                                                      reported

Data are synthetic, CIFAR-10-shaped float32: N = 50,000, D = 3,072, K = 10 (614 MB).
PyTorch is optional: without it figures 1 and 2 are skipped with a message and the
script still exits 0. Install the CPU build with
    .venv/bin/pip install torch==2.13.0

Usage:
    .venv/bin/python benchmarks/bench_softmax.py [--threads 2] [--n-train 50000] [--repeats 7]

Other CPU-heavy processes distort every figure; the script prints the load average
before and after so a noisy run can be recognised.
"""

import argparse
import os
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="BLAS threads for numpy and torch (default 2, the machine's cores)",
    )
    parser.add_argument("--n-train", type=int, default=50_000, help="training samples (default 50,000)")
    parser.add_argument("--n-loss", type=int, default=5_000, help="samples for figure 1 (default 5,000)")
    parser.add_argument("--n-naive", type=int, default=500, help="samples for the naive loss (default 500)")
    parser.add_argument("--repeats", type=int, default=7, help="repeats per timing; medians reported")
    parser.add_argument("--epoch-repeats", type=int, default=5, help="repeats of the SGD epoch")
    return parser.parse_args()


ARGS = parse_args()
# BLAS reads its thread count when numpy is imported: set it first.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(ARGS.threads))

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from solutions import _fast_softmax  # noqa: E402
from solutions.softmax import (  # noqa: E402
    init_params,
    sgd_epoch,
    softmax_loss_naive,
    softmax_loss_vectorized,
)

try:
    import torch
except ImportError:
    torch = None

D, K, BATCH, LR = 3072, 10, 256, 1e-3


def median_time(fn, repeats):
    """Median wall time of fn() in seconds over `repeats` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def interleaved_median_times(fns, repeats, per_turn=3):
    """Median times of several functions, timed in turns so that a burst of load from
    elsewhere hits all of them alike.  fns: dict name -> callable.

    Each turn starts with one untimed call: right after another contender, caches are
    cold and PyTorch's OpenMP threads may still be spinning, which would bias the first
    timed call against whoever runs second.
    """
    times = {name: [] for name in fns}
    turns = max(1, -(-repeats // per_turn))
    for _ in range(turns):
        for name, fn in fns.items():
            fn()
            for _ in range(per_turn):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def verdict(ratio, goal):
    return "goal met" if ratio <= goal else "goal NOT met"


def make_data(n, seed=0):
    """Synthetic CIFAR-10-shaped data: X (n, D) float32 ~ N(0, 1), y (n,) labels."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, D), dtype=np.float32)
    y = rng.integers(0, K, n)
    return X, y


def read_bandwidth(X, repeats):
    """Bytes per second of the fastest full read of X among a few reductions.

    The fastest is the strictest bound; the slower ones are limited by arithmetic, not memory.
    """
    kernels = {"X.max()": X.max, "X.min()": X.min, "X.sum()": X.sum}
    if torch is not None:
        # torch's reduction uses all its threads: a stricter (higher) bandwidth.
        kernels["torch.sum(X)"] = torch.from_numpy(X).sum
    times = {name: median_time(fn, repeats) for name, fn in kernels.items()}
    best = min(times, key=times.get)
    return X.nbytes / times[best], best, times


# ---------------------------------------------------------------- torch counterparts


def torch_loss_and_grads(Xt, yt, W, b):
    """Closure: PyTorch forward + backward of mean cross-entropy for W (K, D), b (K,)."""
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)

    def run():
        Wt.grad = None
        bt.grad = None
        loss = torch.nn.functional.cross_entropy(torch.addmm(bt, Xt, Wt.T), yt)
        loss.backward()
        return loss, Wt.grad, bt.grad

    return run


def torch_epoch(Xt, yt, W, b, seed):
    """Closure: one epoch of nn.Linear + CrossEntropyLoss + SGD over shuffled minibatches."""
    model = torch.nn.Linear(D, K)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(W))
        model.bias.copy_(torch.from_numpy(b))
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    generator = torch.Generator().manual_seed(seed)

    def run():
        for idx in torch.randperm(Xt.shape[0], generator=generator).split(BATCH):
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(Xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
        return model

    return run


# ---------------------------------------------------------------- figures


def figure_loss(X, y, W, b, repeats):
    print(f"\n1) loss + gradients, N = {X.shape[0]:,}, D = {D}, K = {K}, float32")
    numpy_run = lambda: _fast_softmax.loss_and_grads(W, b, X, y)  # noqa: E731
    plain_run = lambda: softmax_loss_vectorized(W, b, X, y)  # noqa: E731
    if torch is None:
        times = interleaved_median_times({"numpy": numpy_run, "plain": plain_run}, repeats)
        print(f"   numpy  _fast_softmax             {times['numpy'] * 1e3:8.2f} ms")
        print(f"   numpy  softmax_loss_vectorized   {times['plain'] * 1e3:8.2f} ms  (plain)")
        print("   PyTorch not installed: ratio skipped (pip install torch==2.13.0)")
        return None
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    torch_run = torch_loss_and_grads(Xt, yt, W, b)
    loss, dW, db = numpy_run()
    t_loss, t_dW, t_db = torch_run()
    agree = (
        abs(float(loss) - t_loss.item()) <= 1e-5 * abs(float(loss))
        and np.allclose(dW, t_dW.numpy(), rtol=1e-3, atol=1e-6)
        and np.allclose(db, t_db.numpy(), rtol=1e-3, atol=1e-6)
    )
    times = interleaved_median_times({"numpy": numpy_run, "plain": plain_run, "torch": torch_run}, repeats)
    ratio = times["numpy"] / times["torch"]
    print(f"   numpy  _fast_softmax             {times['numpy'] * 1e3:8.2f} ms")
    print(
        f"   numpy  softmax_loss_vectorized   {times['plain'] * 1e3:8.2f} ms  (plain, "
        f"{times['plain'] / times['torch']:.2f} x torch)"
    )
    print(f"   torch  forward + backward        {times['torch'] * 1e3:8.2f} ms")
    print(f"   results agree with torch: {agree}")
    print(f"   ratio numpy / torch = {ratio:.2f}   (goal <= 1.0: {verdict(ratio, 1.0)})")
    return ratio


def figure_epoch(X, y, W, b, repeats):
    print(f"\n2) one SGD epoch, N = {X.shape[0]:,}, B = {BATCH}, lr = {LR}")
    rng = np.random.default_rng(1)
    numpy_run = lambda: sgd_epoch(W, b, X, y, LR, BATCH, rng)  # noqa: E731
    if torch is None:
        t = median_time(numpy_run, repeats)
        print(f"   numpy  sgd_epoch                 {t:8.3f} s")
        print("   PyTorch not installed: ratio skipped (pip install torch==2.13.0)")
        return t, None
    torch_run = torch_epoch(torch.from_numpy(X), torch.from_numpy(y), W, b, seed=1)
    times = interleaved_median_times({"numpy": numpy_run, "torch": torch_run}, repeats, per_turn=1)
    ratio = times["numpy"] / times["torch"]
    print(f"   numpy  sgd_epoch                 {times['numpy']:8.3f} s")
    print(f"   torch  Linear + CE + SGD         {times['torch']:8.3f} s")
    print(f"   ratio numpy / torch = {ratio:.2f}   (goal <= 1.0: {verdict(ratio, 1.0)})")
    return times["numpy"], ratio


def figure_memory(X, epoch_time, repeats):
    bandwidth, kernel, kernel_times = read_bandwidth(X, repeats)
    bound = 3 * X.nbytes / bandwidth
    ratio = epoch_time / bound
    print(f"\n3) epoch against the memory-read bound ({X.nbytes / 1e6:,.0f} MB array)")
    for name, t in kernel_times.items():
        print(f"   {name:12s} {t * 1e3:8.2f} ms  = {X.nbytes / t / 1e9:6.2f} GB/s")
    print(
        f"   read bandwidth (fastest, {kernel}) {bandwidth / 1e9:.2f} GB/s;"
        f" three passes = {bound * 1e3:.1f} ms"
    )
    print(f"   ratio epoch / bound = {ratio:.2f}   (goal <= 4.0: {verdict(ratio, 4.0)})")
    return ratio


def figure_naive(X, y, W, b, n_naive, repeats):
    X_small, y_small = X[:n_naive], y[:n_naive]
    times = interleaved_median_times(
        {
            "naive": lambda: softmax_loss_naive(W, b, X_small, y_small),
            "vectorized": lambda: softmax_loss_vectorized(W, b, X, y),
        },
        repeats,
    )
    t_naive, t_vec = times["naive"], times["vectorized"]
    per_naive = t_naive / n_naive
    per_vec = t_vec / X.shape[0]
    speedup = per_naive / per_vec
    print("\n4) vectorized against naive (per sample)")
    print(f"   naive       N = {n_naive:6,}  {t_naive * 1e3:9.2f} ms = {per_naive * 1e6:8.2f} us/sample")
    print(f"   vectorized  N = {X.shape[0]:6,}  {t_vec * 1e3:9.2f} ms = {per_vec * 1e6:8.2f} us/sample")
    print(f"   speed-up {speedup:.0f}x")
    return speedup


def main():
    print("bench_softmax: solutions.softmax against PyTorch and the memory bound")
    print(f"numpy {np.__version__}; BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}", end="")
    if torch is not None:
        torch.set_num_threads(ARGS.threads)
        print(f"; torch {torch.__version__}, threads {torch.get_num_threads()}")
    else:
        print("; torch not installed (figures 1 and 2 need it: pip install torch==2.13.0)")
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    X, y = make_data(ARGS.n_train)
    W, b = init_params(K, D, std=1e-3, seed=0, dtype=np.float32)
    n_loss = min(ARGS.n_loss, ARGS.n_train)

    figure_loss(X[:n_loss], y[:n_loss], W, b, ARGS.repeats)
    epoch_time, _ = figure_epoch(X, y, W, b, ARGS.epoch_repeats)
    figure_memory(X, epoch_time, ARGS.repeats)
    figure_naive(X[:n_loss], y[:n_loss], W, b, min(ARGS.n_naive, n_loss), ARGS.repeats)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
