"""Use cases over the database: each owns its transaction and returns plain domain data."""
