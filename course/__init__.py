"""Optimization for Deep Learning: the library that lessons, students and lecturers import.

`course` never imports `solutions`: students receive `course`, not the answers.
"""

__version__ = "0.1.0"
