"""Outputs: tidy CSVs, run metadata and console summaries (all I/O lives here)."""
