"""Quarantine reason codes, in the order they are tested: a line gets the first that applies.

``forgotten_user`` is the exception: it overrides any other reason of a line whose ids can be
read, so that no text of a forgotten user is kept. ``quarantined_by_operator`` is no rule of
landing: ``usage-analytics quarantine`` gives it to landed events it moves out of raw.events.
"""

QUARANTINE_REASONS: tuple[str, ...] = (
    "forgotten_user",  # a user `usage-analytics forget` removed (raw_line left empty)
    "quarantined_by_operator",  # a landed event `usage-analytics quarantine` moved (after landing)
    "unreadable_file",  # file-level: the file cannot be read or decompressed at all
    "truncated_file",  # the last, unfinished line of a gzip file cut short (a file-level row,
    # line_number null, when the cut falls between lines); its complete lines are landed
    "line_too_long",  # over MAX_LINE_BYTES bytes
    "invalid_encoding",  # not valid UTF-8
    "empty_line",  # only white space (a final newline does not make an empty line)
    "invalid_json",  # also the lenient forms DuckDB accepts: trailing commas, NaN, Infinity
    "not_an_object",  # valid JSON, but an array, string, number ...
    "duplicate_key",  # a top-level key landing reads (event_id, timestamp, ...) appears twice;
    # also, tested last, a key repeated in an object holding personal data (privacy.md)
    "missing_event_id",  # no event_id / messageId (or an empty or non-scalar one)
    "invalid_type",  # `type` other than track, page, screen, identify
    "missing_event",  # a track call without `event`, or with a blank one
    "invalid_event_name",  # `event` not a string, or a name that normalizes to nothing
    "missing_user",  # neither user_id/userId nor anonymous_id/anonymousId
    "missing_timestamp",  # no timestamp / originalTimestamp
    "invalid_timestamp",  # not ISO-8601, not a string, or an offset beyond +-18:00
    "invalid_received_at",  # received_at present but not a valid ISO-8601 timestamp
    "timestamp_before_floor",  # before the var timestamp_floor (default 2000-01-01)
    "timestamp_after_received_at",  # more than one day after received_at
    "received_at_in_future",  # received_at after the landing time plus the allowed clock skew
)

MAX_LINE_BYTES = 64 * 1024
