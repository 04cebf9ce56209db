"""Writes the benchmark inputs as raw u8 [N, C, H, W] files (no header).

fashion.u8  the Fashion-MNIST training images (60000 x 1 x 28 x 28) from the IDX file,
            or random bytes of that shape when the data set is not installed
rgb224.u8   N x 3 x 224 x 224 random bytes (seed 0)

Usage: make_inputs.py OUT_DIR FASHION_IDX_GZ RGB224_COUNT
"""
import gzip
import os
import random
import struct
import sys


def fashion(path):
    if not os.path.exists(path):
        print(f"make_inputs: {path} missing; using random bytes", file=sys.stderr)
        return random.Random(1).randbytes(60000 * 28 * 28), "random bytes"
    with gzip.open(path, "rb") as f:
        magic, n, h, w = struct.unpack(">IIII", f.read(16))
        if magic != 0x00000803 or (h, w) != (28, 28):
            raise SystemExit(f"make_inputs: {path} is not an IDX file of 28x28 u8 images")
        return f.read(n * h * w), "Fashion-MNIST training images"


def main():
    out_dir, idx, rgb_count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(out_dir, exist_ok=True)
    data, what = fashion(idx)
    with open(os.path.join(out_dir, "fashion.u8"), "wb") as f:
        f.write(data)
    with open(os.path.join(out_dir, "rgb224.u8"), "wb") as f:
        f.write(random.Random(0).randbytes(rgb_count * 3 * 224 * 224))
    with open(os.path.join(out_dir, "inputs.txt"), "w") as f:
        f.write(f"fashion: {what}, {len(data) // 784} images\nrgb224: random bytes, {rgb_count} images\n")


if __name__ == "__main__":
    main()
