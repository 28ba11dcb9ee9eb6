#!/usr/bin/env python3
"""PyTorch peer: W1-W6 of WORKLOADS.md, float32, with the same data, initial weights and batch orders as
tensorgrad's bench/tensorgrad.ts (data from common_data.py). Prints one JSON object on stdout.

Run with Debian's python3-torch: /usr/bin/python3 bench/bench_torch.py [--only=W1,W5] [--quick]
Threads: torch.set_num_threads(n) sets ATen's OpenMP pool, which the OpenMP build of OpenBLAS (the BLAS this
torch links, libopenblas0-openmp) and oneDNN's convolutions share. Every workload runs on 2 and on 1 thread (keys
threads_2, threads_1): torch's own default here is 1 thread (it counts physical cores), and on a loaded 2-core
machine OpenMP's second thread can cost many times what it gains, so run.ts can compare with the faster of the two.
"""
import ctypes
import gzip
import json
import os
import platform
import re
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import common_data as cd

W5_DIR = "/usr/share/datasets/fashion-mnist"


def log(msg):
    print(f"[torch] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- what ran


def blas_info():
    """The BLAS this process loaded (torch links libblas.so.3, which Debian's alternatives point at OpenBLAS)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in os.path.basename(path) or "lapack" in os.path.basename(path):
                libs.add(os.path.realpath(path))
    info = {"loaded": sorted(libs)}
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            info["config"] = lib.openblas_get_config().decode().strip()
            info["corename"] = lib.openblas_get_corename().decode()
            info["parallel"] = {0: "sequential", 1: "pthreads", 2: "OpenMP"}.get(lib.openblas_get_parallel(), "?")
            break
        except (OSError, AttributeError):
            continue
    return info


def cpu_capability():
    m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    return m.group(1) if m else None


def linear(w_in_out):
    """A torch Linear holding the [n_in, n_out] weights of WORKLOADS.md (PyTorch stores the transpose)."""
    fi, fo = w_in_out.shape
    layer = torch.nn.Linear(fi, fo)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(w_in_out.T)))
        layer.bias.zero_()
    return layer


def mlp(params):
    """Dense-ReLU-...-Dense from [(W, b)] with W [n_in, n_out]."""
    layers = []
    for i, (w, _) in enumerate(params):
        if i > 0:
            layers.append(torch.nn.ReLU())
        layers.append(linear(w))
    return torch.nn.Sequential(*layers)


# ---------------------------------------------------------------- W1 spiral


def w1_spiral(epochs=10000, warmup=10):
    X, y, params = cd.spiral_data()
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    model = mlp(params)
    opt = torch.optim.Adam(model.parameters(), lr=0.05, betas=(0.9, 0.999), eps=1e-7)  # constant lr (WORKLOADS.md)

    def epoch():
        opt.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        epoch()
    t0 = time.perf_counter()
    for _ in range(epochs - warmup):
        epoch()
    t = time.perf_counter() - t0
    with torch.no_grad():
        logits = model(X)
        loss = float(F.cross_entropy(logits, y))
        acc = float((logits.argmax(1) == y).float().mean())
    return {"epochs": epochs, "timed_epochs": epochs - warmup, "ms_per_epoch": t * 1e3 / (epochs - warmup),
            "final_loss": loss, "final_acc": acc}


# ---------------------------------------------------------------- W2 mlp


def w2_mlp(steps=cd.W2_STEPS):
    X, y, params = cd.mlp_data()
    B = cd.W2_BATCH
    nb = cd.W2_N // B
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    batches = [(X[i * B:(i + 1) * B].clone(), y[i * B:(i + 1) * B].clone()) for i in range(nb)]
    model = mlp(params)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)

    def step(s):
        xb, yb = batches[s % nb]
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    for s in range(cd.W2_WARMUP):
        step(s)
    t0 = time.perf_counter()
    for s in range(cd.W2_WARMUP, cd.W2_WARMUP + steps):
        loss = step(s)
    t = time.perf_counter() - t0
    return {"steps": steps, "ms_per_step": t * 1e3 / steps, "last_step_loss": float(loss)}


# ---------------------------------------------------------------- W3 matmul


def w3_matmul(sizes, min_time=1.0, min_reps=5, max_reps=500):
    out = {}
    for n in sizes:
        # the same matrices as tensorgrad's W3 (mulberry32 seeds 1000 + N and 2000 + N)
        A = torch.from_numpy(cd.mulberry32_f32(1000 + n, n * n).reshape(n, n))
        Bm = torch.from_numpy(cd.mulberry32_f32(2000 + n, n * n).reshape(n, n))
        for _ in range(3):
            C = A @ Bm
        times = []
        start = time.perf_counter()
        while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() - start < min_time):
            t0 = time.perf_counter()
            C = A @ Bm
            times.append(time.perf_counter() - t0)
        assert C.dtype == torch.float32
        flop = 2.0 * n ** 3
        out[str(n)] = {"gflops_best": flop / min(times) / 1e9, "gflops_median": flop / statistics.median(times) / 1e9,
                       "reps": len(times)}
    return out


# ---------------------------------------------------------------- W4 graph overhead


def w4_graph(reps=30, chain=1000):
    x = torch.from_numpy(cd.mulberry32_f32(4321, 16)).requires_grad_(True)
    total, fwd = [], []
    for r in range(reps + 10):
        x.grad = None
        t0 = time.perf_counter()
        y = x
        for _ in range(chain):
            y = y * 1.0001 + 0.0001
        loss = y.sum()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        if r >= 10:
            total.append(t2 - t0)
            fwd.append(t1 - t0)
    g = float(x.grad[0])
    assert abs(g - 1.0001 ** chain) < 1e-3, g
    ops = 2 * chain
    return {"reps": reps, "us_per_op": statistics.median(total) * 1e6 / ops,
            "us_per_op_forward": statistics.median(fwd) * 1e6 / ops, "grad0": g}


# ---------------------------------------------------------------- W5 fashion


def read_idx(path):
    """An IDX file (gzip or plain) as a uint8 numpy array of its declared shape."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    if len(raw) != offset + int(np.prod(shape)):
        raise ValueError(f"{path}: {len(raw) - offset} data bytes for shape {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)


W5_TRAIN, W5_TEST, W5_D = 60000, 10000, 784


def w5_data():
    """(Xtrain, ytrain, Xtest, ytest, source): pixels / 255 as float32 [n, 784], labels int64."""
    files = [os.path.join(W5_DIR, f) for f in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]
    if all(os.path.exists(f) for f in files):
        xs, ys, xt, yt = (read_idx(f) for f in files)
        prep = lambda a: a.reshape(len(a), W5_D).astype(np.float32) / np.float32(255)
        return prep(xs), ys.astype(np.int64), prep(xt), yt.astype(np.int64), W5_DIR
    # the same shapes from mulberry32: training rows first, then the test rows, of one stream each
    n = W5_TRAIN + W5_TEST
    X = cd.mulberry32_f32(4321, n * W5_D).reshape(n, W5_D)
    y = np.floor(cd.mulberry32_f32(8765, n) * np.float32(10)).astype(np.int64)
    return X[:W5_TRAIN], y[:W5_TRAIN], X[W5_TRAIN:], y[W5_TRAIN:], "mulberry32 (Fashion-MNIST not installed)"


def epoch_order(e, n=W5_TRAIN):
    """Epoch e's row order: the stable argsort of mulberry32 u32 draws of seed 100 + e."""
    return np.argsort(cd.mulberry32_u32(100 + e, n), kind="stable")


def w5_fashion(epochs=2, batch=64, limit=None):
    Xs, ys, Xt, yt, source = w5_data()
    if limit:  # --quick: the first rows only, and as many test rows (as tensorgrad.ts)
        Xs, ys, Xt, yt = Xs[:limit], ys[:limit], Xt[:limit], yt[:limit]
    Xs, ys, Xt, yt = (torch.from_numpy(np.ascontiguousarray(a)) for a in (Xs, ys, Xt, yt))
    params = [(cd.glorot_uniform(seed, fi, fo), None) for seed, (fi, fo) in zip((21, 22, 23), ((784, 512), (512, 512), (512, 10)))]
    model = mlp(params)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    orders = [torch.from_numpy(epoch_order(e, len(ys))) for e in range(epochs)]
    seconds = []
    for e in range(epochs):
        order = orders[e]
        t0 = time.perf_counter()
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            xb, yb = Xs[idx], ys[idx]
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
        log(f"W5 epoch {e + 1}: {seconds[-1]:.2f} s, last batch loss {float(loss):.4f}")
    with torch.no_grad():
        logits = model(Xt)
        test_loss = float(F.cross_entropy(logits, yt))
        test_acc = float((logits.argmax(1) == yt).float().mean())
    return {"data": source, "train_rows": len(ys), "test_rows": len(yt), "epochs": epochs, "epoch_s": seconds,
            "s_per_epoch": statistics.mean(seconds), "test_acc": test_acc, "test_loss": test_loss}


# ---------------------------------------------------------------- W6 cnn


def conv_uniform(seed, out_c, in_c, k):
    """WORKLOADS.md's conv init: glorot-uniform over [out, in, kh, kw] with fan_in = in*k*k, fan_out = out*k*k."""
    u = cd.mulberry32_f32(seed, out_c * in_c * k * k).reshape(out_c, in_c, k, k)
    limit = np.float32(np.sqrt(6.0 / (in_c * k * k + out_c * k * k)))
    return ((np.float32(2.0) * u - np.float32(1.0)) * limit).astype(np.float32)


def w6_init():
    """Input, labels and initial weights of W6, and their float64 sum (the same sum tensorgrad.ts reports)."""
    X = cd.mulberry32_f32(2468, 64 * 28 * 28).reshape(64, 1, 28, 28)
    y = np.floor(cd.mulberry32_f32(1357, 64) * np.float32(10)).astype(np.int64)
    c1, c2 = conv_uniform(31, 32, 1, 3), conv_uniform(32, 64, 32, 3)
    fc = cd.glorot_uniform(33, 1600, 10)
    checksum = sum(cd.checksum(a) for a in (X, c1, c2, fc)) + float(y.sum())
    return X, y, c1, c2, fc, checksum


def w6_cnn(steps=100, warmup=10):
    X, y, c1, c2, fc, checksum = w6_init()
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), linear(fc))
    with torch.no_grad():
        for conv, w in ((model[0], c1), (model[3], c2)):
            conv.weight.copy_(torch.from_numpy(w))
            conv.bias.zero_()
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    t = time.perf_counter() - t0
    return {"steps": steps, "ms_per_step": t * 1e3 / steps, "last_step_loss": float(loss), "init_checksum": checksum}


