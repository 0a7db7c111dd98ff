"""An experiment's readout with the statistics of GrowthBook's engine, gbstats 0.8.0.

gbstats cannot be installed here (0.8.0 pins pandas < 2 and numpy < 2), so this module ports the
formulas it uses by default, line for line where the order of floating-point operations could
matter, and ``tests/unit/test_experiment_statistics.py`` checks every number against values
gbstats itself computed (``tests/fixtures/experiments/gbstats_reference.json``).

What each piece reproduces (gbstats 0.8.0 names):

- ``srm_p_value``: ``utils.check_srm``, Pearson's chi-square of the users per variation against
  the shares the weights expect.
- ``ProportionSummary`` / ``SampleMeanSummary``: ``ProportionStatistic`` (binomial metrics) and
  ``SampleMeanStatistic`` (count and sum metrics; gbstats calls both "count").
- ``compare``: ``frequentist.tests.TwoSidedTTest`` and ``bayesian.tests.EffectBayesianABTest``
  with their defaults: relative difference, delta method, alpha 0.05, improper flat prior.
- ``RegressionAdjustedSummary`` / ``compute_theta`` / ``compare_regression_adjusted``: CUPED,
  ``RegressionAdjustedStatistic`` with theta pooled over both arms.
- ``experiment_results``: gbstats' ``analyze_metric_df`` reshaped into one row per experiment,
  metric and variation, the columns of the ``agg_experiment_results`` mart.

Where gbstats gives up on a comparison (control mean 0, a variation without users, zero or
negative variance) it returns a placeholder result (lift 0, interval [0, 0], p-value 1, chance
to win 0.5); here every number of that comparison is ``None`` and ``error_message`` carries
gbstats' reason, so a placeholder can never be read as a measured "no effect".
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm, t, truncnorm

ALPHA = 0.05
"""GrowthBook's default significance level (two-sided), also the width of the intervals."""
SRM_THRESHOLD = 0.001
"""GrowthBook flags a sample-ratio mismatch when the chi-square p-value is below this."""

MetricType = Literal["binomial", "count", "sum"]
METRIC_TYPES: tuple[MetricType, ...] = ("binomial", "count", "sum")
ROLES = ("goal", "guardrail")

# gbstats.messages: why a comparison returned the placeholder result
BASELINE_VARIATION_ZERO_MESSAGE = "ZERO_NEGATIVE_BASELINE_VARIATION"
NO_UNITS_IN_VARIATION_MESSAGE = "NO_UNITS_IN_VARIATION"
ZERO_NEGATIVE_VARIANCE_MESSAGE = "ZERO_NEGATIVE_VARIANCE"


def srm_p_value(users: Sequence[int], weights: Sequence[float]) -> float:
    """The sample-ratio-mismatch p-value (gbstats ``check_srm``).

    Pearson's chi-square statistic of the observed users per variation against the users the
    weights expect (weights are normalized to shares), with one degree of freedom less than the
    number of variations. As in gbstats: no users at all gives 1.0, a variation with weight <= 0
    adds nothing to the statistic (its users still count in the total), and a single variation
    (zero degrees of freedom) gives NaN.
    """
    if len(users) != len(weights):
        raise ValueError(f"srm_p_value: {len(users)} user counts but {len(weights)} weights")
    total_observed = sum(users)
    if not total_observed:
        return 1.0
    total_weight = sum(weights)
    statistic = 0.0
    for observed, weight in zip(users, weights, strict=True):
        if weight <= 0:
            continue
        expected = weight / total_weight * total_observed
        statistic = statistic + ((observed - expected) ** 2) / expected
    return float(chi2.sf(statistic, len(users) - 1))


def _stddev(variance: float) -> float:
    """gbstats ``Statistic.stddev``: a zero or negative (rounding) variance gives 0."""
    return 0.0 if variance <= 0 else float(np.sqrt(variance))


