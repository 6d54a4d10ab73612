# The examples, run on small data: they must train, not just run.
import importlib.util
import os

import pytest

import tern

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_custom_model_learns_spirals_and_saves(tmp_path):
    path = tmp_path / "model.safetensors"
    result = load("custom_model").main(["--examples", "1000", "--epochs", "15", "--lr", "0.02", "--json",
                                        "--save", str(path)])
    assert result["test_accuracy"] > 0.9  # chance is 0.5
    assert "gate" in tern.load(path)


@pytest.mark.skipif(not os.path.isdir(tern.data.FASHION_MNIST_DIR), reason="dataset-fashion-mnist not installed")
def test_lenet5_example_learns_on_a_slice_of_fashion_mnist():
    mod = load("lenet5_fashion_mnist")
    result = mod.main(["--train-limit", "2000", "--test-limit", "500", "--json"])
    assert result["test_accuracy"] > 0.3  # chance is 0.1; about 0.49 after these 32 steps
    model = mod.LeNet5()
    zoo = tern.nn.make_model("lenet5")
    # The same tensors, named as the zoo's LeNet-5 names them (minus its
    # parameter-free layers), so a checkpoint of one loads into the other.
    assert [(n, p.shape) for n, p in model.named_parameters()] == \
           [(n, p.shape) for n, p in zoo.named_parameters()]


def test_l2hmc_example_samples_the_target_and_trains_through_the_staged_leapfrog():
    r = load("l2hmc_staged").main(["--chains", "32", "--train-steps", "20", "--samples", "200", "--json"])
    assert r["staged_vs_eager_max_abs_diff"] <= 1e-5
    assert r["traces"] == 1  # one graph for sampling and for training (its backward staged beside it)
    assert r["losses_finite"]
    assert 0.5 < r["after_training"]["acceptance"] <= 1
    # Metropolis-Hastings with the map's log-determinant keeps the target:
    # the samples' covariance is the target's (within the chains' noise).
    cov = r["sample_cov"]
    assert abs(cov[0][0] - 1) < 0.25 and abs(cov[1][1] - 1) < 0.25 and abs(cov[0][1] - 0.95) < 0.15, cov
