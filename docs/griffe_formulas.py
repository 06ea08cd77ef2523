"""A griffe extension for the API reference: the docstrings' formulas are not Markdown links.

glassnet's docstrings write the lecture's notation, e.g. ``Z[L](x)`` or ``W[L](...)``, which
Markdown would read as a link ``[L]`` to ``x``; mkdocs then warns about a missing page and the
strict build fails. Escaping the parenthesis keeps the formula as written.
"""

from __future__ import annotations

import re

import griffe

_LINK_LIKE = re.compile(r"\]\(")


class FormulasAreNotLinks(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _LINK_LIKE.sub(r"]\\(", obj.docstring.value)
