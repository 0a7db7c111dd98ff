"""Synthetic product-usage event generator.

`generate_events` simulates a SaaS product (visits, signups, onboarding, feature use, upgrades,
payments, churn and comebacks) and writes its raw events as NDJSON files in the landing format of
`CONTRACT.md` section 1, including a configurable share of dirty input.
"""

from event_generator.write import GenerateSummary, generate_events

__all__ = ["GenerateSummary", "generate_events"]
