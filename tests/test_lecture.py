"""The lecture's claims: each experiment's verdict, and the numbers it stands on."""

import dataclasses
import importlib

import numpy as np
import pytest

import glassnet as gn
from glassnet import lecture


def test_experiments_are_the_lectures_eight_claims_then_the_optimizers():
    assert lecture.EXPERIMENTS == (
        "backprop",
        "output_layer",
        "saturation",
        "activations",
        "normalization",
        "initialization",
        "minibatch",
        "momentum",
        "optimizers",
    )


def test_one_list_holds_every_experiment_each_defined_by_its_own_module():
    assert tuple(e.name for e in lecture.LECTURE) == lecture.EXPERIMENTS
    for experiment in lecture.LECTURE:
        module = importlib.import_module(f"glassnet.lecture.{experiment.name}")
        assert module.EXPERIMENT is experiment
        assert experiment.title and experiment.claim.endswith(".")
    assert lecture.find("  Momentum ") is lecture.LECTURE[7]


def test_backprop_matches_finite_differences_and_the_check_catches_a_bug():
    r = lecture.run("backprop")
    assert r["verdict"] is True
    assert r["max_error"] < 1e-7
    assert r["max_error_with_bug"] > 1e-3
    assert len(r["table"]) == 3  # one row per layer of the 3-layer network
    assert r["sizes"][1:] == [20, 7, 1]


def test_backprop_check_runs_on_random_images_without_the_cats(monkeypatch):
    monkeypatch.delattr(gn.datasets, "cats", raising=False)
    r = lecture.run("backprop", seed=1)
    assert r["inputs"] == "random 8x8x3 images"
    assert r["verdict"] is True and r["max_error"] < 1e-7


def test_output_layer_formula_equals_the_chain_rule():
    r = lecture.run("output_layer")
    assert r["verdict"] is True
    assert r["formula_vs_chain_rule"] < 1e-10
    assert r["formula_vs_finite_differences"] < 1e-7


def test_saturation_numbers_are_the_derivatives():
    r = lecture.run("saturation")
    assert r["verdict"] is True
    s5 = 1 / (1 + np.exp(-5.0))
    assert r["sigmoid'(5)"] == pytest.approx(s5 * (1 - s5), rel=1e-12)
    assert r["tanh'(10)"] == pytest.approx(1 - np.tanh(10.0) ** 2, rel=1e-6)
    assert r["relu'(5)"] == 1.0 and r["relu'(-5)"] == 0.0
    assert r["max_sigmoid_derivative"] == pytest.approx(0.25)


def test_identity_network_collapses_and_cannot_fit_what_relu_fits():
    r = lecture.run("activations")
    assert r["verdict"] is True
    assert r["collapse_max_difference"] < 1e-6
    for problem in ("two_circles", "xor"):
        assert r[f"accuracy_{problem}_identity"] < 0.75
        assert r[f"accuracy_{problem}_relu"] > 0.95


def test_standardized_inputs_round_the_cost_and_reach_the_target_sooner():
    r = lecture.run("normalization")
    assert r["verdict"] is True
    assert r["iterations_standardized"] is not None
    assert r["iterations_raw"] is None or r["iterations_standardized"] < r["iterations_raw"]
    assert r["condition_raw"] > 10 * r["condition_standardized"]
    assert r["axis_ratio_raw"] == pytest.approx(np.sqrt(r["condition_raw"]))


def test_initialization_explodes_vanishes_or_keeps_the_scale():
    r = lecture.run("initialization")
    assert r["verdict"] is True
    assert r["output_scale_1.5I"] == pytest.approx(1.5**10, rel=1e-9)
    assert r["output_scale_0.5I"] == pytest.approx(0.5**10, rel=1e-9)
    assert r["backward_scale_1.5I"] == pytest.approx(1.5**9, rel=1e-9)
    assert r["spread_relu_he"] < 10
    assert r["spread_relu_normal(1.0)"] > 10 and r["spread_relu_normal(0.01)"] > 10
    assert r["best_relu"] == "he"


def test_minibatches_are_noisy_and_reach_the_target_in_fewer_epochs():
    r = lecture.run("minibatch")
    assert r["verdict"] is True
    assert r["share_up_full"] < 0.05 < r["share_up_16"]
    assert r["noise_16"] > r["noise_64"] > r["noise_256"] > r["noise_full"]
    assert r["epochs_to_target_64"] < r["epochs_to_target_full"]


def test_momentum_damps_the_steep_direction_and_reaches_the_target_sooner():
    r = lecture.run("momentum")
    assert r["verdict"] is True
    assert r["bowl_reversals_momentum"] < r["bowl_reversals_gd"]
    assert r["bowl_iterations_momentum"] < r["bowl_iterations_gd"]
    assert r["moons_iterations_momentum"] < r["moons_iterations_gd"]


def test_momentum_rmsprop_and_adam_each_beat_gradient_descent():
    r = lecture.run("optimizers")
    assert r["verdict"] is True
    for name in ("momentum", "rmsprop", "adam"):
        assert r[f"iterations_{name}"] < r["iterations_gd"]


def test_run_is_deterministic():
    a, b = lecture.run("output_layer", seed=3), lecture.run("output_layer", seed=3)
    assert np.array_equal(a["curves"]["formula"], b["curves"]["formula"])


def test_report_writes_markdown_and_one_figure_per_experiment(tmp_path):
    pytest.importorskip("matplotlib", reason="the lecture figures need matplotlib")
    lines = []
    results = lecture.report(tmp_path / "out", only="saturation", echo=lines.append)
    assert [r["name"] for r in results] == ["saturation"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "report.md",
        "saturation.png",
    ]
    assert (tmp_path / "out" / "saturation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (tmp_path / "out" / "report.md").read_text()
    assert "| claim | what was measured | verdict |" in text
    assert results[0]["measured"] in text and "![Saturation](saturation.png)" in text
    assert any("confirmed" in line for line in lines)


def test_a_failing_verdict_is_shown_as_failing(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib", reason="the lecture figures need matplotlib")
    real = lecture.find("saturation")
    failing = dataclasses.replace(real, run=lambda seed: {**real.run(seed), "verdict": 0})
    monkeypatch.setattr(lecture.reporting, "LECTURE", (failing,))
    lecture.report(tmp_path, only="saturation", echo=lambda line: None)
    assert "**NOT CONFIRMED**" in (tmp_path / "report.md").read_text()


def test_unknown_experiment_names_the_valid_ones(tmp_path):
    with pytest.raises(gn.GlassnetError, match="backprop, output_layer"):
        lecture.run("dropout")
    with pytest.raises(gn.GlassnetError, match="unknown lecture experiment 'dropout'"):
        lecture.report(tmp_path, only="dropout")
    with pytest.raises(gn.GlassnetError, match="momentum"):
        lecture.figure("nope", {}, tmp_path / "x.png")


def test_missing_matplotlib_names_the_extra(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(gn.GlassnetError, match=r'pip install "glassnet\[demo\]"'):
        lecture.figure("saturation", {}, tmp_path / "s.png")
