"""Serve plotly.js from the installed `plotly` package as a static file (no copy, no CDN).

Listed in STATICFILES_FINDERS, so WhiteNoise (finders in development and tests) and
`collectstatic` (production) both see `vendor/plotly.min.js`, always the version
that matches the installed plotly.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor"
FILENAME = "plotly.min.js"
PLOTLY_JS_URL_PATH = f"{PREFIX}/{FILENAME}"


def plotly_js_path() -> Path:
    return Path(plotly.__file__).resolve().parent / "package_data" / FILENAME


class PlotlyJsFinder(BaseFinder):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(plotly_js_path().parent))
        self.storage.prefix = PREFIX

    def check(self, **kwargs) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        if path == PLOTLY_JS_URL_PATH and plotly_js_path().is_file():
            found = str(plotly_js_path())
            return [found] if find_all or kwargs.get("all") else found
        return [] if find_all or kwargs.get("all") else None

    def list(self, ignore_patterns):
        if plotly_js_path().is_file():
            yield FILENAME, self.storage
