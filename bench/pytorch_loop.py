#!/usr/bin/env python3
"""The training loop of gossiplab-bench in plain PyTorch (Python), for a side-by-side comparison.

Same model (LeNet-style, as core/models), same data (Fashion-MNIST from Debian's package, or
same-shaped random data), same batch, learning rate and threads per worker, M worker threads.
GoSGD: after each step, with probability p, a worker halves its alpha and pushes (weights, alpha)
into a random peer's inbox, which mixes them in before its next step (as core/train). Prints one
line: images/s over all workers. Run by bench/compare_pytorch.sh; needs python3-torch.
"""
import argparse, gzip, os, random, struct, threading, time

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def load(folder):
    if os.path.isdir(folder):
        images = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz")).unsqueeze(1)
        labels = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz")).long()
    else:
        g = torch.Generator().manual_seed(1)
        images = torch.randint(0, 256, (8192, 1, 28, 28), dtype=torch.uint8, generator=g)
        labels = torch.randint(0, 10, (8192,), generator=g)
    sample = images[:10000].float()
    mean, std = sample.mean((0, 2, 3)).view(1, -1, 1, 1), sample.std((0, 2, 3)).clamp_min(1e-3).view(1, -1, 1, 1)
    return images, labels, mean, std


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        h = F.relu(self.fc1(h.flatten(1)))
        return self.fc3(F.relu(self.fc2(h)))


class Worker:
    def __init__(self, index, data, seed):
        self.index, self.data = index, data
        torch.manual_seed(seed)
        self.net = LeNet()
        self.params = [p for p in self.net.parameters()]
        self.alpha = 1.0
        self.inbox, self.inbox_alpha, self.lock = None, 0.0, threading.Lock()
        self.rng = random.Random(seed + index)
        self.order, self.cursor = torch.randperm(data[1].numel()), 0
        self.images = 0

    def batch(self, size):
        n = self.order.numel()
        if self.cursor + size > n:
            self.order, self.cursor = torch.randperm(n), 0
        idx = self.order[self.cursor:self.cursor + size]
        self.cursor += size
        images, labels, mean, std = self.data
        return (images[idx].float() - mean) / std, labels[idx]

    def receive(self, flat, alpha):
        with self.lock:
            if self.inbox is None:
                self.inbox, self.inbox_alpha = flat * alpha, alpha
            else:
                self.inbox.add_(flat, alpha=alpha)
                self.inbox_alpha += alpha

    def drain(self):
        with self.lock:
            if self.inbox is None:
                return
            inbox, b = self.inbox, self.inbox_alpha
            self.inbox, self.inbox_alpha = None, 0.0
        with torch.no_grad():
            flat = nn.utils.parameters_to_vector(self.params)
            mixed = (flat * self.alpha + inbox) / (self.alpha + b)
            nn.utils.vector_to_parameters(mixed, self.params)
        self.alpha += b


def run(args):
    data = load(args.data_dir)
    workers = [Worker(i, data, args.seed) for i in range(args.workers)]
    threads_per_worker = args.threads or max(1, (os.cpu_count() or 1) // args.workers)
    stop = threading.Event()

    def loop(w):
        torch.set_num_threads(threads_per_worker)
        opt = torch.optim.SGD(w.net.parameters(), lr=args.lr)
        while not stop.is_set():
            w.drain()
            x, y = w.batch(args.batch_size)
            opt.zero_grad()
            loss = F.cross_entropy(w.net(x), y)
            loss.backward()
            opt.step()
            loss.item()  # the loss is read every step, as a training loop does to report it
            w.images += args.batch_size
            if args.workers > 1 and args.p > 0 and w.rng.random() < args.p:
                peer = w.rng.randrange(args.workers - 1)
                peer += peer >= w.index
                w.alpha /= 2
                with torch.no_grad():
                    workers[peer].receive(nn.utils.parameters_to_vector(w.params), w.alpha)

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    # A warm-up second, then the measured window.
    for t in threads:
        t.start()
    time.sleep(1.0)
    start_images, start = sum(w.images for w in workers), time.perf_counter()
    time.sleep(args.seconds)
    rate = (sum(w.images for w in workers) - start_images) / (time.perf_counter() - start)
    stop.set()
    for t in threads:
        t.join()
    print(f"{rate:.1f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--p", type=float, default=0.0)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads per worker (0: max(1, cores/M))")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    run(ap.parse_args())
