"""Quality gates: every check result of a run, in audit.gate_results and a quality page."""
