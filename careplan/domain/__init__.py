"""Plain-Python model of CarePlan: no I/O, no Qt, no database."""
