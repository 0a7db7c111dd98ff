"""The experiment statistics against GrowthBook's engine gbstats 0.8.0, number for number.

The reference values in tests/fixtures/experiments/gbstats_reference.json were computed by
gbstats itself; this test does not import it (gbstats pins pandas < 2 and numpy < 2). To
regenerate them, in a throwaway virtualenv outside the repository:

    python3.11 -m venv /work/bench/gbvenv
    /work/bench/gbvenv/bin/pip install gbstats==0.8.0
    /work/bench/gbvenv/bin/python tests/fixtures/experiments/gbstats_reference.py

Also here: GrowthBook's own worked examples (its test suite's expected values, as printed
there), one comparison and one SRM check worked by hand, and properties that hold for any input.
"""

import json
import math
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from usage_analytics.experiments.statistics import (
    RESULT_COLUMNS,
    Comparison,
    MetricType,
    ProportionSummary,
    RegressionAdjustedSummary,
    SampleMeanSummary,
    Summary,
    compare,
    compare_regression_adjusted,
    compute_theta,
    experiment_results,
    srm_p_value,
    summarize,
)

REFERENCE: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "experiments" / "gbstats_reference.json").read_text(
        encoding="utf-8"
    )
)
TOLERANCE = 1e-6


def close(expected: float) -> Any:
    """Equal to gbstats' value to 1e-6 (absolute, or relative above 1)."""
    return pytest.approx(expected, rel=TOLERANCE, abs=TOLERANCE)


def _summary(metric_type: MetricType, arm: dict[str, Any]) -> Summary:
    return summarize(metric_type, arm["n"], arm["sum"], arm["sum_squares"])


def _adjusted(metric_type: MetricType, arm: dict[str, Any]) -> RegressionAdjustedSummary:
    return RegressionAdjustedSummary(
        post=_summary(metric_type, arm),
        pre=summarize(metric_type, arm["n"], arm["pre_sum"], arm["pre_sum_squares"]),
        post_pre_sum_products=arm["post_pre_sum_products"],
    )


def _assert_matches_gbstats(comparison: Comparison, case: dict[str, Any]) -> None:
    frequentist, bayesian = case["frequentist"], case["bayesian"]
    if bayesian["error_message"] is not None:
        # gbstats' placeholder (lift 0, interval [0, 0], p 1, chance 0.5): no numbers here
        assert frequentist["p_value"] == 1 and bayesian["chance_to_win"] == 0.5
        assert comparison == Comparison(
            None, None, None, None, None, None, None, None, None, bayesian["error_message"]
        )
        return
    assert comparison.error_message is None
    assert comparison.relative_lift == close(frequentist["expected"])
    assert comparison.relative_lift == close(bayesian["expected"])
    assert comparison.lift_ci_lower == close(frequentist["ci"][0])
    assert comparison.lift_ci_upper == close(frequentist["ci"][1])
    assert comparison.p_value == close(frequentist["p_value"])
    assert comparison.chance_to_win == close(bayesian["chance_to_win"])
    assert comparison.credible_interval_lower == close(bayesian["ci"][0])
    assert comparison.credible_interval_upper == close(bayesian["ci"][1])
    assert comparison.risk_control == close(bayesian["risk"][0])
    assert comparison.risk_treatment == close(bayesian["risk"][1])


def _name(case: dict[str, Any]) -> str:
    return str(case["name"])


@pytest.mark.parametrize("case", REFERENCE["comparisons"], ids=_name)
def test_each_variation_s_mean_variance_and_stddev_are_gbstats(case: dict[str, Any]) -> None:
    for arm in ("control", "treatment"):
        summary = _summary(case["metric_type"], case[arm])
        expected = case[f"{arm}_moments"]
        assert summary.mean == close(expected["mean"])
        assert summary.variance == close(expected["variance"])
        assert summary.stddev == close(expected["stddev"])


@pytest.mark.parametrize("case", REFERENCE["comparisons"], ids=_name)
def test_compare_is_gbstats_ttest_and_bayesian_effect_test(case: dict[str, Any]) -> None:
    comparison = compare(
        _summary(case["metric_type"], case["control"]),
        _summary(case["metric_type"], case["treatment"]),
        inverse=case["inverse"],
    )
    _assert_matches_gbstats(comparison, case)


