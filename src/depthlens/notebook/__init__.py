"""The playground in a notebook: ``depthlens.Playground(session_or_config)`` (``widget.py``).

Importing this package imports anywidget and ipywidgets; ``import depthlens`` does not (the
package's ``__init__`` imports ``Playground`` only when it is first asked for).
"""

from __future__ import annotations

from depthlens.notebook.widget import Playground

__all__ = ["Playground"]
