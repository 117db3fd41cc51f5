"""The step of `pinn bench speed` written the usual way in PyTorch (eager), for comparison.

2D Poisson -Δu = 2π² sin(πx) sin(πy) on [0, 1]², u = 0 on the boundary; MLP 2→64×4→1 tanh
(Xavier-uniform weights, zero biases); loss = mean(r²) over N interior points + mean(u²) over
400 boundary points; one Adam step (lr 1e-3) per iteration, with the Laplacian by nested
autograd. Prints one JSON line per point count: the median step time after warm-up (CUDA is
synchronised before the clock stops).

    python3 benches/peers/torch_step.py --points 4096,16384 --steps 20 --device cuda
"""

import argparse
import json
import math
import time

import numpy as np
import torch


def network():
    layers = []
    sizes = [2, 64, 64, 64, 64, 1]
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = torch.nn.Linear(fan_in, fan_out)
        torch.nn.init.xavier_uniform_(linear.weight)
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def loss(net, interior, boundary):
    x = interior.clone().requires_grad_(True)
    u = net(x)
    (du,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    (dux,) = torch.autograd.grad(du[:, 0].sum(), x, create_graph=True)
    (duy,) = torch.autograd.grad(du[:, 1].sum(), x, create_graph=True)
    lap = dux[:, 0] + duy[:, 1]
    f = 2 * math.pi**2 * torch.sin(math.pi * x[:, 0]) * torch.sin(math.pi * x[:, 1])
    r = -lap - f
    return (r**2).mean() + (net(boundary) ** 2).mean()


def boundary_points(n, rng):
    t = rng.uniform(size=n)
    side = rng.integers(0, 4, size=n)
    x = np.where(side < 2, t, side - 2.0)
    y = np.where(side < 2, side.astype(float), t)
    return np.stack([x, y], axis=1).astype(np.float32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", default="4096,16384,65536,262144")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    rng = np.random.default_rng(0)
    for n in [int(p) for p in args.points.split(",")]:
        torch.manual_seed(0)
        interior = torch.tensor(rng.uniform(size=(n, 2)).astype(np.float32), device=device)
        boundary = torch.tensor(boundary_points(400, rng), device=device)
        net = network().to(device)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        times = []
        for k in range(args.steps + 3):
            start = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            value = loss(net, interior, boundary)
            value.backward()
            optimizer.step()
            sync()
            if k >= 3:
                times.append(1e3 * (time.perf_counter() - start))
        times.sort()
        median = times[len(times) // 2]
        print(json.dumps({
            "peer": "torch", "device": device.type, "dtype": "f32",
            "threads": torch.get_num_threads(), "interior": n, "boundary": 400,
            "steps": args.steps, "ms_per_step": median, "min_ms": times[0],
            "points_per_s": n / (median * 1e-3), "loss": float(value),
        }), flush=True)


if __name__ == "__main__":
    main()