@pytest.mark.parametrize("case", REFERENCE["cuped"], ids=_name)
def test_cuped_is_gbstats_regression_adjustment(case: dict[str, Any]) -> None:
    control = _adjusted(case["metric_type"], case["control"])
    treatment = _adjusted(case["metric_type"], case["treatment"])
    assert compute_theta(control, treatment) == close(case["theta"])
    _assert_matches_gbstats(
        compare_regression_adjusted(control, treatment, inverse=case["inverse"]), case
    )


def test_the_reference_covers_every_metric_type_cuped_and_the_placeholders() -> None:
    """So the parametrized tests above cannot pass on a thinned-out reference file."""
    assert {case["metric_type"] for case in REFERENCE["comparisons"]} == {
        "binomial",
        "count",
        "sum",
    }
    assert {case["metric_type"] for case in REFERENCE["cuped"]} == {"binomial", "count", "sum"}
    assert any(case["theta"] == 0 for case in REFERENCE["cuped"])
    assert {
        case["bayesian"]["error_message"]
        for case in REFERENCE["comparisons"]
        if case["bayesian"]["error_message"]
    } == {"ZERO_NEGATIVE_BASELINE_VARIATION", "NO_UNITS_IN_VARIATION", "ZERO_NEGATIVE_VARIANCE"}
    assert any(case["p_value"] < 0.001 for case in REFERENCE["srm"])


@pytest.mark.parametrize("case", REFERENCE["srm"], ids=lambda case: str(case["users"]))
def test_srm_is_gbstats_check_srm(case: dict[str, Any]) -> None:
    p_value = srm_p_value(case["users"], case["weights"])
    if math.isnan(case["p_value"]):  # one variation: zero degrees of freedom
        assert math.isnan(p_value)
    else:
        assert p_value == close(case["p_value"])


def _pipeline_input() -> pd.DataFrame:
    pipeline = REFERENCE["pipeline"]
    return pd.DataFrame(
        [
            {
                "experiment_id": pipeline["experiment_id"],
                "metric_name": row["metric_name"],
                "metric_type": row["metric_type"],
                "role": row["role"],
                "variation_id": row["variation_id"],
                "is_control": row["is_control"],
                "variation_weight": row["variation_weight"],
                "count_users": row["n"],
                "metric_sum": row["sum"],
                "metric_sum_squares": row["sum_squares"],
                "pre_count_users": row["n"],
                "pre_sum": row["pre_sum"],
                "pre_sum_squares": row["pre_sum_squares"],
                "pre_post_sum_products": row["post_pre_sum_products"],
                "is_inverse": row["is_inverse"],
            }
            for row in pipeline["rows"]
        ]
    )


def test_experiment_results_is_gbstats_pipeline_for_a_three_variation_experiment() -> None:
    """Every number of the readout against what gbstats' own pipeline (process_analysis, the
    path from GrowthBook's query rows to its results page) returned for the same sums: plain
    and CUPED, frequentist and Bayesian, binomial, count and sum metrics, one of them inverse."""
    results = experiment_results(_pipeline_input())
    assert len(results) == len(REFERENCE["pipeline"]["rows"]) == 12
    for (_, result), row in zip(results.iterrows(), REFERENCE["pipeline"]["rows"], strict=True):
        gbstats = row["gbstats"]
        plain, cuped = gbstats["mean_frequentist"], gbstats["mean_ra_frequentist"]
        plain_bayes, cuped_bayes = gbstats["mean_bayesian"], gbstats["mean_ra_bayesian"]
        assert result["metric_mean"] == close(plain["mean"])
        assert result["metric_stddev"] == close(plain["stddev"])
        assert result["srm_p_value"] == close(plain["srm_p"])
        if row["is_control"]:
            assert result[["relative_lift", "p_value", "cuped_p_value"]].isna().all()
            continue
        assert result["relative_lift"] == close(plain["expected"])
        assert [result["lift_ci_lower"], result["lift_ci_upper"]] == [
            close(plain["ci"][0]),
            close(plain["ci"][1]),
        ]
        assert result["p_value"] == close(plain["p_value"])
        assert result["chance_to_win"] == close(plain_bayes["chance_to_win"])
        assert [result["risk_control"], result["risk_treatment"]] == [
            close(plain_bayes["risk"][0]),
            close(plain_bayes["risk"][1]),
        ]
        assert result["cuped_relative_lift"] == close(cuped["expected"])
        assert [result["cuped_lift_ci_lower"], result["cuped_lift_ci_upper"]] == [
            close(cuped["ci"][0]),
            close(cuped["ci"][1]),
        ]
        assert result["cuped_p_value"] == close(cuped["p_value"])
        assert result["cuped_chance_to_win"] == close(cuped_bayes["chance_to_win"])
        assert bool(result["is_significant"]) == (plain["p_value"] < 0.05)
    errors_b = results[(results["metric_name"] == "errors") & (results["variation_id"] == "b")]
    # errors is an inverse guardrail that went up significantly: the one failing guardrail
    assert errors_b["relative_lift"].item() > 0 and errors_b["p_value"].item() < 0.05
    assert results["is_guardrail_failing"].fillna(False).tolist() == [
        metric == "errors" and variation == "b"
        for metric, variation in zip(results["metric_name"], results["variation_id"], strict=True)
    ]


