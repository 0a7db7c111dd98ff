"""The DuckDB warehouse file: its raw and audit tables, its lock and how to read it."""