@dataclass(frozen=True)
class _MeanSummary:
    """``n`` users and the ``sum`` of their values: the mean and stddev gbstats'
    statistics share (the variance is each kind's own)."""

    n: int
    sum: float

    @property
    def mean(self) -> float:
        return 0.0 if self.n == 0 else self.sum / self.n

    @property
    def unadjusted_mean(self) -> float:
        return self.mean

    @property
    def variance(self) -> float:
        raise NotImplementedError

    @property
    def stddev(self) -> float:
        return _stddev(self.variance)


@dataclass(frozen=True)
class ProportionSummary(_MeanSummary):
    """A binomial metric in one variation (gbstats ``ProportionStatistic``).

    ``n`` users, ``sum`` of them converted. The variance is the Bernoulli variance p(1 - p),
    without the n / (n - 1) correction, as gbstats takes it.
    """

    @property
    def variance(self) -> float:
        return self.mean * (1 - self.mean)


@dataclass(frozen=True)
class SampleMeanSummary(_MeanSummary):
    """A count or sum metric in one variation (gbstats ``SampleMeanStatistic``).

    ``n`` users, ``sum`` of their values and ``sum_squares`` of their squared values. The
    variance is the sample variance (divided by n - 1), 0 for fewer than two users.
    """

    sum_squares: float

    @property
    def variance(self) -> float:
        if self.n <= 1:
            return 0.0
        return (self.sum_squares - pow(self.sum, 2) / self.n) / (self.n - 1)


Summary = ProportionSummary | SampleMeanSummary


def summarize(
    metric_type: MetricType, n: int, metric_sum: float, metric_sum_squares: float
) -> Summary:
    """The summary gbstats builds for a metric type: binomial is a proportion, count and sum
    are sample means (the sum of squares of a binomial metric is not read)."""
    if metric_type == "binomial":
        return ProportionSummary(n=n, sum=metric_sum)
    if metric_type in ("count", "sum"):
        return SampleMeanSummary(n=n, sum=metric_sum, sum_squares=metric_sum_squares)
    raise ValueError(f"metric_type {metric_type!r} is not one of {', '.join(METRIC_TYPES)}")


@dataclass(frozen=True)
class RegressionAdjustedSummary:
    """A metric and the same metric before exposure, per user, in one variation (the sums of
    gbstats ``RegressionAdjustedStatistic``).

    Both periods are over the same ``n`` users (a user without pre-exposure data contributes 0
    to the ``pre`` sums); ``post_pre_sum_products`` is the sum over users of post value times
    pre value. The adjustment coefficient theta is not stored here: it belongs to a pair of
    variations (``compute_theta``).
    """

    post: Summary
    pre: Summary
    post_pre_sum_products: float

    def __post_init__(self) -> None:
        if self.post.n != self.pre.n:
            raise ValueError(
                f"the pre-exposure summary has n={self.pre.n} but the metric n={self.post.n}: "
                "both periods must be over the same users"
            )

    @property
    def n(self) -> int:
        return self.post.n

    @property
    def covariance(self) -> float:
        """Sample covariance of post and pre values (n - 1), 0 for fewer than two users."""
        if self.n <= 1:
            return 0.0
        return (self.post_pre_sum_products - self.post.sum * self.pre.sum / self.n) / (self.n - 1)


@dataclass(frozen=True)
class _ThetaAdjusted:
    """A ``RegressionAdjustedSummary`` with its theta: the moments gbstats' tests read from a
    ``RegressionAdjustedStatistic``."""

    summary: RegressionAdjustedSummary
    theta: float

    @property
    def n(self) -> int:
        return self.summary.n

    @property
    def mean(self) -> float:
        return self.summary.post.mean - self.theta * self.summary.pre.mean

    @property
    def unadjusted_mean(self) -> float:
        return self.summary.post.mean

    @property
    def variance(self) -> float:
        if self.n <= 1:
            return 0.0
        return (
            self.summary.post.variance
            + pow(self.theta, 2) * self.summary.pre.variance
            - 2 * self.theta * self.summary.covariance
        )