# --- GrowthBook's worked examples (packages/stats/tests at the 0.8.0 release, c6b15529f6) ---


def test_growthbook_ttest_worked_example() -> None:
    """frequentist/test_tests.py: control mean 0.41, sd 3.9, n 3407 against treatment mean
    0.70, sd 6.2, n 3461."""
    control = SampleMeanSummary(n=3407, sum=1396.87, sum_squares=52377.9767)
    treatment = SampleMeanSummary(n=3461, sum=2422.7, sum_squares=134698.29)
    assert (round(control.mean, 5), round(control.stddev, 5)) == (0.41, 3.9)
    assert (round(treatment.mean, 5), round(treatment.stddev, 5)) == (0.7, 6.2)
    result = compare(control, treatment)
    assert result.relative_lift is not None and result.p_value is not None
    assert round(result.relative_lift, 5) == 0.70732
    assert [round(result.lift_ci_lower or 0, 5), round(result.lift_ci_upper or 0, 5)] == [
        -0.03526,
        1.44989,
    ]
    assert round(result.p_value, 5) == 0.06191


def test_growthbook_binomial_ttest_worked_example() -> None:
    result = compare(ProportionSummary(n=28, sum=14), ProportionSummary(n=30, sum=16))
    assert round(result.relative_lift or 0, 5) == 0.06667
    assert [round(result.lift_ci_lower or 0, 5), round(result.lift_ci_upper or 0, 5)] == [
        -0.47767,
        0.61101,
    ]
    assert round(result.p_value or 0, 5) == 0.80707


@pytest.mark.parametrize(
    ("control", "treatment", "interval", "chance_to_win", "risk"),
    [
        (
            ProportionSummary(n=100, sum=49),
            ProportionSummary(n=100, sum=51),
            [-0.24779, 0.32943],
            0.60918,
            [0.0814, 0.04058],
        ),
        (
            SampleMeanSummary(n=10, sum=100, sum_squares=1002.25),
            SampleMeanSummary(n=10, sum=105, sum_squares=1111.5),
            [-0.02, 0.12],
            0.91923,
            [0.05131, 0.00131],
        ),
    ],
)
def test_growthbook_bayesian_worked_examples(
    control: Summary,
    treatment: Summary,
    interval: list[float],
    chance_to_win: float,
    risk: list[float],
) -> None:
    """bayesian/test_tests.py: the improper-prior effect test's interval, chance and risk."""
    result = compare(control, treatment)
    assert [
        round(result.credible_interval_lower or 0, 5),
        round(result.credible_interval_upper or 0, 5),
    ] == interval
    assert round(result.chance_to_win or 0, 5) == chance_to_win
    assert [round(result.risk_control or 0, 5), round(result.risk_treatment or 0, 5)] == risk


@pytest.mark.parametrize(
    ("metric_type", "lift", "p_value"),
    [("count", -0.281707154, 0.003736297), ("binomial", -0.316211568, 0.00000035)],
)
def test_growthbook_cuped_worked_examples(
    metric_type: MetricType, lift: float, p_value: float
) -> None:
    """test_gbstats.py, TestAnalyzeMetricDfRegressionAdjustment (9 decimals)."""
    control = _adjusted(
        metric_type,
        {"n": 3001, "sum": 300, "sum_squares": 600, "pre_sum": 210, "pre_sum_squares": 415}
        | {"post_pre_sum_products": -20},
    )
    treatment = _adjusted(
        metric_type,
        {"n": 3000, "sum": 222, "sum_squares": 555, "pre_sum": 120, "pre_sum_squares": 405}
        | {"post_pre_sum_products": -10},
    )
    result = compare_regression_adjusted(control, treatment)
    assert round(result.relative_lift or 0, 9) == lift
    assert round(result.p_value or 0, 9) == p_value
    # not the unadjusted lift (0.074 - 0.099966678) / 0.099966678 = -0.25975
    assert round(result.relative_lift or 0, 3) != round((0.074 - 300 / 3001) / (300 / 3001), 3)


