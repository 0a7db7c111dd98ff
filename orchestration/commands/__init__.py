"""What each ``usage-analytics`` command does (``orchestration/cli.py`` parses the command line)."""
