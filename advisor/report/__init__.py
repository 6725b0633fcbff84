"""Reports: pure functions from a stage's result to text (table, json, markdown)."""