class _Statistic(Protocol):
    """What gbstats' tests read from a statistic."""

    @property
    def n(self) -> int: ...

    @property
    def mean(self) -> float: ...

    @property
    def unadjusted_mean(self) -> float: ...

    @property
    def variance(self) -> float: ...


def _joint(a: Summary, b: Summary, n: int) -> Summary:
    """gbstats ``create_joint_statistic``: both arms' sums as one sample of ``n`` users."""
    if isinstance(a, ProportionSummary) and isinstance(b, ProportionSummary):
        return ProportionSummary(n=n, sum=a.sum + b.sum)
    if isinstance(a, SampleMeanSummary) and isinstance(b, SampleMeanSummary):
        return SampleMeanSummary(n=n, sum=a.sum + b.sum, sum_squares=a.sum_squares + b.sum_squares)
    raise ValueError("a metric's summaries must be of the same type in both variations")


def compute_theta(
    control: RegressionAdjustedSummary, treatment: RegressionAdjustedSummary
) -> float:
    """The CUPED coefficient (gbstats ``compute_theta``): the slope of post on pre values over
    both arms pooled, cov(post, pre) / var(pre). 0 when either period has no variance over the
    pooled users, which makes the comparison fall back to the unadjusted one."""
    n = control.n + treatment.n
    joint_post = _joint(control.post, treatment.post, n)
    joint_pre = _joint(control.pre, treatment.pre, n)
    if joint_pre.variance == 0 or joint_post.variance == 0:
        return 0.0
    joint = RegressionAdjustedSummary(
        post=joint_post,
        pre=joint_pre,
        post_pre_sum_products=control.post_pre_sum_products + treatment.post_pre_sum_products,
    )
    return joint.covariance / joint.pre.variance


@dataclass(frozen=True)
class Comparison:
    """A treatment against the control, as relative lift ((treatment - control) / control).

    ``relative_lift``, ``lift_ci_lower``/``lift_ci_upper`` (95 %) and ``p_value`` (two-sided)
    are gbstats' frequentist ``TwoSidedTTest``; ``chance_to_win``, the credible interval and
    the two risks are its Bayesian ``EffectBayesianABTest`` with the improper flat prior, whose
    posterior mean is the same relative lift. ``risk_control`` is the expected relative lift
    forgone by keeping the control, ``risk_treatment`` the expected relative loss of shipping
    the treatment (swapped, like chance to win, for an inverse metric). When gbstats returns its
    placeholder result every number is ``None`` and ``error_message`` says why.
    """

    relative_lift: float | None
    lift_ci_lower: float | None
    lift_ci_upper: float | None
    p_value: float | None
    chance_to_win: float | None
    credible_interval_lower: float | None
    credible_interval_upper: float | None
    risk_control: float | None
    risk_treatment: float | None
    error_message: str | None = None


def _no_comparison(error_message: str) -> Comparison:
    return Comparison(None, None, None, None, None, None, None, None, None, error_message)


def _truncated_normal_mean(mean: float, stddev: float, lower: float, upper: float) -> float:
    """gbstats ``utils.truncated_normal_mean``: the mean of N(mean, stddev²) truncated to
    [lower, upper], through scipy's ``truncnorm`` as gbstats does."""
    lower_z, upper_z = (lower - mean) / stddev, (upper - mean) / stddev
    # scipy works out the higher moments too; far in a tail their arithmetic warns (0 ** 1.5,
    # 0 / 0) without touching the mean
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(truncnorm.stats(lower_z, upper_z, loc=mean, scale=stddev, moments="m"))


