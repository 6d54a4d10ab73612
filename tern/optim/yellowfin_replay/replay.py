#!/usr/bin/python3
"""Replays a gradient stream recorded by yellowfin_replay into the reference
YellowFin (JianGoForIt/YellowFin_Pytorch, tuner_utils/yellowfin.py) and
compares what it chose, step by step, with what Tern's YellowFin chose.

  replay.py --reference PATH_TO_YellowFin_Pytorch --dump DIR
            [--precision float64|float32] [--tol 1e-5] [--golden OUT.csv --golden-steps N]

The reference is imported from PATH/tuner_utils/yellowfin.py and run
unmodified; nothing of it is copied here. It keeps two temporaries in
float32 whatever the gradients' dtype (its curvature window is a
torch.FloatTensor and its variance sum an np.float32 array). With
--precision float64 (the default) those two names are redirected to their
float64 versions inside the reference module only, and the gradients are
given as float64 tensors, so what is compared is the algorithm and not
float32 rounding; --precision float32 runs it exactly as published, on
float32 gradients and parameters.

Exit codes: 0 all compared columns within --tol (mu_t and lr_t always;
lr, momentum and the statistics too), 1 a mismatch, 77 skipped (torch or
the reference missing), 2 bad usage.
"""

import argparse
import csv
import importlib.util
import json
import math
import os
import sys
import types
import warnings

SKIP = 77


def skip(message):
    print("SKIP: " + message)
    sys.exit(SKIP)


