"""Read a submitted notebook into its code cells, or say clearly why not."""
import json
import os
import zipfile

MAX_BYTES = 100 * 2**20


class NotebookError(Exception):
    """The file is not a gradable notebook. ``status`` is the gradebook reason."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def read_cells(path):
    """Return [(index, source)] for the notebook's code cells (index among code cells).

    ``path`` is a notebook, or a zip holding exactly one (what otter's ``grader.export()``
    makes); nothing from a zip is written to disk.
    """
    if os.path.isdir(path):
        raise NotebookError("unreadable", "No single notebook was found in this student's "
                            "folder: it holds none, or several and none named after the "
                            "assignment. Keep only the notebook to grade.")
    if not os.path.isfile(path):
        raise NotebookError("unreadable", "This is not a regular file (a link to nothing, "
                            "or a device), so it cannot be a notebook.")
    try:
        if str(path).lower().endswith(".zip"):
            raw = _notebook_in_zip(path)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise NotebookError("unreadable", f"The file could not be read ({error.strerror}).")
    if len(raw) > MAX_BYTES:
        raise NotebookError("invalid-notebook", "The notebook is larger than 100 MB; "
                            "clear its outputs (Kernel > Restart & Clear Output) and resubmit.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotebookError("invalid-notebook", "The file is not valid UTF-8 text, so it is "
                            "not a Jupyter notebook. Submit the .ipynb file saved by Jupyter.")
    except (json.JSONDecodeError, RecursionError):
        raise NotebookError("invalid-notebook", "The file is not valid notebook JSON (it may be "
                            "truncated or edited by hand). Re-download it from Jupyter.")
    if isinstance(data, dict) and "worksheets" in data:
        raise NotebookError("invalid-notebook", "The notebook is saved in the old format 3; "
                            "open it in a current Jupyter and save it again.")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError("invalid-notebook", "The file is JSON but not a Jupyter notebook "
                            "(it has no list of cells).")
    language = _language(data)
    if language not in ("python", ""):
        raise NotebookError("wrong-kernel", f"The notebook uses a {language} kernel; "
                            "this assignment must be written in Python.")
    cells = []
    for cell in data["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(part for part in source if isinstance(part, str))
            if not isinstance(source, str):
                raise NotebookError("invalid-notebook", "A code cell's source is not text.")
            cells.append((len(cells), source))
    if not any(source.strip() for _, source in cells):
        raise NotebookError("empty-notebook", "The notebook has no code in it. Did you submit "
                            "the right file, and save it before submitting?")
    return cells


def _notebook_in_zip(path):
    try:
        with zipfile.ZipFile(path) as archive:
            notebooks = [info for info in archive.infolist() if info.filename.endswith(".ipynb")
                         and not info.filename.startswith("__MACOSX/") and not info.is_dir()]
            if len(notebooks) != 1:
                raise NotebookError("invalid-notebook", f"The zip file holds {len(notebooks)} "
                                    "notebooks; submit the zip made by grader.export(), which "
                                    "holds exactly one.")
            with archive.open(notebooks[0]) as handle:
                return handle.read(MAX_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError):
        raise NotebookError("invalid-notebook", "The zip file is damaged or not a zip file; "
                            "export the notebook again and resubmit.") from None


def _language(data):
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    for key in ("kernelspec", "language_info"):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get("language"), str):
            return section["language"].lower()
        if key == "language_info" and isinstance(section, dict) and section.get("name"):
            return str(section["name"]).lower()
    return ""
