"""Backups that restore: `tellus backup` and `tellus restore`, safe while customers send cards.

A backup is one file: a tar archive holding `manifest.json` (what it holds: the engine, the
schema revision, when, which Tellus, the payload's SHA-256) and the payload, a consistent copy of
the database (SQLite's online backup) or a `pg_dump` archive. It holds secrets (the VAPID key,
mail passwords), so it is written owner-only, under a temporary name moved into place at the end.
"""
