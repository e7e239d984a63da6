"""Authority and controller filings: drafted from the facts, filed in phases, kept as evidence."""
