"""Great Expectations suites as code: functions that return lists of expectations.

Call them only after a GX context exists (``expectations.runner.validate`` does): GX 1.x builds
expectations against the active context, and importing GX takes several seconds, so nothing here
imports it at module level.
"""
