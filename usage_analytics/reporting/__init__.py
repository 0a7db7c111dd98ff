"""The report: one self-contained HTML page of the published marts' charts."""
