"""WeasyPrint is loaded by the process that draws a PDF, not by every web worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LOAD_THE_WEB_APPLICATION = """
import sys
from config.wsgi import application
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, the reports' included
import reports.services, reports.views, reports.tasks
print("weasyprint loaded" if "weasyprint" in sys.modules else "weasyprint not loaded")
from reports.pdf import render_pdf
render_pdf("<p>Hello</p>")
print("weasyprint loaded" if "weasyprint" in sys.modules else "weasyprint not loaded")
"""


def test_the_web_application_loads_weasyprint_only_when_a_pdf_is_drawn():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", LOAD_THE_WEB_APPLICATION],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-3:-1] == ["weasyprint not loaded", "weasyprint loaded"]
