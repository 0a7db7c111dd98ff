"""Landing: raw NDJSON files in, typed raw rows and reasoned quarantine rows out (CONTRACT §1)."""