def load_reference(path, precision):
    source = os.path.join(path, "tuner_utils", "yellowfin.py")
    if not os.path.isfile(source):
        skip("no reference implementation at " + source)
    spec = importlib.util.spec_from_file_location("yellowfin_reference", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if precision == "float64":
        import numpy
        import torch

        # Module-level stand-ins: every attribute is the real one except the
        # two float32 names, so the reference's own code runs in float64.
        torch_shim = types.SimpleNamespace(**{k: getattr(torch, k) for k in dir(torch) if not k.startswith("__")})
        torch_shim.FloatTensor = torch.DoubleTensor
        numpy_shim = types.SimpleNamespace(**{k: getattr(numpy, k) for k in dir(numpy) if not k.startswith("__")})
        numpy_shim.float32 = numpy.float64
        module.torch = torch_shim
        module.np = numpy_shim
    return module


def reference_kwargs(o):
    return dict(
        lr=o["lr"],
        mu=o["momentum"],
        clip_thresh=o["clip_thresh"] if o["clip_thresh"] > 0 else None,
        weight_decay=o["weight_decay"],
        beta=o["beta"],
        curv_win_width=o["curv_win"],
        zero_debias=o["zero_debias"],
        sparsity_debias=o["sparsity_debias"],
        auto_clip_fac=o["auto_clip_fac"] if o["auto_clip_fac"] > 0 else None,
        h_max_log_smooth=o["h_max_log_smooth"],
        h_min_log_smooth=o["h_min_log_smooth"],
        adapt_clip=o["adapt_clip"],
        stat_protect_fac=o["stat_protect_fac"],
        catastrophic_move_thresh=o["catastrophic_move_thresh"],
    )


COLUMNS = ["mu_t", "lr_t", "lr", "momentum", "h_min", "h_max", "grad_var", "dist_to_opt", "grad_norm_squared"]


def run_reference(module, dump, precision, steps):
    import numpy
    import torch

    meta = json.load(open(os.path.join(dump, "meta.json")))
    dtype = torch.float64 if precision == "float64" else torch.float32
    shapes = [p["shape"] for p in meta["params"]]
    sizes = [int(numpy.prod(s)) for s in shapes]
    n_params = len(shapes)
    steps = min(steps or meta["steps"], meta["steps"])
    init = numpy.fromfile(os.path.join(dump, "init.f64"), dtype=numpy.float64)
    mask = numpy.fromfile(os.path.join(dump, "mask.u8"), dtype=numpy.uint8).reshape(meta["steps"], n_params)
    grads = numpy.memmap(os.path.join(dump, "grads.f32"), dtype=numpy.float32, mode="r")
    params, at = [], 0
    for s, n in zip(shapes, sizes):
        params.append(torch.nn.Parameter(torch.tensor(init[at:at + n].reshape(s), dtype=dtype)))
        at += n
    opt = module.YFOptimizer(params, **reference_kwargs(meta["options"]))
    group = opt._optimizer.param_groups[0]
    with_params = meta.get("param_dtype") == "float64"
    rows, offset = [], 0
    for step in range(steps):
        for j in range(n_params):
            if mask[step, j]:
                g = numpy.array(grads[offset:offset + sizes[j]]).reshape(shapes[j])
                offset += sizes[j]
                params[j].grad = torch.tensor(g, dtype=dtype)
            else:
                params[j].grad = None
        opt.step()
        if opt._iter != step + 1:
            raise RuntimeError("the reference restored a backup at step %d (a numerical problem)" % step)
        row = {
            "step": step,
            "mu_t": float(opt._mu_t),
            "lr_t": float(opt._lr_t),
            "lr": float(group["lr"]),
            "momentum": float(group["momentum"]),
            "h_min": float(opt._h_min),
            "h_max": float(opt._h_max),
            "grad_var": float(opt._grad_var),
            "dist_to_opt": float(opt._dist_to_opt),
            "grad_norm_squared": float(opt._global_state["grad_norm_squared"]),
        }
        if with_params:
            with torch.no_grad():
                row["param_abs"] = sum(float(p.double().abs().sum()) for p in params)
                row["param_sq"] = sum(float((p.double() ** 2).sum()) for p in params)
        rows.append(row)
    return rows, with_params


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True, help="checkout of JianGoForIt/YellowFin_Pytorch")
    ap.add_argument("--dump", required=True, help="folder written by yellowfin_replay")
    ap.add_argument("--precision", choices=["float64", "float32"], default="float64")
    ap.add_argument("--tol", type=float, default=1e-5, help="relative tolerance")
    ap.add_argument("--steps", type=int, default=0, help="only the first N steps (0: all)")
    ap.add_argument("--golden", help="also write the reference's values to this CSV")
    args = ap.parse_args()
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        skip("torch/numpy not importable (%s)" % e)
    if not os.path.isdir(args.dump):
        print("error: no dump folder %s (run yellowfin_replay first)" % args.dump)
        return 2
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    module = load_reference(args.reference, args.precision)
    ref, with_params = run_reference(module, args.dump, args.precision, args.steps)
    columns = COLUMNS + (["param_abs", "param_sq"] if with_params else [])
    if args.golden:
        with open(args.golden + ".tmp", "w") as f:
            f.write("step," + ",".join(columns) + "\n")
            for r in ref:
                f.write(str(r["step"]) + "," + ",".join("%.17g" % r[c] for c in columns) + "\n")
        os.replace(args.golden + ".tmp", args.golden)
    tern = list(csv.DictReader(open(os.path.join(args.dump, "tern.csv"))))
    if len(tern) < len(ref):
        print("error: tern.csv has %d steps, the replay %d" % (len(tern), len(ref)))
        return 1
    worst = {c: (0.0, -1) for c in columns}
    for r, t in zip(ref, tern):
        for c in columns:
            a, b = r[c], float(t[c])
            rel = abs(a - b) / max(abs(a), 1e-300)
            if not math.isfinite(rel) or rel > worst[c][0]:
                worst[c] = (rel if math.isfinite(rel) else math.inf, r["step"])
    ok = True
    print("%d steps, reference in %s, tolerance %.1e (relative)" % (len(ref), args.precision, args.tol))
    for c in columns:
        rel, step = worst[c]
        bad = rel > args.tol
        ok = ok and not bad
        print("  %-18s max rel diff %.3e%s%s" % (c, rel, "" if step < 0 else " (step %d)" % step,
                                                 "  MISMATCH" if bad else ""))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
