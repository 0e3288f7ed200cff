"""cords_summarize.select: parity with `cords-summarize select`, inputs, errors (run by ctest: python_select)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import cords_summarize as cs

CLI = os.environ.get("CORDS_CLI", "cords-summarize")


def features(n=300, d=16, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)


def cli_select(tmp_path, x, *args):
    path = tmp_path / "x.npy"
    np.save(path, x)
    out = subprocess.run([CLI, "select", "--features", str(path), "-q", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def same_gains(a, b):
    """Gains as the contract promises them: equal up to float32 rounding. The module and the CLI run the same code,
    but a sum's last bits follow the BLAS kernels and thread split (an AVX-512 Xeon gave 23.553104400634766 against
    23.5531063079834), so no test compares them bit for bit."""
    return len(a) == len(b) and all(x == pytest.approx(y, rel=1e-5, abs=1e-6) for x, y in zip(a, b))


@pytest.mark.parametrize("args,kwargs", [
    (["--budget", "20"], dict(budget=20)),
    (["--fraction", "0.1", "--metric", "euclidean"], dict(fraction=0.1, metric="euclidean")),
    (["--budget", "15", "--function", "graph-cut", "--lambda", "0.3"], dict(budget=15, function="graph-cut", lambda_=0.3)),
    (["--budget", "10", "--function", "log-determinant", "--metric", "rbf"], dict(budget=10, function="log-determinant", metric="rbf")),
    (["--budget", "12", "--optimizer", "stochastic", "--seed", "7"], dict(budget=12, optimizer="stochastic", seed=7)),
    (["--budget", "12", "--function", "0.7*facility-location+0.3*disparity-sum"],
     dict(budget=12, function="0.7*facility-location+0.3*disparity-sum")),
])
def test_same_selection_as_the_cli(tmp_path, args, kwargs):
    x = features()
    c = cli_select(tmp_path, x, *args)
    r = cs.select(x, **kwargs)
    assert r.selected == c["selected"]
    assert same_gains(r.gains, c["gains"])
    assert r.objective == pytest.approx(c["objective"], rel=1e-5)
    assert r["function"]["name"] == c["function"]["name"]


def test_the_module_runs_the_blas_kernels_the_cli_runs(tmp_path):
    # The module used to leave Debian's OpenBLAS on its own choice, which is SSE3 on CPUs it does not recognise (an
    # AVX-512 cloud Xeon), while the CLI ran AVX-512 kernels: one code path means the same kernels.
    c = cli_select(tmp_path, features(), "--budget", "3")
    assert cs._cords.blas_core() == c["blas"]


def test_same_selection_as_the_cli_when_the_blas_kernels_differ(tmp_path):
    # The module on OpenBLAS's plain SSE3 kernels, the CLI on the machine's best: what a CPU that OpenBLAS does not
    # recognise gave before the module chose its kernels as the CLI does. Picks equal, gains to float precision.
    x = features(600, 48, seed=3)
    path = tmp_path / "x.npy"
    np.save(path, x)
    code = ("import json, sys, numpy as np, cords_summarize as cs; r = cs.select(np.load(sys.argv[1]), budget=25); "
            "print(json.dumps({'selected': r.selected, 'gains': r.gains}))")
    env = dict(os.environ, OPENBLAS_CORETYPE="Prescott")
    m = json.loads(subprocess.run([sys.executable, "-c", code, str(path)], env=env, check=True, capture_output=True,
                                  text=True).stdout)
    c = cli_select(tmp_path, x, "--budget", "25")
    assert m["selected"] == c["selected"]
    assert same_gains(m["gains"], c["gains"])


def test_groups_split_the_budget_like_the_cli(tmp_path):
    x = features()
    groups = np.arange(300) % 3
    np.save(tmp_path / "g.npy", groups)
    c = cli_select(tmp_path, x, "--budget", "9", "--groups", str(tmp_path / "g.npy"))
    r = cs.select(x, budget=9, groups=groups)
    assert r.selected == c["selected"]
    assert [g["budget"] for g in r["groups"]] == [3, 3, 3]


def test_dtypes_layouts_and_torch_give_the_same_selection():
    x = features()
    want = cs.select(x, budget=10).selected
    assert cs.select(x.astype(np.float64), budget=10).selected == want
    assert cs.select(np.asfortranarray(x), budget=10).selected == want
    assert cs.select(x.tolist(), budget=10).selected == want
    xi = (x * 100).astype(np.int32)
    assert cs.select(xi, budget=10).selected == cs.select(xi.astype(np.float32), budget=10).selected
    torch = pytest.importorskip("torch")
    assert cs.select(torch.from_numpy(x), budget=10).selected == want


def test_result_reads_as_attributes_and_keys():
    r = cs.select(features(), budget=5)
    assert len(r.selected) == 5 and len(r.gains) == 5
    assert set(r.keys()) >= {"selected", "gains", "objective", "timings_s", "function", "budget"}
    assert r.timings_s["total"] >= r.timings_s["kernel"] >= 0
    assert r.gains == sorted(r.gains, reverse=True)  # facility location: diminishing returns
    assert abs(sum(r.gains) - r.objective) < 1e-6 * max(1.0, abs(r.objective))
    assert "5 selected" in repr(r)


@pytest.mark.parametrize("call,exc,needle", [
    (lambda x: cs.select(x, budget=5, function="facility-locaton"), ValueError, "facility"),
    (lambda x: cs.select(x, budget=5, fraction=0.1), ValueError, "exactly one"),
    (lambda x: cs.select(x), ValueError, "exactly one"),
    (lambda x: cs.select(x, budget=301), ValueError, ""),
    (lambda x: cs.select(x, budget=5, metric="manhattan"), ValueError, "manhattan"),
    (lambda x: cs.select(x, budget=5, optimizer="greedyish"), ValueError, "greedyish"),
    (lambda x: cs.select(x[:, 0], budget=5), ValueError, "2-D"),
    (lambda x: cs.select(np.where(np.arange(300)[:, None] == 7, np.nan, x), budget=5), ValueError, "NaN"),
    (lambda x: cs.select(x, budget=5, groups=[0, 1]), ValueError, "one label per row"),
    (lambda x: cs.select(x.astype(str), budget=5), ValueError, "numeric"),
    (lambda x: cs.select(x, budget=2.5), ValueError, "integer"),
])
def test_errors_are_python_exceptions_of_the_right_kind(call, exc, needle):
    with pytest.raises(exc, match=needle):
        call(features())


def test_help_is_useful():
    doc = cs.select.__doc__
    for word in ("budget", "fraction", "facility-location", "torch", "GIL"):
        assert word in doc


def test_set_function_objects_reproduce_the_greedy_selection():
    x = features()
    f = cs.FacilityLocation(x)
    assert f.n == 300 and f.name == "facility-location" and f.monotone and f.submodular
    for _ in range(8):  # plain greedy through marginal_gains: the same picks and gains as select's lazy greedy
        rest = [i for i in range(f.n) if i not in set(f.selected)]
        g = f.marginal_gains(rest)
        best = max(range(len(rest)), key=lambda j: (g[j], -rest[j]))
        assert f.marginal_gain(rest[best]) == g[best]
        f.add(rest[best])
    r = cs.select(x, budget=8)
    assert f.selected == r.selected
    assert abs(f.value - r.objective) < 1e-9 * abs(r.objective)
    assert abs(f.evaluate(f.selected) - f.value) < 1e-6 * abs(f.value)
    assert f.marginal_gain(f.selected[0]) == 0.0
    f.reset()
    assert f.selected == [] and f.value == 0.0


def test_set_function_mixtures_and_errors():
    x = np.abs(features())
    mix = cs.SetFunction(x, "0.5*facility-location+0.5*disparity-sum")
    fl, ds = cs.FacilityLocation(x), cs.DisparitySum(x)
    s = [3, 17, 42]
    assert abs(mix.evaluate(s) - (0.5 * fl.evaluate(s) + 0.5 * ds.evaluate(s))) < 1e-6 * abs(mix.evaluate(s))
    assert cs.GraphCut(x, lambda_=0.3).name == "graph-cut"
    assert cs.FeatureBased(x, concave="log1p").evaluate([0, 1]) > 0
    with pytest.raises(ValueError, match="outside"):
        fl.marginal_gain(300)
    with pytest.raises(ValueError, match="twice"):
        fl.evaluate([1, 1])
    fl.add(5)
    with pytest.raises(ValueError, match="already"):
        fl.add(5)
    with pytest.raises(ValueError):
        cs.SetFunction(x, "facility-locaton")


def test_summarize_writes_the_outputs_and_returns_the_manifest(tmp_path):
    sample = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "sample.mp4")
    m = cs.summarize(sample, str(tmp_path / "s"), budget=4, features="histogram", no_clip=True)
    assert len(m["keyframes"]) == 4
    assert (tmp_path / "s" / "summary.json").exists() and (tmp_path / "s" / "sheet.jpg").exists()
    assert json.loads((tmp_path / "s" / "summary.json").read_text())["keyframes"] == m["keyframes"]
    with pytest.raises(cs.SummarizeError) as e:
        cs.summarize(sample, str(tmp_path / "bad"), budget=4, features="nope")
    assert e.value.code == 2
    with pytest.raises(cs.SummarizeError) as e:
        cs.summarize(str(tmp_path / "missing.mp4"), str(tmp_path / "m"))
    assert e.value.code == 3


def test_summarize_passes_values_as_values_and_refuses_what_is_not_an_option(tmp_path):
    # The reliability review of 2026-12-07, Low 9: switch values that are not booleans became extra inputs, a key ""
    # injected "--", and a folder ran a whole batch before failing to parse its output.
    sample = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "sample.mp4")
    with pytest.raises(cs.SummarizeError) as e:
        cs.summarize(sample, str(tmp_path / "a"), no_clip="False", features="histogram")
    assert e.value.code == 2 and "no-clip" in e.value.message
    for bad in ({"": "x"}, {"help": True}, {"json": True}, {"Budget": 3}):
        with pytest.raises(ValueError):
            cs.summarize(sample, str(tmp_path / "b"), **bad)
    with pytest.raises(ValueError):
        cs.summarize(str(tmp_path), str(tmp_path / "c"))
    m = cs.summarize(sample, str(tmp_path / "d"), budget=np.int64(3), no_clip=np.bool_(True), features="histogram")
    assert len(m["keyframes"]) == 3 and m["outputs"]["clip"] is None


@pytest.mark.parametrize("kwargs", [dict(threads=-3), dict(knn=-5), dict(groups=[0.5] * 50), dict(cost_budget=float("inf"),
                                    costs=[1.0] * 50), dict(function="graph-cut", lambda_=float("nan")),
                                    dict(optimizer="stochastic", epsilon=float("nan"))])
def test_select_checks_arguments_as_the_cli_does(kwargs):
    x = features(50, 4)
    with pytest.raises(ValueError):
        cs.select(x, budget=3, **kwargs)


def test_errors_name_keywords_not_flags():
    # The library names parameters; a Python user reads the keyword ("knn"), never a CLI flag ("--knn").
    with pytest.raises(ValueError) as e:
        cs.select(features(60, 4), budget=3, function="log-determinant", knn=4)
    assert "knn" in str(e.value) and "--" not in str(e.value)


def cosine_kernel(a, b):
    an = a / np.linalg.norm(a, axis=1, keepdims=True)
    bn = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (0.5 + 0.5 * an @ bn.T).astype(np.float32)


def test_a_precomputed_similarity_selects_what_the_features_select(tmp_path):
    x = features()
    d2 = ((x[:, None, :].astype(np.float64) - x[None, :, :]) ** 2).sum(-1)
    s = (d2.max() - d2).astype(np.float32)
    a = cs.select(x, budget=12, metric="euclidean")
    b = cs.select(s, budget=12, metric="precomputed")
    assert b.selected == a.selected
    assert b.objective == pytest.approx(a.objective, rel=1e-5)
    c = cli_select(tmp_path, s, "--budget", "12", "--metric", "precomputed")
    assert c["selected"] == b.selected and same_gains(c["gains"], b.gains)
    f = cs.GraphCut(cosine_kernel(x, x), metric="precomputed")
    assert f.evaluate([0, 1]) == pytest.approx(cs.GraphCut(x).evaluate([0, 1]), rel=1e-5)


def test_a_represented_set_other_than_the_ground_set(tmp_path):
    x, r = features(), features(40, seed=5)
    a = cs.select(x, budget=6, represented=r)
    s = cosine_kernel(x, r)  # ground x represented: what f covers is r
    b = cs.select(s, budget=6, metric="precomputed")
    assert a.selected == b.selected
    best = s[a.selected].max(axis=0).sum()
    assert a.objective == pytest.approx(float(best), rel=1e-5)
    assert cs.FacilityLocation(x, represented=r).evaluate(a.selected) == pytest.approx(float(best), rel=1e-5)
    # the greedy picks are optimal for their first step: the candidate that best represents r
    assert a.selected[0] == int(np.argmax(s.sum(axis=1)))
    np.save(tmp_path / "r.npy", r)
    c = cli_select(tmp_path, x, "--budget", "6", "--represented", str(tmp_path / "r.npy"))
    assert c["selected"] == a.selected and c["parameters"]["represented"]["m"] == 40


@pytest.mark.parametrize("call,needle", [
    (lambda x, r, s: cs.select(s, budget=3, metric="precomputed", function="feature-based"), "reads features"),
    (lambda x, r, s: cs.select(s, budget=3, metric="precomputed", function="graph-cut"), "ground set alone"),
    (lambda x, r, s: cs.select(x, budget=3, function="log-determinant", represented=r), "ground set alone"),
    (lambda x, r, s: cs.select(x, budget=3, represented=r[:, :4]), "same features"),
    (lambda x, r, s: cs.select(x, budget=3, represented=r, knn=5), "dense kernel"),
    (lambda x, r, s: cs.select(x, budget=3, represented=r, groups=[0] * len(x)), "per-group"),
    (lambda x, r, s: cs.select(np.triu(np.ones((5, 5), np.float32)), budget=3, metric="precomputed"), "not symmetric"),
    (lambda x, r, s: cs.select(np.full((4, 4), np.nan, np.float32), budget=2, metric="precomputed"), "NaN"),
])
def test_precomputed_and_represented_refuse_what_they_cannot_do(call, needle):
    x, r = features(60), features(10, seed=2)
    s = cosine_kernel(x, r)
    with pytest.raises(ValueError, match=needle):
        call(x, r, s)
