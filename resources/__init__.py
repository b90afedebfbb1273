"""Data shipped with CarePlan: installed as careplan.resources, read through careplan.paths."""
