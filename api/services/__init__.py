"""Business logic: the only layer that queries the database."""
