"""The browser playground: an ASGI server (``create_app``) and its static page.

``depthlens serve`` runs it (``server``); see ``app`` (routes), ``live`` (one tab's session),
``protocol`` (the page's messages and the limits), ``frames`` (binary frames), ``heatmaps`` and
``palettes`` (the pictures as uint8 codes and colour tables).
"""

from depthlens.web.app import create_app

__all__ = ["create_app"]