# ---------------------------------------------------------------- main


def main():
    only, quick = {"W1", "W2", "W3", "W4", "W5", "W6"}, False
    for a in sys.argv[1:]:
        if a.startswith("--only="):
            only = {w.strip().upper() for w in a[len("--only="):].split(",") if w.strip()}
        elif a == "--quick":
            quick = True
        else:
            sys.exit(f"bench_torch.py: unknown argument '{a}' (expected --only=W1,W5 --quick)")
    torch.manual_seed(0)  # nothing random is drawn from torch; set anyway
    res = {"peer": "torch", "python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
           "default_threads": torch.get_num_threads(), "blas": blas_info(),
           "mkldnn": torch.backends.mkldnn.is_available(), "cpu_capability": cpu_capability(),
           "parallel_info": torch.__config__.parallel_info(), "quick": quick}
    w3_sizes = (64, 256) if quick else (64, 256, 512, 1024)
    for name, fn in (("W4", w4_graph), ("W1", lambda: w1_spiral(300 if quick else 10000)), ("W2", lambda: w2_mlp(20 if quick else cd.W2_STEPS)), ("W3", lambda: w3_matmul(w3_sizes)),
                     ("W6", lambda: w6_cnn(10 if quick else 100)),
                     ("W5", lambda: w5_fashion(limit=6400 if quick else None))):
        if name not in only:
            continue
        res[name] = {}
        for threads in (2, 1):
            torch.set_num_threads(threads)
            res[name][f"threads_{torch.get_num_threads()}"] = fn()
            log(f"{name} on {threads} thread(s): done")
    torch.set_num_threads(2)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