def _risk(mean: float, stddev: float) -> tuple[float, float]:
    """gbstats ``EffectBayesianABTest.get_risk``: (risk of control, risk of treatment).

    With X the posterior of the lift, risk of control = P(X > 0) E[X | X > 0] and risk of
    treatment = -P(X < 0) E[X | X < 0]; their difference is E[X]."""
    probability_control_better = norm.cdf(0.0, loc=mean, scale=stddev)
    mean_negative = _truncated_normal_mean(mean, stddev, -np.inf, 0.0)
    mean_positive = _truncated_normal_mean(mean, stddev, 0.0, np.inf)
    risk_control = float((1.0 - probability_control_better) * mean_positive)
    risk_treatment = -float(probability_control_better * mean_negative)
    return risk_control, risk_treatment


def _compare(control: _Statistic, treatment: _Statistic, inverse: bool) -> Comparison:
    """gbstats' two default tests on a pair of statistics (plain or theta-adjusted).

    The placeholder conditions are the Bayesian test's, in its order; the frequentist test's are
    the same cases (a variation without users has zero variance), named differently for an
    empty treatment (gbstats' t-test says ZERO_NEGATIVE_VARIANCE there).
    """
    if control.mean == 0 or control.unadjusted_mean == 0:
        return _no_comparison(BASELINE_VARIATION_ZERO_MESSAGE)
    if control.n == 0 or treatment.n == 0:
        return _no_comparison(NO_UNITS_IN_VARIATION_MESSAGE)
    if control.variance <= 0 or treatment.variance <= 0:
        return _no_comparison(ZERO_NEGATIVE_VARIANCE_MESSAGE)

    # frequentist_diff and frequentist_variance (relative): the delta method for
    # (mean_b - mean_a) / mean_a, the denominator and the variance's means unadjusted
    baseline = control.unadjusted_mean
    lift = (treatment.mean - control.mean) / baseline
    variance = treatment.variance / (pow(baseline, 2) * treatment.n) + control.variance * pow(
        treatment.unadjusted_mean, 2
    ) / (pow(baseline, 4) * control.n)
    standard_error = float(np.sqrt(variance))

    # TwoSidedTTest: Welch-Satterthwaite degrees of freedom on the arms' own variances
    dof = pow(treatment.variance / treatment.n + control.variance / control.n, 2) / (
        pow(treatment.variance, 2) / (pow(treatment.n, 2) * (treatment.n - 1))
        + pow(control.variance, 2) / (pow(control.n, 2) * (control.n - 1))
    )
    critical_value = lift / standard_error
    p_value = 2 * (1 - float(t.cdf(abs(critical_value), dof)))
    half_width = float(t.ppf(1 - ALPHA / 2, dof)) * standard_error

    # EffectBayesianABTest with the improper prior: posterior N(lift, variance); its precision
    # is the data's plus int(proper) / prior variance = 0, kept so the rounding is gbstats'
    posterior_stddev = float(np.sqrt(1 / (1 / variance + 0.0)))
    chance_to_win = float(norm.sf(0, lift, posterior_stddev))
    credible = norm.ppf([ALPHA / 2, 1 - ALPHA / 2], lift, posterior_stddev)
    risk_control, risk_treatment = _risk(lift, posterior_stddev)
    if inverse:
        chance_to_win = 1 - chance_to_win
        risk_control, risk_treatment = risk_treatment, risk_control

    return Comparison(
        relative_lift=lift,
        lift_ci_lower=lift - half_width,
        lift_ci_upper=lift + half_width,
        p_value=p_value,
        chance_to_win=chance_to_win,
        credible_interval_lower=float(credible[0]),
        credible_interval_upper=float(credible[1]),
        risk_control=risk_control,
        risk_treatment=risk_treatment,
    )


def compare(control: Summary, treatment: Summary, *, inverse: bool = False) -> Comparison:
    """A treatment against the control with GrowthBook's default tests (see ``Comparison``).

    ``inverse`` is gbstats' inverse metric (lower is better: a bounce or an error count): the
    chance to win becomes P(lift < 0) and the risks swap; the frequentist numbers do not change.
    """
    if type(control) is not type(treatment):
        raise ValueError("a metric's summaries must be of the same type in both variations")
    return _compare(control, treatment, inverse)


