"""bench/torch_loop.py — the PyTorch script bench/runtime.sh compares `mlf run` with: the CNN of
examples/fashion/fashion.mlflow, trained for one epoch on the first N Fashion-MNIST training
images, written the way a PyTorch user would write it.

    python3 torch_loop.py IMAGES.gz LABELS.gz N THREADS [EPOCHS]

The same work as bench/torch_loop.cpp (see there): scale to [0, 1], normalise with 0.286 and
0.353, torch.manual_seed(42) before the model, Adam (lr 1e-3), batch 128, a new random order
every epoch, mean cross-entropy per batch, the last partial batch kept; THREADS intra-op
threads, one inter-op thread. Prints `load_seconds`, `train_seconds` (model construction +
the epochs, after `import torch`) and `loss` lines.
"""
import gzip
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


def main():
    images_path, labels_path, n_wanted, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    epochs = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    batch = 128
    torch.set_num_interop_threads(1)
    torch.set_num_threads(threads)

    load_start = time.perf_counter()
    with gzip.open(images_path, "rb") as f:
        images = f.read()
    with gzip.open(labels_path, "rb") as f:
        labels = f.read()
    count, rows, cols = struct.unpack(">III", images[4:16])
    n = min(n_wanted, count)
    x = torch.from_numpy(np.frombuffer(images, dtype=np.uint8, count=n * rows * cols, offset=16).copy())
    x = x.reshape(n, 1, rows, cols).to(torch.float32).mul_(1.0 / 255.0).sub_(0.286).div_(0.353)
    y = torch.from_numpy(np.frombuffer(labels, dtype=np.uint8, count=n, offset=8).copy()).to(torch.int64)
    load_seconds = time.perf_counter() - load_start

    train_start = time.perf_counter()
    torch.manual_seed(42)
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(64 * (rows // 4) * (cols // 4), 128), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(128, 10))
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_sum = 0.0
    for _ in range(epochs):
        order = torch.randperm(n)
        loss_sum = 0.0
        for start in range(0, n, batch):
            index = order[start:start + batch]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(net(x.index_select(0, index)), y.index_select(0, index))
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(index)
    train_seconds = time.perf_counter() - train_start
    print(f"load_seconds {load_seconds:.6f}\ntrain_seconds {train_seconds:.6f}\nloss {loss_sum / n:.6f}\n"
          f"samples {n}\nthreads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
