"""``python -m callcenter``: the program, where the domain's command line is given the web
app to serve. The one module of ``callcenter`` that imports ``web`` (pyproject.toml's
[tool.importlinter] names it): nothing imports it, so the domain itself still knows no web."""

import sys

from callcenter.cli import main
from web.serve import serve

sys.exit(main(serve=serve))
