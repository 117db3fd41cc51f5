"""The step of `pinn bench speed` written the usual way in JAX, for comparison.

2D Poisson -Δu = 2π² sin(πx) sin(πy) on [0, 1]², u = 0 on the boundary; MLP 2→64×4→1 tanh
(Xavier-uniform weights, zero biases); loss = mean(r²) over N interior points + mean(u²) over
400 boundary points; one Adam step (lr 1e-3) per iteration, jit-compiled, with the Laplacian by
forward-over-forward differentiation. Prints one JSON line per point count: the median step
time after warm-up (the step's output is waited for).

    python3 benches/peers/jax_step.py --points 4096,16384,65536,262144 --steps 20
"""

import argparse
import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax


def init(key, sizes):
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        w = jax.random.uniform(sub, (fan_in, fan_out), jnp.float32, -bound, bound)
        params.append((w, jnp.zeros(fan_out, jnp.float32)))
    return params


def u(params, x):
    h = x
    for w, b in params[:-1]:
        h = jnp.tanh(h @ w + b)
    w, b = params[-1]
    return (h @ w + b)[0]


def laplacian(params, x):
    def second(e):
        first = lambda y: jax.jvp(lambda z: u(params, z), (y,), (e,))[1]
        return jax.jvp(first, (x,), (e,))[1]

    return second(jnp.array([1.0, 0.0])) + second(jnp.array([0.0, 1.0]))


def loss(params, interior, boundary):
    f = 2 * jnp.pi**2 * jnp.sin(jnp.pi * interior[:, 0]) * jnp.sin(jnp.pi * interior[:, 1])
    r = -jax.vmap(lambda x: laplacian(params, x))(interior) - f
    ub = jax.vmap(lambda x: u(params, x))(boundary)
    return jnp.mean(r**2) + jnp.mean(ub**2)


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
    args = parser.parse_args()
    optimizer = optax.adam(1e-3)

    @jax.jit
    def step(params, state, interior, boundary):
        value, grads = jax.value_and_grad(loss)(params, interior, boundary)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    rng = np.random.default_rng(0)
    for n in [int(p) for p in args.points.split(",")]:
        interior = jnp.asarray(rng.uniform(size=(n, 2)).astype(np.float32))
        boundary = jnp.asarray(boundary_points(400, rng))
        params = init(jax.random.PRNGKey(0), [2, 64, 64, 64, 64, 1])
        state = optimizer.init(params)
        times = []
        for k in range(args.steps + 3):
            start = time.perf_counter()
            params, state, value = step(params, state, interior, boundary)
            value.block_until_ready()
            if k >= 3:
                times.append(1e3 * (time.perf_counter() - start))
        times.sort()
        median = times[len(times) // 2]
        print(json.dumps({
            "peer": "jax", "device": str(jax.devices()[0].platform), "dtype": "f32",
            "interior": n, "boundary": 400, "steps": args.steps, "ms_per_step": median,
            "min_ms": times[0], "points_per_s": n / (median * 1e-3), "loss": float(value),
        }), flush=True)


if __name__ == "__main__":
    main()
