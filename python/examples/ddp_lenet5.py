#!/usr/bin/env python3
"""LeNet-5 on Fashion-MNIST, data-parallel from Python under mpirun.

The Python model of lenet5_fashion_mnist.py, tern.dist's
DistributedDataParallel (the reducer of `tern train --dist allreduce`) and
each rank's shard of every epoch. --batch-size is global, as on the CLI:

    mpirun --allow-run-as-root --oversubscribe -np 4 env PYTHONPATH=build/python \\
        /usr/bin/python3 python/examples/ddp_lenet5.py --epochs 1
    mpirun --allow-run-as-root --oversubscribe -np 4 build/tools/tern/tern train --dist allreduce \\
        --model lenet5 --epochs 1 --batch-size 64
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tern  # noqa: E402
from tern import data  # noqa: E402
from lenet5_fashion_mnist import LeNet5  # noqa: E402


@tern.no_grad()
def correct_and_count(model, dataset, begin, end, batch_size=256):
    model.eval()
    correct = 0
    for start in range(begin, end, batch_size):
        x, y = dataset.get(list(range(start, min(end, start + batch_size))))
        correct += int((tern.argmax(model(x), 1) == y).numpy().sum())
    model.train()
    return correct, end - begin


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64, help="global batch (split over the ranks)")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1, help="CPU threads per rank")
    p.add_argument("--data-dir", default=data.FASHION_MNIST_DIR)
    p.add_argument("--train-limit", type=int, default=0, help="train on the first N examples only (0: all)")
    p.add_argument("--test-limit", type=int, default=0, help="test on the first N examples only (0: all)")
    p.add_argument("--json", action="store_true", help="rank 0 prints the final figures as one JSON object")
    args = p.parse_args(argv)

    tern.dist.init()
    rank, world = tern.dist.rank(), tern.dist.size()
    if args.batch_size % world:
        sys.exit(f"ddp_lenet5.py: global batch {args.batch_size} does not split evenly over {world} ranks")
    tern.set_num_threads(args.threads)
    tern.manual_seed(args.seed)
    train = data.fashion_mnist(train=True, dir=args.data_dir)
    test = data.fashion_mnist(train=False, dir=args.data_dir)
    if args.train_limit:
        train = train.take(list(range(args.train_limit)))
    if args.test_limit:
        test = test.take(list(range(args.test_limit)))
    model = LeNet5(train.num_classes)
    ddp = tern.dist.DistributedDataParallel(model)
    opt = tern.optim.SGD(model, lr=args.lr, momentum=args.momentum)
    loader = data.DataLoader(train, batch_size=args.batch_size // world, seed=args.seed, rank=rank, world=world)

    start = time.perf_counter()
    for epoch in range(args.epochs):
        loss_sum, n = 0.0, 0
        for x, y in loader:
            opt.zero_grad()
            loss = tern.cross_entropy(ddp(x), y)
            ddp.backward(loss)
            opt.step()
            loss_sum += loss.item() * len(y)
            n += len(y)
        # Each rank scores its share of the test set; the counts are summed.
        share = (len(test) + world - 1) // world
        begin, end = min(len(test), rank * share), min(len(test), (rank + 1) * share)
        c, k = correct_and_count(model, test, begin, end)
        totals = tern.from_numpy(__import__("numpy").array([loss_sum, n, c, k], dtype="float32"))
        tern.dist.all_reduce(totals)
        loss_avg, acc = float(totals[0].item() / totals[1].item()), float(totals[2].item() / totals[3].item())
        if rank == 0 and not args.json:
            print(f"epoch {epoch + 1}/{args.epochs}: train loss {loss_avg:.4f}, test accuracy {100 * acc:.2f}%")
    seconds = time.perf_counter() - start
    result = {"model": "lenet5 (Python, DDP)", "ranks": world, "epochs": args.epochs, "train_loss": loss_avg,
              "test_accuracy": acc, "seconds": seconds, "buckets": ddp.num_buckets}
    if rank == 0 and args.json:
        print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