@pytest.mark.parametrize("inverse", [False, True])
def test_growthbook_pipeline_worked_example(inverse: bool) -> None:
    """test_gbstats.py, dimension "one" of MULTI_DIMENSION_STATISTICS_DF (9 decimals)."""
    control = SampleMeanSummary(n=100, sum=270, sum_squares=848.79)
    treatment = SampleMeanSummary(n=120, sum=300, sum_squares=869)
    result = compare(control, treatment, inverse=inverse)
    assert round(result.relative_lift or 0, 9) == -0.074074074
    assert round(result.p_value or 0, 9) == 0.145219005
    chance = 1 - 0.071834168 if inverse else 0.071834168
    assert round(result.chance_to_win or 0, 9) == round(chance, 9)
    assert round(result.risk_treatment or 0, 9) == (0.001617057 if inverse else 0.075691131)


# --- worked by hand ---


def test_a_binomial_comparison_worked_by_hand() -> None:
    """Control 10 of 100 converted, treatment 15 of 100.

    p_a = 0.10, var_a = 0.10 * 0.90 = 0.09;  p_b = 0.15, var_b = 0.15 * 0.85 = 0.1275
    lift = (0.15 - 0.10) / 0.10 = 0.5
    delta-method variance = var_b / (p_a² n_b) + var_a p_b² / (p_a⁴ n_a)
        = 0.1275 / (0.01 * 100) + 0.09 * 0.0225 / (0.0001 * 100) = 0.1275 + 0.2025 = 0.33
    standard error = √0.33 = 0.574456;  t = 0.5 / 0.574456 = 0.870388
    Welch dof = (var_b/n_b + var_a/n_a)² / (var_b²/(n_b² (n_b-1)) + var_a²/(n_a² (n_a-1)))
        = 0.002175² / ((0.01625625 + 0.0081) / 990000) = 4.730625e-6 / 2.460227e-8 = 192.284
    t quantile 0.975 at 192.284 dof = 1.972378 -> half width 1.972378 * 0.574456 = 1.133045
    two-sided p = 2 P(T_192.284 > 0.870388) = 0.385174
    Bayesian (flat prior): lift ~ N(0.5, 0.574456²);  z = 0.870388, Φ(z) = 0.807956,
    φ(z) = 0.273152
    chance to win = Φ(z) = 0.807956
    risk of control = E[max(X, 0)] = μ Φ(z) + σ φ(z) = 0.403978 + 0.156914 = 0.560892
    risk of treatment = E[max(-X, 0)] = σ φ(z) - μ Φ(-z) = 0.156914 - 0.096022 = 0.060892
    (the risks are the closed form, not gbstats' truncated-normal route: an independent check)
    """
    result = compare(ProportionSummary(n=100, sum=10), ProportionSummary(n=100, sum=15))
    hand = pytest.approx
    assert result.relative_lift == hand(0.5, abs=1e-12)
    assert result.lift_ci_lower == hand(0.5 - 1.133045, abs=1e-6)
    assert result.lift_ci_upper == hand(0.5 + 1.133045, abs=1e-6)
    assert result.p_value == hand(0.385174, abs=1e-6)
    assert result.chance_to_win == hand(0.807956, abs=1e-6)
    assert result.risk_control == hand(0.560892, abs=1e-6)
    assert result.risk_treatment == hand(0.060892, abs=1e-6)


def test_an_srm_check_worked_by_hand() -> None:
    """480 and 520 users where 1:1 was expected: 500 each expected,
    chi² = (480 - 500)²/500 + (520 - 500)²/500 = 0.8 + 0.8 = 1.6 with 1 degree of freedom;
    for 1 dof P(χ² > x) = 2 (1 - Φ(√x)) = 2 (1 - Φ(1.264911)) = 2 (1 - 0.897048) = 0.205903."""
    assert srm_p_value([480, 520], [1, 1]) == pytest.approx(0.205903, abs=1e-6)
    assert srm_p_value([480, 520], [0.5, 0.5]) == srm_p_value([480, 520], [1, 1])


