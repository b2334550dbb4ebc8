"""Train the float64 checkpoints of the region benchmarks (issue 13, item 4) and save their state_dicts.

Run:  python3 benchmarks/train_checkpoint.py OUT.pt ARCH [--task friedman|moons] [--steps N] [--seed S]
      e.g. python3 benchmarks/train_checkpoint.py benchmarks/checkpoints/friedman_3x32x32x1.pt 3,32,32,1

A plain torch MLP (Linear + ReLU, float64, full precision: nothing rounded),
trained with Adam on a synthetic data set from scikit-learn (make_friedman1
restricted to its first 3 inputs, or make_moons), seeded, so the checkpoint is
reproducible on the same torch build. The state_dict is what
``exactsym regions OUT.pt`` loads.
"""
import argparse

import numpy as np
import torch


def data(task, n, seed):
    from sklearn.datasets import make_friedman1, make_moons
    if task == "moons":
        X, y = make_moons(n_samples=n, noise=0.15, random_state=seed)
        return X, y.astype(np.float64)
    X, y = make_friedman1(n_samples=n, n_features=5, noise=0.1, random_state=seed)
    X = X[:, :3] * 2.0 - 1.0                     # the inputs the target depends on most, in [-1, 1]
    return X, (y - y.mean()) / y.std()


def model(arch):
    mods = []
    for i, (a, b) in enumerate(zip(arch[:-1], arch[1:])):
        mods.append(torch.nn.Linear(a, b, dtype=torch.float64))
        if i < len(arch) - 2:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("arch")
    ap.add_argument("--task", default="friedman", choices=["friedman", "moons"])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    arch = [int(v) for v in a.arch.split(",")]
    torch.manual_seed(a.seed)
    X, y = data(a.task, 2000, a.seed)
    X, y = torch.tensor(X), torch.tensor(y).reshape(-1, 1)
    net = model(arch)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    lossf = torch.nn.BCEWithLogitsLoss() if a.task == "moons" else torch.nn.MSELoss()
    for step in range(a.steps):
        opt.zero_grad()
        loss = lossf(net(X), y)
        loss.backward()
        opt.step()
    print(f"{a.out}: arch {arch}, task {a.task}, {a.steps} steps, final loss {loss.item():.4f}")
    torch.save(net.state_dict(), a.out)


if __name__ == "__main__":
    main()
