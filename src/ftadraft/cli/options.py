"""Options shared by several commands, declared once (as sqlite-utils declares its output options).

Each is a decorator: ``@since_option`` adds ``--since YEAR`` with the same type, name and help everywhere.
"""

from __future__ import annotations

import click

since_option = click.option("--since", type=int, help="Only agreements signed in or after this year.")
until_option = click.option("--until", type=int, help="Only agreements signed in or before this year.")
parties_option = click.option("--party", "parties", multiple=True,
                              help="Only agreements with this party, ISO3 (repeatable: any of them).")
#: The chapter filter of ``search`` and ``families`` (``AgreementFilter.chapter``: number or title text).
chapter_option = click.option("--chapter",
                               help='Only chapters with this number or title text, e.g. "Electronic Commerce".')
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (to standard output only).")
force_option = click.option("--force", is_flag=True, help="Overwrite existing output files.")
