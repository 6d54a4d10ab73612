import numpy as np
import pytest

import tern
import tern.optim as optim


def quadratic_step(opt_cls, **settings):
    """One step on sum(w^2)/2 (gradient w) from w = [1, -2]."""
    w = tern.tensor([1.0, -2.0], requires_grad=True)
    opt = opt_cls([w], **settings)
    tern.sum(w * w * 0.5).backward()
    opt.step()
    return w.numpy().copy(), opt


def test_sgd_matches_the_update_rule():
    w, opt = quadratic_step(optim.SGD, lr=0.1)
    np.testing.assert_allclose(w, [0.9, -1.8], rtol=1e-6)
    assert opt.steps == 1 and opt.kind == "sgd"


def test_sgd_momentum_against_torch_formula():
    w = tern.tensor([1.0], requires_grad=True)
    opt = optim.SGD([("w", w)], lr=0.1, momentum=0.9)
    v, ref = 0.0, 1.0
    for _ in range(3):
        opt.zero_grad()
        tern.sum(w * w * 0.5).backward()
        opt.step()
        v = 0.9 * v + ref
        ref -= 0.1 * v
    np.testing.assert_allclose(w.numpy(), [ref], rtol=1e-6)


def test_adam_first_step_moves_by_lr():
    w, _ = quadratic_step(optim.Adam, lr=0.01)
    np.testing.assert_allclose(w, [0.99, -1.99], rtol=1e-5)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.Adagrad, optim.RMSprop,
                                 optim.YellowFin])
def test_every_optimiser_decreases_a_quadratic(cls):
    w, _ = quadratic_step(cls)
    assert np.abs(w).sum() < 3.0
    assert set(optim.names()) >= {"sgd", "adam", "adamw", "adagrad", "rowadagrad", "rmsprop", "yellowfin"}


def test_optimiser_over_a_module_and_state_dict_round_trip():
    m = tern.nn.Linear(3, 2)
    opt = optim.Adam(m, lr=0.1)
    tern.sum(m(tern.ones([4, 3]))).backward()
    opt.step()
    sd = opt.state_dict()
    assert "weight.exp_avg" in sd or any(k.startswith("weight.") for k in sd)
    opt2 = optim.Adam(m, lr=0.1)
    opt2.load_state_dict(sd)
    assert opt2.steps == 1
    opt.lr = 0.5
    assert opt.lr == 0.5


def test_bad_settings_raise_value_error_naming_them():
    w = tern.zeros([1])
    w.requires_grad = True
    with pytest.raises(ValueError, match="beta1"):
        optim.Adam([w], beta1=1.5)
    with pytest.raises(ValueError, match="nonsense"):
        optim.SGD([w], nonsense=1)
    with pytest.raises(TypeError):
        optim.SGD([1, 2])
    with pytest.raises(ValueError):
        optim.Optimizer("no-such", [w])


def test_schedules():
    s = optim.StepDecay(0.1, 10, 0.5)
    assert s.lr_at(0) == 0.1 and abs(s.lr_at(10) - 0.05) < 1e-12
    c = optim.CosineAnnealing(1.0, 100)
    assert abs(c.lr_at(50) - 0.5) < 1e-12
    warm = optim.LinearWarmup(c, 10)
    assert warm.lr_at(0) < warm.lr_at(9) < 1.0
    w = tern.zeros([1])
    w.requires_grad = True
    opt = optim.SGD([w], lr=1.0)
    s.apply(opt, 20)
    assert abs(opt.lr - 0.025) < 1e-12
    assert abs(optim.make_schedule("cosine", 1.0, 10).lr_at(10)) < 1e-12