def compare_regression_adjusted(
    control: RegressionAdjustedSummary,
    treatment: RegressionAdjustedSummary,
    *,
    inverse: bool = False,
) -> Comparison:
    """The CUPED comparison, as gbstats' tests handle two ``RegressionAdjustedStatistic``.

    Theta is pooled over both arms (``compute_theta``). Each arm's adjusted mean is
    post mean - theta * pre mean and its variance var(post) + theta² var(pre) - 2 theta
    cov(post, pre); the lift is the difference of adjusted means over the control's unadjusted
    mean, and the delta-method variance takes the adjusted variances with the unadjusted means.
    With theta 0 (no variance before exposure) the result is the unadjusted ``compare``.
    """
    theta = compute_theta(control, treatment)
    if theta == 0:
        return compare(control.post, treatment.post, inverse=inverse)
    return _compare(_ThetaAdjusted(control, theta), _ThetaAdjusted(treatment, theta), inverse)


# --- the readout table -------------------------------------------------------------------------

REQUIRED_COLUMNS = (
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
    "pre_sum",
    "pre_sum_squares",
    "pre_post_sum_products",
)
"""``experiment_results``' input; ``pre_count_users`` and ``is_inverse`` are optional."""

RESULT_COLUMNS: dict[str, str] = {
    "metric_mean": "float64",
    "metric_stddev": "float64",
    "relative_lift": "float64",
    "lift_ci_lower": "float64",
    "lift_ci_upper": "float64",
    "p_value": "float64",
    "chance_to_win": "float64",
    "risk_control": "float64",
    "risk_treatment": "float64",
    "cuped_relative_lift": "float64",
    "cuped_lift_ci_lower": "float64",
    "cuped_lift_ci_upper": "float64",
    "cuped_p_value": "float64",
    "cuped_chance_to_win": "float64",
    "srm_p_value": "float64",
    "is_srm": "boolean",
    "is_significant": "boolean",
    "is_guardrail_failing": "boolean",
}
"""The columns ``experiment_results`` adds, with their dtypes (DuckDB: DOUBLE and BOOLEAN; a
missing value is NULL)."""


@dataclass(frozen=True)
class _Variation:
    """One validated input row."""

    experiment_id: Hashable
    metric_name: Hashable
    metric_type: MetricType
    role: str
    variation_id: Hashable
    is_control: bool
    weight: float
    is_inverse: bool
    summary: Summary
    adjusted: RegressionAdjustedSummary


def _where(record: dict[str, Any]) -> str:
    return (
        f"experiment {record['experiment_id']!r} metric {record['metric_name']!r} "
        f"variation {record['variation_id']!r}"
    )


