"""One row per experiment × metric × variation: GrowthBook's statistics (gbstats' defaults,
reimplemented in usage_analytics/experiments/statistics.py) computed from the sufficient
statistics of int_experiment_variation_metrics: mean and standard deviation; against the
control, the relative lift with its 95 % interval and two-sided p-value (delta method), the
Bayesian chance to win and risk, the same with CUPED; the experiment's sample-ratio-mismatch
p-value. A dbt Python model: the statistics need the t and normal distributions, which SQL
engines do not share."""

from usage_analytics.experiments.statistics import experiment_results


def model(dbt, session):  # noqa: ANN001, ANN201 (dbt's Python model signature)
    dbt.config(materialized="table")
    upstream = dbt.ref("int_experiment_variation_metrics")
    # a DuckDB relation (.df()) or, on Spark, a DataFrame (.toPandas()): the same pandas frame
    variations = upstream.toPandas() if hasattr(upstream, "toPandas") else upstream.df()
    return experiment_results(variations)
