"""nbgrader preprocessor `LoadExecutedNotebook`: grade a notebook a Dask worker already executed.

Used only by the coordinator of `grade --dask` (autograder/cluster.py): instead of executing the
submission again, it takes the executed notebook the worker sent back (written into the folder
named by AUTOGRADER_EXECUTED), so that nbgrader's SaveAutoGrades, running here, writes the
gradebook: one writer, however many workers.
"""

import os
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from ..notebooks import read_notebook

EXECUTED_ENV = "AUTOGRADER_EXECUTED"


class LoadExecutedNotebook(NbGraderPreprocessor):
    """Replace the notebook with its executed version from the worker."""

    def preprocess(self, nb, resources):
        folder = os.environ.get(EXECUTED_ENV)
        if not folder:
            raise RuntimeError(f"{EXECUTED_ENV} is not set: LoadExecutedNotebook is for grade --dask only")
        path = Path(folder) / f"{resources['nbgrader']['notebook']}.ipynb"
        return read_notebook(path), resources
