"""A/B experiments: the statistics of a readout, as GrowthBook's engine ``gbstats`` computes them.

``statistics`` reproduces gbstats 0.8.0's formulas with numpy and scipy only (gbstats itself pins
pandas < 2 and numpy < 2, which this project cannot install beside its own pins), and
``statistics.experiment_results`` turns the per-variation sums the warehouse aggregates into the
readout columns of ``agg_experiment_results``.
"""
