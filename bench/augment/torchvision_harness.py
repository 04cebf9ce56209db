"""torchvision 0.14 peer: the chain as per-sample torchvision transforms in a DataLoader.

Each sample is a u8 tensor [C, H, W]; the transforms, in the order of mlf's chains:
  ConvertImageDtype(float32)           to_float(1/255)
  RandomHorizontalFlip(0.5)            random_hflip(0.5)
  Normalize(mean, std)                 normalize
  Clamp (below: Tensor.clamp)          clamp(-2, 2)
  RandomCrop(H, padding=2)             random_crop(size H, padding 2)
  RandomAffine(10, (0.1, 0.1), (0.9, 1.1), BILINEAR, fill 0)   random_affine
  Cutout (below: slice assignment)     cutout(size H/4, p 1)
  GaussianNoise (below: randn_like)    gaussian_noise(0.05)
DataLoader: batch 256, num_workers 2 (one per core of the 2-core machine; the main process
only receives batches), persistent workers, one torch thread per worker.
Cold = the first epoch, which starts the workers; warm = each later epoch.
CPU = user + system time of the main process and of the workers (/proc/PID/stat).

Prints one JSON line like the C++ harnesses (common.h).
Usage: torchvision_harness.py --chain P --shape fashion --input FILE [--n N] [--reps K]
                              [--threads 2]
"""
import argparse
import json
import os
import resource
import time

import torch
import torchvision
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms as T

SHAPES = {
    "fashion": dict(c=1, h=28, w=28, mean=[0.286], std=[0.353]),
    "rgb224": dict(c=3, h=224, w=224, mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
}


class Clamp:
    def __init__(self, low, high):
        self.low, self.high = low, high

    def __call__(self, x):
        return x.clamp_(self.low, self.high)


class Cutout:
    """mlf's cutout: a size×size square at a uniformly drawn centre, clipped at the borders."""

    def __init__(self, size):
        self.size = size

    def __call__(self, x):
        h, w = x.shape[-2:]
        cy = int(torch.randint(0, h, ()))
        cx = int(torch.randint(0, w, ()))
        top, left = cy - self.size // 2, cx - self.size // 2
        x[..., max(top, 0):max(top + self.size, 0), max(left, 0):max(left + self.size, 0)] = 0
        return x


class GaussianNoise:
    def __init__(self, std):
        self.std = std

    def __call__(self, x):
        return x.add_(torch.randn_like(x), alpha=self.std)


def transforms_of(chain, shape):
    s = SHAPES[shape]
    ops = [
        T.ConvertImageDtype(torch.float32),
        T.RandomHorizontalFlip(0.5),
        T.Normalize(s["mean"], s["std"]),
        Clamp(-2.0, 2.0),
    ]
    if chain in ("G", "R"):
        ops += [
            T.RandomCrop((s["h"], s["w"]), padding=2),
            T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1),
                           interpolation=T.InterpolationMode.BILINEAR, fill=0),
            Cutout(s["h"] // 4),
        ]
    if chain == "R":
        ops.append(GaussianNoise(0.05))
    return T.Compose(ops)


class Images(Dataset):
    def __init__(self, images, transform):
        self.images, self.transform = images, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(self.images[i]), i % 10


def one_thread(_worker):
    torch.set_num_threads(1)


def proc_cpu_ms(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def self_cpu_ms():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return (u.ru_utime + u.ru_stime) * 1000.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chain", default="P")
    ap.add_argument("--shape", default="fashion")
    ap.add_argument("--input", required=True)
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=256)
    a = ap.parse_args()
    s = SHAPES[a.shape]
    per = s["c"] * s["h"] * s["w"]
    raw = open(a.input, "rb").read()
    n = len(raw) // per if a.n <= 0 else min(a.n, len(raw) // per)
    images = torch.frombuffer(bytearray(raw[: n * per]), dtype=torch.uint8).view(n, s["c"], s["h"], s["w"])
    torch.set_num_threads(1)
    torch.manual_seed(0)
    loader = DataLoader(Images(images, transforms_of(a.chain, a.shape)), batch_size=a.batch,
                        shuffle=False, num_workers=a.threads, persistent_workers=True,
                        worker_init_fn=one_thread)

    def epoch(keep_mean):
        mean = 0.0
        for b, (x, _) in enumerate(loader):
            if keep_mean and b == 0:  # the first 64 samples, as the C++ harnesses (common.h)
                mean = float(x[:64].double().mean())
        return mean

    t0 = time.perf_counter()
    out_mean = epoch(True)
    cold_ms = (time.perf_counter() - t0) * 1000.0
    workers = [w.pid for w in loader._iterator._workers]  # persistent: the same processes
    warm, cpu = [], []
    for _ in range(a.reps):
        c0 = self_cpu_ms() + sum(proc_cpu_ms(p) for p in workers)
        t0 = time.perf_counter()
        epoch(False)
        warm.append((time.perf_counter() - t0) * 1000.0)
        cpu.append(self_cpu_ms() + sum(proc_cpu_ms(p) for p in workers) - c0)
    print(json.dumps({
        "impl": "torchvision per-sample (DataLoader)", "chain": a.chain, "shape": a.shape, "n": n,
        "threads": a.threads, "cold_ms": cold_ms, "compile_ms": -1.0, "warm_ms": warm,
        "cpu_ms": cpu, "out_mean": out_mean,
        "note": f"torchvision {torchvision.__version__}, torch {torch.__version__}, "
                f"num_workers {a.threads}, batch {a.batch}",
    }), flush=True)


if __name__ == "__main__":
    main()
