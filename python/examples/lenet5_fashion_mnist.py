#!/usr/bin/env python3
"""LeNet-5 (LeCun et al. 1998) on Fashion-MNIST, the model written in Python.

The training follows `tern train --model lenet5` step for step (seed, then
data, then the model's layers in the zoo's order, SGD with momentum, the
seeded DataLoader), so at the same settings both reach the same accuracy:

    PYTHONPATH=build/python /usr/bin/python3 python/examples/lenet5_fashion_mnist.py --epochs 1
    build/tools/tern/tern train --model lenet5 --epochs 1
"""

import argparse
import json
import time

import tern
import tern.nn as nn
from tern import data


class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, stride=1, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = tern.max_pool2d(tern.relu(self.conv1(x)), 2)
        x = tern.max_pool2d(tern.relu(self.conv2(x)), 2)
        x = tern.flatten(x, 1)
        x = tern.relu(self.fc1(x))
        x = tern.relu(self.fc2(x))
        return self.fc3(x)


@tern.no_grad()
def accuracy(model, dataset, batch_size=256):
    model.eval()
    correct = 0
    for start in range(0, len(dataset), batch_size):
        x, y = dataset.get(list(range(start, min(len(dataset), start + batch_size))))
        correct += int((tern.argmax(model(x), 1) == y).numpy().sum())
    model.train()
    return correct / len(dataset)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data-dir", default=data.FASHION_MNIST_DIR)
    p.add_argument("--train-limit", type=int, default=0, help="train on the first N examples only (0: all)")
    p.add_argument("--test-limit", type=int, default=0, help="test on the first N examples only (0: all)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: all cores), as tern train --threads")
    p.add_argument("--json", action="store_true", help="print the final figures as one JSON object")
    args = p.parse_args(argv)
    if args.threads:
        tern.set_num_threads(args.threads)

    tern.manual_seed(args.seed)
    train = data.fashion_mnist(train=True, dir=args.data_dir)
    test = data.fashion_mnist(train=False, dir=args.data_dir)
    if args.train_limit:
        train = train.take(list(range(args.train_limit)))
    if args.test_limit:
        test = test.take(list(range(args.test_limit)))
    model = LeNet5(train.num_classes)
    opt = tern.optim.SGD(model, lr=args.lr, momentum=args.momentum)
    loader = data.DataLoader(train, batch_size=args.batch_size, seed=args.seed)

    start = time.perf_counter()
    train_seconds, examples = 0.0, 0
    for epoch in range(args.epochs):
        loss_sum, n = 0.0, 0
        epoch_start = time.perf_counter()
        for x, y in loader:
            opt.zero_grad()
            loss = tern.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(y)
            n += len(y)
        train_seconds += time.perf_counter() - epoch_start  # the training loop alone, as tern train times it
        examples += n
        acc = accuracy(model, test)
        if not args.json:
            print(f"epoch {epoch + 1}/{args.epochs}: train loss {loss_sum / n:.4f}, test accuracy {100 * acc:.2f}%")
    seconds = time.perf_counter() - start
    result = {"model": "lenet5 (Python)", "epochs": args.epochs, "train_loss": loss_sum / n,
              "test_accuracy": acc, "seconds": seconds, "train_seconds": train_seconds,
              "samples_per_second": examples / train_seconds}
    if args.json:
        print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
