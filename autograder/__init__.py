"""The instructor's pipeline on nbgrader: release, collect, grade, feedback, report, demo."""
