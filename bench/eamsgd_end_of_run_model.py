#!/usr/bin/env python3
"""Why EAMSGD tau = 1's training loss rises at the very end of a run: a toy model.

The workers of a run finish up to a few seconds apart; those still training go on exchanging with
the center alone. This script runs the update of core/train/worker.cpp (elastic step, gradient at
the Nesterov look-ahead x + mu v, v = mu v - lr g, x += v) on a 1-D quadratic f = h y^2 / 2, k
workers in round-robin, and prints

  1. the largest stable lr * h for k = 8, 4, 2, 1 without noise: fewer workers are MORE stable, so
     the rise is not a deterministic instability;
  2. with gradient noise, each worker's loss at its look-ahead point while 8 train, and after 7 of
     them stop: with alpha = 0.887 (beta = 7.1) the workers nearly snap to the center every step, so
     they share their gradient noise (an effective batch of 8 x 128); the last worker alone keeps the
     step (lr / (1 - mu) = 1 at lr 0.01, mu 0.99) but not the averaging, and its loss rises several
     fold within 50-100 steps. With alpha = 0.1125 (beta = 0.9) the coupling is weak and the rise small.

Standard library only (no numpy on the build machine): python3 bench/eamsgd_end_of_run_model.py
"""
import math
import random

MU = 0.99


def elastic_then_nesterov(x, v, c, i, a, q, noise):
    """One step of worker i; returns the new center and the loss at the look-ahead point."""
    d = a * (x[i] - c)
    x[i] -= d
    c += d
    y = x[i] + MU * v[i]
    g = q * y + (math.sqrt(q) * random.gauss(0.0, 1.0) if noise else 0.0)
    v[i] = MU * v[i] - g
    x[i] += v[i]
    return c, 0.5 * q * y * y


def growth_per_round(k, q, a, rounds=800):
    """Spread growth per round of the noiseless linear map (> 1: unstable)."""
    x = [random.gauss(0, 1) for _ in range(k)]
    v = [random.gauss(0, 1) for _ in range(k)]
    c = random.gauss(0, 1)
    log_sum = 0.0
    for _ in range(rounds):
        for i in range(k):
            c, _ = elastic_then_nesterov(x, v, c, i, a, q, noise=False)
        norm = math.sqrt(sum(t * t for t in x) + sum(t * t for t in v) + c * c)
        log_sum += math.log(norm)
        x = [t / norm for t in x]
        v = [t / norm for t in v]
        c /= norm
    return math.exp(log_sum / rounds)


def largest_stable(k, a):
    lo, hi = 0.001, 20.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if growth_per_round(k, mid, a) <= 1.0 + 1e-6:
            lo = mid
        else:
            hi = mid
    return lo


def loss_before_and_after_others_stop(q, a, warm=4000, after=300):
    x, v, c = [0.0] * 8, [0.0] * 8, 0.0
    before, count = 0.0, 0
    for r in range(warm):
        for i in range(8):
            c, loss = elastic_then_nesterov(x, v, c, i, a, q, noise=True)
            if r > warm // 2:
                before += loss
                count += 1
    trace = []
    for _ in range(after):
        c, loss = elastic_then_nesterov(x, v, c, 0, a, q, noise=True)
        trace.append(loss)
    return before / count, trace


def main():
    random.seed(1)
    print("1. Largest stable lr*h without noise (one Nesterov SGD worker alone: %.3f)" % (2 * (1 + MU) / (1 + 2 * MU)))
    for a in (0.887, 0.1125):
        print("   alpha %-7g" % a + "  ".join("k=%d %.3f" % (k, largest_stable(k, a)) for k in (8, 4, 2, 1)))
    print("2. Loss at the look-ahead point (mean of 100 repeats): 8 workers, then the last one alone")
    repeats = 100
    for q in (0.001, 0.01, 0.1):
        for a in (0.887, 0.1125):
            before, trace = 0.0, [0.0] * 300
            for _ in range(repeats):
                b, t = loss_before_and_after_others_stop(q, a)
                before += b / repeats
                trace = [u + w / repeats for u, w in zip(trace, t)]
            late = sum(trace[250:]) / 50
            print("   lr*h %-5g alpha %-7g 8 workers %.4f; alone after 10/50/100/300 steps %.4f %.4f %.4f %.4f (x%.1f)"
                  % (q, a, before, sum(trace[:10]) / 10, sum(trace[40:60]) / 20, sum(trace[90:110]) / 20, late, late / before))


if __name__ == "__main__":
    main()
