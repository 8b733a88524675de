"""Numbers copied from the source lectures: the independent expected values of several tests."""

# Seed 003's table for f = x**4 + x + 2, gamma = 0.2, h = 0.001, x0 = 1, forward differences
# (copied from the lecture, via SYLLABUS.md section 02): t, x, f(x), df/dx to three decimals.
GD_QUARTIC_TABLE = [
    (0, 1.000, 4.000, 5.006),
    (1, -0.001, 1.999, 1.000),
    (2, -0.201, 1.800, 0.968),
    (3, -0.395, 1.630, 0.755),
    (4, -0.546, 1.543, 0.352),
    (5, -0.616, 1.528, 0.067),
    (6, -0.629, 1.528, 0.005),
]
