"""Build, solve, extract, diagnose: the allocation model and its solver."""
