#!/usr/bin/env python3
"""The bench's reference: one of burn-mnist's recipes trained in PyTorch, epochs timed.

Run by `cargo xtask bench --torch N`, alternating with burn-mnist's own epochs. Prints one JSON
object on its last line: {"epoch_seconds": [...], "threads": T, "torch": version, ...}.
Data is read once from the IDX files, scaled to [0, 1] once, and each batch is gathered from a
fresh permutation per epoch: the same work as burn-mnist's loader.
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time


def read_idx(path):
    import numpy as np

    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(data_dir, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    sys.exit(f"error: {stem}(.gz) not found in {data_dir}")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-dir", required=True)
    p.add_argument("--hidden", default="784,32")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "adam", "adamw", "rmsprop"])
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--train-images", type=int, default=54000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sgemm", action="store_true", help="also measure the sgemm rate")
    p.add_argument("--device", default="cpu", help="cpu, or cuda to compare with a GPU backend")
    p.add_argument("--eval", action="store_true", help="also time a pass over the 10,000 test images")
    args = p.parse_args()

    try:
        import numpy  # noqa: F401
        import torch
    except ImportError as e:
        sys.exit(f"error: {e.name} is not installed for {sys.executable} (pip install torch numpy)")

    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    images = read_idx(find(args.data_dir, "train-images-idx3-ubyte"))[: args.train_images]
    labels = read_idx(find(args.data_dir, "train-labels-idx1-ubyte"))[: args.train_images]
    device = torch.device(args.device)
    x = torch.from_numpy(images.reshape(len(images), -1).astype("float32") / 255.0).to(device)
    y = torch.from_numpy(labels.astype("int64")).to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    sizes = [784] + [int(h) for h in args.hidden.split(",") if h] + [10]
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(device)
    optim = {
        "sgd": torch.optim.SGD,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
        "rmsprop": torch.optim.RMSprop,
    }[args.optimizer](model.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    seconds = []
    n = len(x)
    for _ in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(n, device=device)
        for i in range(0, n, args.batch):
            idx = order[i: i + args.batch]
            optim.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optim.step()
        sync()
        seconds.append(time.perf_counter() - start)

    result = {
        "epoch_seconds": seconds,
        "threads": args.threads,
        "device": args.device,
        "torch": torch.__version__,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.eval:
        result["eval_seconds"] = eval_seconds(torch, model, loss_fn, args, device, sync)
    if args.sgemm:
        a = torch.rand(2048, 2048, device=device)
        b = torch.rand(2048, 2048, device=device)
        a @ b
        best = float("inf")
        for _ in range(20):
            start = time.perf_counter()
            a @ b
            sync()
            best = min(best, time.perf_counter() - start)
        result["sgemm_gflops"] = 2 * 2048**3 / best / 1e9
    print(json.dumps(result))


def eval_seconds(torch, model, loss_fn, args, device, sync):
    """Median of three passes (after a warm-up) over the test set as burn-mnist's `evaluate`
    makes one: from the grey levels in host memory, batches of 1,000 scaled and sent to the
    device, loss, top probability and class of each image, all read back to the host."""
    images = read_idx(find(args.data_dir, "t10k-images-idx3-ubyte"))
    labels = read_idx(find(args.data_dir, "t10k-labels-idx1-ubyte"))
    images = images.reshape(len(images), -1)
    seconds = []
    with torch.no_grad():
        for _ in range(4):
            start = time.perf_counter()
            loss_sum, tops, classes = 0.0, [], []
            for i in range(0, len(images), 1000):
                x = torch.from_numpy(images[i: i + 1000].astype("float32") / 255.0).to(device)
                y = torch.from_numpy(labels[i: i + 1000].astype("int64")).to(device)
                logits = model(x)
                loss_sum += loss_fn(logits, y).item() * len(y)
                top, cls = torch.softmax(logits, 1).max(1)
                tops.append(top.cpu())
                classes.append(cls.cpu())
            sync()
            seconds.append(time.perf_counter() - start)
    return sorted(seconds[1:])[1]


if __name__ == "__main__":
    main()
