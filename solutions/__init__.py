"""Reference solutions: the ground truth the notebooks teach and the autograder grades against.

Pure numpy. Optimizers, schedules and losses match torch.optim / torch.nn numerically.
"""
