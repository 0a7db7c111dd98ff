"""Who the running experiments expose, to what, and when: drawn from their own random streams.

The experiments of `event_generator.product` (`ONBOARDING_EXPERIMENT`, `DASHBOARD_FLAG`) draw
nothing from the simulation's main generator. Each has a generator made from the run's seed (or
the chunk's seed sequence) and the experiment's `stream` constant, and draws the same number of
values per visitor whoever is exposed. So the visitors, their sessions, signups, churn, feature
adoption and upgrades stay what they would be without the experiments; only the events of the
signup sessions a variation changes (and the per-event draws after them) move.

`event_generator.simulate` places the events: this module decides per visitor, on numpy arrays.
"""

from dataclasses import dataclass

import numpy as np

from event_generator.product import (
    DASHBOARD_FLAG,
    ONBOARDING_EXPERIMENT,
    ONBOARDING_STEPS,
    OnboardingExperiment,
)


@dataclass(frozen=True)
class ExperimentDraws:
    """Per-visitor outcome of the experiments' draws; index `i` is visitor `i`.

    Attributes:
        variation: Index into `ONBOARDING_EXPERIMENT.variations` of the variation the visitor is
            exposed to in the signup session, -1 when not exposed.
        cross_variation: Variation of a second exposure in the visitor's first in-app session
            after signup (a bucketing failure), -1 for none; `simulate` drops it when there is
            no such session before the experiment ends.
        exposure_fraction: Where the signup-session exposure falls between its anchor event
            (the signup's `identify`) and the next event, as a fraction of that gap.
        cross_fraction: The same for the second exposure (anchor: the session's first
            identified event).
        flag_response: The dashboard flag's response (`true` or `false`).
        flag_fraction: The same for `$feature_flag_called` (anchor: the triggering event).
    """

    variation: np.ndarray
    cross_variation: np.ndarray
    exposure_fraction: np.ndarray
    cross_fraction: np.ndarray
    flag_response: np.ndarray
    flag_fraction: np.ndarray


def experiment_rng(seed: int | np.random.SeedSequence, stream: int) -> np.random.Generator:
    """An experiment's own generator: the run's seed and the experiment's stream constant.

    Args:
        seed: The run's seed, or a chunk's seed sequence (`event_generator.write`).
        stream: The experiment's constant.

    Returns:
        A generator independent of `numpy.random.default_rng(seed)` and of the chunks' streams.
    """
    if isinstance(seed, np.random.SeedSequence):
        entropy = seed.entropy
        words = [*entropy] if isinstance(entropy, list | tuple) else [entropy]
        return np.random.default_rng(
            np.random.SeedSequence([*words, stream], spawn_key=seed.spawn_key)
        )
    return np.random.default_rng([seed, stream])


def onboarding_step_probabilities(experiment: OnboardingExperiment) -> np.ndarray:
    """Probability of passing each onboarding step, per variation.

    Args:
        experiment: The onboarding experiment.

    Returns:
        `(variations + 1, steps)` probabilities: one row per variation, then a last row with
        the product's own probabilities (visitors not exposed).

    Raises:
        ValueError: If a variation names an unknown step or a probability outside [0, 1].
    """
    steps = [step.event for step in ONBOARDING_STEPS]
    base = np.array([step.probability for step in ONBOARDING_STEPS])
    table = np.tile(base, (len(experiment.variations) + 1, 1))
    for row, variation in enumerate(experiment.variations):
        for event, probability in variation.onboarding_step_probabilities:
            if event not in steps or not 0.0 <= probability <= 1.0:
                raise ValueError(
                    f"variation {variation.variation_id!r}: bad step probability "
                    f"{event!r}={probability}"
                )
            table[row, steps.index(event)] = probability
    return table


def _bucket(draw: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    """Bucket uniform draws into variations by weight.

    Args:
        draw: Uniform draws in [0, 1), one per visitor.
        weights: Variation weights (normalized here).

    Returns:
        Variation index per draw.
    """
    cumulative = np.cumsum(weights) / np.sum(weights)
    return np.minimum(np.searchsorted(cumulative, draw, side="right"), len(weights) - 1)


def draw_experiments(seed: int | np.random.SeedSequence, signup_day: np.ndarray) -> ExperimentDraws:
    """Draw who is exposed to what, from the experiments' own streams.

    A signup whose session starts in `[start_day, end_day)` of the onboarding experiment is
    exposed, bucketed by the variation weights; a share `early_share` of the signups of the
    `early_days` before `start_day` are exposed too (outside the dates). A share
    `cross_exposure_share` of the in-dates exposed get a second exposure to another variation.

    Args:
        seed: The run's seed or the chunk's seed sequence.
        signup_day: Window day (UTC, day 0 the window start) of each visitor's signup session
            start; huge for visitors who do not sign up.

    Returns:
        The per-visitor draws.
    """
    experiment = ONBOARDING_EXPERIMENT
    n = len(signup_day)
    rng = experiment_rng(seed, experiment.stream)
    bucket = _bucket(rng.random(n), tuple(v.weight for v in experiment.variations))
    early_draw = rng.random(n)
    cross_draw = rng.random(n)
    other = rng.integers(1, max(len(experiment.variations), 2), n)
    exposure_fraction = rng.uniform(0.05, 0.95, n)
    cross_fraction = rng.uniform(0.05, 0.95, n)
    in_dates = (signup_day >= experiment.start_day) & (signup_day < experiment.end_day)
    early = (
        (signup_day >= experiment.start_day - experiment.early_days)
        & (signup_day < experiment.start_day)
        & (early_draw < experiment.early_share)
    )
    variation = np.where(in_dates | early, bucket, -1).astype(np.int8)
    crossed = in_dates & (cross_draw < experiment.cross_exposure_share)
    cross_variation = np.where(crossed, (bucket + other) % len(experiment.variations), -1).astype(
        np.int8
    )

    flag_rng = experiment_rng(seed, DASHBOARD_FLAG.stream)
    flag_response = flag_rng.random(n) < DASHBOARD_FLAG.true_share
    flag_fraction = flag_rng.uniform(0.05, 0.95, n)
    return ExperimentDraws(
        variation=variation,
        cross_variation=cross_variation,
        exposure_fraction=exposure_fraction,
        cross_fraction=cross_fraction,
        flag_response=flag_response,
        flag_fraction=flag_fraction,
    )
