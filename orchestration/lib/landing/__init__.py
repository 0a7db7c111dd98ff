"""Landing: raw NDJSON files in, typed raw rows and reasoned quarantine rows out."""

from orchestration.lib.landing.land import LandingResult, land_folder
from orchestration.lib.landing.reasons import QUARANTINE_REASONS

__all__ = ["QUARANTINE_REASONS", "LandingResult", "land_folder"]