def test_theta_is_the_slope_of_post_on_pre_over_both_arms() -> None:
    """CUPED's theta from the sums equals an ordinary least-squares fit on the raw values."""
    pre_a, post_a = np.array([1.0, 0, 3, 2, 5]), np.array([2.0, 1, 4, 2, 7])
    pre_b, post_b = np.array([0.0, 2, 4, 1]), np.array([1.0, 3, 6, 1])

    def arm(post: np.ndarray, pre: np.ndarray) -> RegressionAdjustedSummary:
        return RegressionAdjustedSummary(
            post=SampleMeanSummary(post.size, post.sum(), (post**2).sum()),
            pre=SampleMeanSummary(pre.size, pre.sum(), (pre**2).sum()),
            post_pre_sum_products=(post * pre).sum(),
        )

    slope = np.polyfit(np.concatenate([pre_a, pre_b]), np.concatenate([post_a, post_b]), 1)[0]
    assert compute_theta(arm(post_a, pre_a), arm(post_b, pre_b)) == pytest.approx(slope)


# --- the readout table ---


def _experiment(**overrides: Any) -> pd.DataFrame:
    rows = [
        ("exp", "signed_up", "binomial", "goal", "a", True, 0.5, 1000, 100.0, 100.0),
        ("exp", "signed_up", "binomial", "goal", "b", False, 0.5, 1010, 160.0, 160.0),
        ("exp", "refunds", "binomial", "guardrail", "a", True, 0.5, 1000, 200.0, 200.0),
        ("exp", "refunds", "binomial", "guardrail", "b", False, 0.5, 1010, 120.0, 120.0),
        ("exp", "spend", "sum", "guardrail", "a", True, 0.5, 1000, 5000.0, 90000.0),
        ("exp", "spend", "sum", "guardrail", "b", False, 0.5, 1010, 4000.0, 60000.0),
    ]
    columns = [
        "experiment_id",
        "metric_name",
        "metric_type",
        "role",
        "variation_id",
        "is_control",
        "variation_weight",
        "count_users",
        "metric_sum",
        "metric_sum_squares",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["pre_count_users"] = pd.array([None] * len(frame), dtype="Int64")
    for column in ("pre_sum", "pre_sum_squares", "pre_post_sum_products"):
        frame[column] = np.nan
    for column, value in overrides.items():
        frame[column] = value
    return frame


def test_the_readout_keeps_the_input_and_adds_columns_duckdb_types_stably() -> None:
    frame = _experiment()
    results = experiment_results(frame)
    assert list(results.columns) == [*frame.columns, "is_inverse", *RESULT_COLUMNS]
    assert {column: str(results[column].dtype) for column in RESULT_COLUMNS} == RESULT_COLUMNS
    pd.testing.assert_frame_equal(results[frame.columns], frame)
    described = duckdb.connect().execute("describe select * from results").fetchall()
    types = {name: column_type for name, column_type, *_ in described}
    assert {column: types[column] for column in RESULT_COLUMNS} == {
        column: "DOUBLE" if dtype == "float64" else "BOOLEAN"
        for column, dtype in RESULT_COLUMNS.items()
    }


def test_control_rows_carry_no_comparison_and_guardrails_fail_only_the_wrong_way() -> None:
    results = experiment_results(_experiment()).set_index(["metric_name", "variation_id"])
    experiment_columns = ("metric_mean", "metric_stddev", "srm_p_value", "is_srm")
    comparison_columns = [c for c in RESULT_COLUMNS if c not in experiment_columns]
    assert results.xs("a", level="variation_id")[comparison_columns].isna().all().all()
    assert results.xs("b", level="variation_id")[comparison_columns].notna().all().all()
    # SRM is the experiment's: 1000 vs 1010 at 1:1 is no mismatch, on every row
    assert results["srm_p_value"].nunique() == 1 and not results["is_srm"].any()
    # signed_up rose (a goal); refunds and spend fell significantly (guardrails, higher is better)
    assert results.loc[("signed_up", "b"), "is_significant"]
    assert not results.loc[("signed_up", "b"), "is_guardrail_failing"]
    for metric in ("refunds", "spend"):
        assert results.loc[(metric, "b"), "relative_lift"] < 0
        assert results.loc[(metric, "b"), "p_value"] < 0.05
        assert results.loc[(metric, "b"), "is_guardrail_failing"]
    # refunds as an inverse metric (lower is better): the same fall is the right way now, and
    # the chance to win is that of a fall
    inverse = experiment_results(
        _experiment(is_inverse=[False, False, True, True, False, False])
    ).set_index(["metric_name", "variation_id"])
    assert not inverse.loc[("refunds", "b"), "is_guardrail_failing"]
    assert inverse.loc[("refunds", "b"), "chance_to_win"] == pytest.approx(
        1 - results.loc[("refunds", "b"), "chance_to_win"]
    )
    assert inverse.loc[("spend", "b"), "is_guardrail_failing"]


def test_without_pre_period_data_cuped_is_the_unadjusted_result() -> None:
    results = experiment_results(_experiment())
    for column in ("relative_lift", "lift_ci_lower", "lift_ci_upper", "p_value", "chance_to_win"):
        pd.testing.assert_series_equal(
            results[f"cuped_{column}"], results[column], check_names=False
        )


def test_a_metric_without_control_row_and_a_placeholder_comparison_give_nulls() -> None:
    frame = _experiment()
    frame.loc[frame["metric_name"] == "spend", "is_control"] = False
    frame.loc[(frame["metric_name"] == "signed_up") & frame["is_control"], "metric_sum"] = 0.0
    results = experiment_results(frame)
    treated = results[~results["is_control"]].set_index("metric_name")
    assert treated.loc["spend"][["relative_lift", "is_significant"]].isna().all().all()
    assert pd.isna(treated.loc["signed_up", "p_value"])  # control mean 0: gbstats' placeholder
    assert pd.isna(treated.loc["signed_up", "is_guardrail_failing"])
    assert treated.loc["refunds", "p_value"] > 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="pre_sum"), "missing column(s) pre_sum"),
        (lambda f: f.assign(metric_type="ratio"), "metric_type 'ratio'"),
        (lambda f: f.assign(role="primary"), "role 'primary'"),
        (lambda f: f.assign(is_control=True), "has 2 control rows"),
        (lambda f: f.assign(count_users=-1), "count_users is -1"),
        (lambda f: f.assign(metric_sum=np.inf), "metric_sum is inf"),
        (lambda f: f.assign(variation_weight=None), "variation_weight is null"),
        (
            lambda f: f.assign(count_users=[1000, 1010, 1000, 1010, 1000, 1011]),
            "metrics 'refunds' and 'spend' disagree",
        ),
    ],
)
def test_unusable_input_is_one_line_naming_the_value(change: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        experiment_results(change(_experiment()))


# --- properties that hold for any input ---


@st.composite
def arms(draw: st.DrawFn) -> tuple[Summary, Summary]:
    """Two arms of one metric type with users, a non-zero control mean and some variance."""
    if draw(st.booleans()):
        pairs = []
        for _ in range(2):
            n = draw(st.integers(2, 1_000_000))
            pairs.append(ProportionSummary(n=n, sum=draw(st.integers(1, n - 1))))
        return pairs[0], pairs[1]
    summaries = []
    for _ in range(2):
        n = draw(st.integers(2, 100_000))
        mean = draw(st.floats(0.1, 1000))
        stddev = draw(st.floats(0.1, 1000))
        sum_ = n * mean
        summaries.append(SampleMeanSummary(n, sum_, (n - 1) * stddev**2 + sum_**2 / n))
    return summaries[0], summaries[1]


def _numbers(result: Comparison) -> dict[str, float]:
    values = {
        name: getattr(result, name)
        for name in (
            "relative_lift",
            "lift_ci_lower",
            "lift_ci_upper",
            "p_value",
            "chance_to_win",
            "credible_interval_lower",
            "credible_interval_upper",
            "risk_control",
            "risk_treatment",
        )
    }
    assert all(value is not None for value in values.values()), result
    return values


@settings(max_examples=100, deadline=None)
@given(arms())
def test_intervals_probabilities_and_risks_are_consistent(pair: tuple[Summary, Summary]) -> None:
    v = _numbers(compare(*pair))
    assert v["lift_ci_lower"] <= v["relative_lift"] <= v["lift_ci_upper"]
    assert v["credible_interval_lower"] <= v["relative_lift"] <= v["credible_interval_upper"]
    assert 0 <= v["p_value"] <= 1 and 0 <= v["chance_to_win"] <= 1
    assert v["risk_control"] >= 0 and v["risk_treatment"] >= 0
    # E[max(X, 0)] - E[max(-X, 0)] = E[X]: the risks differ by the lift
    width = v["lift_ci_upper"] - v["lift_ci_lower"]
    assert v["risk_control"] - v["risk_treatment"] == pytest.approx(
        v["relative_lift"], abs=1e-9 * max(1.0, width, abs(v["relative_lift"]))
    )
    # significant at 5 % exactly when the 95 % interval leaves out 0
    assume(abs(v["p_value"] - 0.05) > 1e-9)
    assert (v["p_value"] < 0.05) == (v["lift_ci_lower"] > 0 or v["lift_ci_upper"] < 0)


@settings(max_examples=100, deadline=None)
@given(arms())
def test_swapping_the_arms_inverts_the_ratio_and_the_verdict(pair: tuple[Summary, Summary]) -> None:
    """(b - a)/a and (a - b)/b satisfy (1 + lift)(1 + swapped) = 1. The chance to win does not
    become exactly 1 - chance: the relative delta method scales each direction by its own
    baseline, so only the side of 1/2 is guaranteed to flip."""
    control, treatment = pair
    forward, backward = _numbers(compare(control, treatment)), _numbers(compare(treatment, control))
    assert (1 + forward["relative_lift"]) * (1 + backward["relative_lift"]) == pytest.approx(1)
    assert (forward["chance_to_win"] - 0.5) * (backward["chance_to_win"] - 0.5) <= 1e-12


@settings(max_examples=100, deadline=None)
@given(arms())
def test_an_inverse_metric_flips_the_chance_and_swaps_the_risks(
    pair: tuple[Summary, Summary],
) -> None:
    higher, lower = _numbers(compare(*pair)), _numbers(compare(*pair, inverse=True))
    assert lower["chance_to_win"] == pytest.approx(1 - higher["chance_to_win"], abs=1e-12)
    assert (lower["risk_control"], lower["risk_treatment"]) == (
        higher["risk_treatment"],
        higher["risk_control"],
    )
    for name in ("relative_lift", "lift_ci_lower", "lift_ci_upper", "p_value"):
        assert lower[name] == higher[name]


@settings(max_examples=100, deadline=None)
@given(arms(), st.floats(0.01, 100))
def test_relative_results_do_not_depend_on_the_unit(
    pair: tuple[Summary, Summary], scale: float
) -> None:
    """Revenue in cents or in euros: the same lift, p-value and chance to win."""
    assume(isinstance(pair[0], SampleMeanSummary))

    def rescaled(summary: Summary) -> SampleMeanSummary:
        assert isinstance(summary, SampleMeanSummary)
        return SampleMeanSummary(summary.n, summary.sum * scale, summary.sum_squares * scale**2)

    original = _numbers(compare(*pair))
    scaled = _numbers(compare(rescaled(pair[0]), rescaled(pair[1])))
    for name in ("relative_lift", "p_value", "chance_to_win"):
        assert scaled[name] == pytest.approx(original[name], rel=1e-6, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(arms())
def test_cuped_without_pre_period_variance_is_the_unadjusted_comparison(
    pair: tuple[Summary, Summary],
) -> None:
    def without_pre(summary: Summary) -> RegressionAdjustedSummary:
        pre = summarize(
            "binomial" if isinstance(summary, ProportionSummary) else "count", summary.n, 0, 0
        )
        return RegressionAdjustedSummary(post=summary, pre=pre, post_pre_sum_products=0)

    control, treatment = pair
    assert compare_regression_adjusted(without_pre(control), without_pre(treatment)) == compare(
        control, treatment
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 100_000), min_size=2, max_size=5), st.data())
def test_srm_p_value_is_a_probability_and_ignores_the_scale_of_the_weights(
    users: list[int], data: st.DataObject
) -> None:
    weights = data.draw(st.lists(st.floats(0.01, 10), min_size=len(users), max_size=len(users)))
    p_value = srm_p_value(users, weights)
    assert 0 <= p_value <= 1
    assert srm_p_value(users, [w * 7 for w in weights]) == pytest.approx(p_value, abs=1e-9)
    if all(users):
        # the observed split itself as the weights: no mismatch at all
        assert srm_p_value(users, [float(u) for u in users]) == pytest.approx(1, abs=1e-9)