def _number(record: dict[str, Any], column: str, *, nullable: bool) -> float:
    value = record[column]
    if pd.isna(value):
        if nullable:
            return 0.0
        raise ValueError(f"{column} is null for {_where(record)}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not np.isfinite(number):
        raise ValueError(f"{column} is {value!r} for {_where(record)}, not a finite number")
    return number


def _flag(record: dict[str, Any], column: str, *, default: bool | None) -> bool:
    value = record[column]
    if pd.isna(value) and default is not None:
        return default
    if pd.isna(value) or value not in (True, False):
        raise ValueError(f"{column} is {value!r} for {_where(record)}, not true or false")
    return bool(value)


def _variation(record: dict[str, Any]) -> _Variation:
    metric_type = record["metric_type"]
    if metric_type not in METRIC_TYPES:
        raise ValueError(
            f"metric_type {metric_type!r} of {_where(record)} is not one of "
            f"{', '.join(METRIC_TYPES)}"
        )
    if record["role"] not in ROLES:
        raise ValueError(
            f"role {record['role']!r} of {_where(record)} is not one of {', '.join(ROLES)}"
        )
    users = _number(record, "count_users", nullable=False)
    if users < 0 or users != int(users):
        raise ValueError(f"count_users is {record['count_users']!r} for {_where(record)}")
    n = int(users)
    binomial = metric_type == "binomial"
    summary = summarize(
        metric_type,
        n,
        _number(record, "metric_sum", nullable=False),
        _number(record, "metric_sum_squares", nullable=binomial),
    )
    pre = summarize(
        metric_type,
        n,
        _number(record, "pre_sum", nullable=True),
        _number(record, "pre_sum_squares", nullable=True),
    )
    return _Variation(
        experiment_id=record["experiment_id"],
        metric_name=record["metric_name"],
        metric_type=metric_type,
        role=record["role"],
        variation_id=record["variation_id"],
        is_control=_flag(record, "is_control", default=None),
        weight=_number(record, "variation_weight", nullable=False),
        is_inverse=_flag(record, "is_inverse", default=False),
        summary=summary,
        adjusted=RegressionAdjustedSummary(
            post=summary,
            pre=pre,
            post_pre_sum_products=_number(record, "pre_post_sum_products", nullable=True),
        ),
    )


def _comparison_columns(
    variation: _Variation, plain: Comparison, cuped: Comparison
) -> dict[str, float | bool | None]:
    significant = None if plain.p_value is None else plain.p_value < ALPHA
    failing = None
    if significant is not None and plain.relative_lift is not None:
        wrong_way = plain.relative_lift > 0 if variation.is_inverse else plain.relative_lift < 0
        failing = variation.role == "guardrail" and significant and wrong_way
    return {
        "relative_lift": plain.relative_lift,
        "lift_ci_lower": plain.lift_ci_lower,
        "lift_ci_upper": plain.lift_ci_upper,
        "p_value": plain.p_value,
        "chance_to_win": plain.chance_to_win,
        "risk_control": plain.risk_control,
        "risk_treatment": plain.risk_treatment,
        "cuped_relative_lift": cuped.relative_lift,
        "cuped_lift_ci_lower": cuped.lift_ci_lower,
        "cuped_lift_ci_upper": cuped.lift_ci_upper,
        "cuped_p_value": cuped.p_value,
        "cuped_chance_to_win": cuped.chance_to_win,
        "is_significant": significant,
        "is_guardrail_failing": failing,
    }


def _metric_comparisons(
    variations: list[tuple[int, _Variation]],
) -> dict[int, dict[str, float | bool | None]]:
    """The comparison columns of one experiment's metric, by row position (control rows and
    every row of a metric without a control row get none)."""
    first = variations[0][1]
    where = f"experiment {first.experiment_id!r} metric {first.metric_name!r}"
    if len({variation.metric_type for _, variation in variations}) > 1:
        raise ValueError(f"{where} has more than one metric_type")
    if len({variation.variation_id for _, variation in variations}) < len(variations):
        raise ValueError(f"{where} lists a variation_id twice")
    controls = [variation for _, variation in variations if variation.is_control]
    if len(controls) > 1:
        raise ValueError(f"{where} has {len(controls)} control rows")
    if not controls:
        return {}
    control = controls[0]
    return {
        position: _comparison_columns(
            variation,
            compare(control.summary, variation.summary, inverse=variation.is_inverse),
            compare_regression_adjusted(
                control.adjusted, variation.adjusted, inverse=variation.is_inverse
            ),
        )
        for position, variation in variations
        if not variation.is_control
    }


def _experiment_srm(variations: list[tuple[int, _Variation]]) -> float:
    """One experiment's SRM p-value from its users and weights per variation, which every
    metric of the experiment must repeat (the users are the experiment's, not the metric's)."""
    by_metric: dict[Hashable, dict[Hashable, tuple[int, float]]] = {}
    for _, variation in variations:
        by_metric.setdefault(variation.metric_name, {})[variation.variation_id] = (
            variation.summary.n,
            variation.weight,
        )
    (first_metric, split), *others = sorted(by_metric.items(), key=lambda item: str(item[0]))
    for metric, other in others:
        if other != split:
            raise ValueError(
                f"experiment {variations[0][1].experiment_id!r}: metrics {first_metric!r} and "
                f"{metric!r} disagree on the variations' count_users or variation_weight"
            )
    ordered = sorted(split.items(), key=lambda item: str(item[0]))
    return srm_p_value([users for _, (users, _) in ordered], [w for _, (_, w) in ordered])


def experiment_results(variations: pd.DataFrame) -> pd.DataFrame:
    """The readout of every experiment and metric: one output row per input row.

    Input, one row per experiment x metric x variation: ``experiment_id, metric_name,
    metric_type`` (binomial, count or sum), ``role`` (goal or guardrail), ``variation_id,
    is_control, variation_weight`` (expected share, any positive scale), ``count_users,
    metric_sum, metric_sum_squares`` (the per-user metric values summed and squared-and-summed
    over the variation's users; a binomial metric's sum is its converted users and its sum of
    squares is not read), and the CUPED sums over the same users in the pre-exposure period
    ``pre_sum, pre_sum_squares, pre_post_sum_products`` (null means 0). Optional:
    ``pre_count_users`` (passed through, not read: both periods are over ``count_users``) and
    ``is_inverse`` (lower is better; absent or null means false).

    Output: the input columns (``is_inverse`` added when absent) and ``RESULT_COLUMNS``.
    ``metric_mean``/``metric_stddev`` describe each row's variation; the comparison columns
    (lift, interval, p-value, chance to win, risks, their CUPED versions, ``is_significant``,
    ``is_guardrail_failing``) compare a treatment row with its metric's control and are null on
    control rows, on every row of a metric without a control row, and where gbstats returns its
    placeholder. ``srm_p_value``/``is_srm`` (p < 0.001) are the experiment's, on all its rows.
    ``is_guardrail_failing``: a guardrail whose lift is significant (p < 0.05) in the wrong
    direction (down, or up for an inverse metric); false for goals.

    Raises:
        ValueError: one line naming the column, the row and the value that cannot be used.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in variations.columns]
    if missing:
        raise ValueError(f"experiment_results: missing column(s) {', '.join(missing)}")
    output = variations.reset_index(drop=True).copy()
    if "is_inverse" not in output.columns:
        output["is_inverse"] = pd.Series(False, index=output.index, dtype="boolean")
    parsed = [_variation(record) for record in output.to_dict("records")]

    by_metric: dict[tuple[Hashable, Hashable], list[tuple[int, _Variation]]] = {}
    by_experiment: dict[Hashable, list[tuple[int, _Variation]]] = {}
    for position, variation in enumerate(parsed):
        key = (variation.experiment_id, variation.metric_name)
        by_metric.setdefault(key, []).append((position, variation))
        by_experiment.setdefault(variation.experiment_id, []).append((position, variation))
    comparisons: dict[int, dict[str, float | bool | None]] = {}
    for rows in by_metric.values():
        comparisons.update(_metric_comparisons(rows))
    srm = {experiment: _experiment_srm(rows) for experiment, rows in by_experiment.items()}

    columns: dict[str, list[float | bool | None]] = {column: [] for column in RESULT_COLUMNS}
    for position, variation in enumerate(parsed):
        experiment_srm = srm[variation.experiment_id]
        values: dict[str, float | bool | None] = {
            "metric_mean": variation.summary.mean,
            "metric_stddev": variation.summary.stddev,
            "srm_p_value": experiment_srm,
            "is_srm": None if np.isnan(experiment_srm) else experiment_srm < SRM_THRESHOLD,
            **comparisons.get(position, {}),
        }
        for column in RESULT_COLUMNS:
            columns[column].append(values.get(column))
    for column, dtype in RESULT_COLUMNS.items():
        data = columns[column]
        if dtype == "float64":
            output[column] = pd.Series(
                [np.nan if value is None else value for value in data],
                index=output.index,
                dtype="float64",
            )
        else:
            output[column] = pd.Series(
                [pd.NA if value is None else value for value in data],
                index=output.index,
                dtype=dtype,
            )
    return output
