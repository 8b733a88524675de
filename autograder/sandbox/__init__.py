"""What runs INSIDE the sandbox, in the student's process: the cell driver (stdlib and numpy only).

Nothing in this folder is trusted; the grader binds driver.py read-only into the sandbox.
"""
