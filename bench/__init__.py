"""`make bench`: CarePlan's speed and memory, each figure next to a bare baseline from the same run.

These machines are noisy, so a figure is judged by its ratio to a baseline measured moments
earlier on the same machine, and every value is the median of several runs.
"""
