"""tern.train: the CLI's training run from Python, with its flags as keywords."""
import json
import os
import subprocess

import pytest

import tern

SMALL = dict(model="lenet5", dataset="synthetic", synthetic_size=256, batch_size=32, epochs=2, threads=1)


def test_train_reports_what_the_cli_reports():
    seen = []
    r = tern.train(**SMALL, progress=False, on_epoch=seen.append)
    tern_bin = os.path.join(os.environ.get("TERN_BUILD_DIR", "build"), "tools", "tern", "tern")
    if not os.path.exists(tern_bin):
        pytest.skip("no tern CLI in the build tree")
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in SMALL.items()]
    cli = json.loads(subprocess.run([tern_bin, "train", *flags, "--json"], check=True, capture_output=True,
                                    text=True).stdout)
    # Same seed, same data, same kernels: the same numbers to the last digit.
    assert r["test_accuracy"] == cli["test_accuracy"]
    assert [e["train_loss"] for e in r["history"]] == [e["train_loss"] for e in cli["history"]]
    assert [e["epoch"] for e in seen] == [1, 2]
    assert seen[-1]["test_accuracy"] == pytest.approx(r["history"][-1]["test_accuracy"])


def test_train_options_and_errors():
    assert {"model", "batch_size", "optimizer_arg", "dropback_k"} <= set(tern.train_option_names())
    with pytest.raises(TypeError, match="unexpected keyword argument 'servers'"):
        tern.train(model="mlp", servers=2)
    with pytest.raises(TypeError, match="epochs cannot be str"):
        tern.train(model="mlp", epochs="two")
    with pytest.raises(ValueError, match="--lr"):
        tern.train(model="mlp", dataset="synthetic", lr=-1.0)
    with pytest.raises(ValueError, match="unknown model"):
        tern.train(model="nosuch", dataset="synthetic")


def test_train_takes_optimizer_settings_as_a_dict(tmp_path):
    r = tern.train(model="mlp", dataset="synthetic", synthetic_size=128, batch_size=32, threads=1, progress=False,
                   optimizer="yellowfin", optimizer_arg={"clip_thresh": 5}, checkpoint=str(tmp_path / "m.ckpt"))
    assert len(r["history"]) == 1 and (tmp_path / "m.ckpt").exists()
    with pytest.raises(ValueError, match="nosuch"):
        tern.train(model="mlp", dataset="synthetic", optimizer="sgd", optimizer_arg={"nosuch": 1})


def test_dist_train_rejects_mistakes_before_mpi_starts():
    assert {"allreduce", "ps"} <= set(tern.dist.strategies())
    assert {"servers", "codec", "async"} <= set(tern.dist.strategy_flags())
    with pytest.raises(ValueError, match="unknown"):
        tern.dist.train("nosuch", model="mlp")
    with pytest.raises(ValueError, match="--servers needs --dist ps"):
        tern.dist.train("allreduce", model="mlp", servers=2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nosuch'"):
        tern.dist.train("ps", model="mlp", nosuch=1)
