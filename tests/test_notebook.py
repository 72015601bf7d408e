"""The calibration notebook runs top to bottom (its own asserts check it against data/)."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from .conftest import ROOT


def test_calibration_notebook_executes(tmp_path):
    path = ROOT / "notebooks" / "01_calibration.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    nbformat.write(nb, tmp_path / "executed.ipynb")
