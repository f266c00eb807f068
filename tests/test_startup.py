"""Start-up cost: the package root and the command line load no heavy dependency they do not need."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import RunCli


@pytest.mark.parametrize("statement", ["import ftadraft", "import ftadraft.cli",
                                       "import ftadraft.cli; import ftadraft.corpus"])
def test_import_loads_no_heavy_dependency(statement: str) -> None:
    code = (f"{statement}; import sys; "
            "print(','.join(m for m in ('numpy', 'spacy', 'pandas', 'matplotlib', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"{statement} imported {out}"


def test_public_names_still_resolve_lazily() -> None:
    import ftadraft

    assert ftadraft.open.__module__ == "ftadraft.corpus"
    assert ftadraft.Provision.__name__ == "Provision" and callable(ftadraft.to_frame)
    assert set(ftadraft.__all__) <= set(dir(ftadraft))
    with pytest.raises(AttributeError):
        ftadraft.no_such_name  # noqa: B018


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}; import sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_commands_load_their_own_module_only() -> None:
    """The root group imports a command's module when that command is asked for, not before."""
    commands = {m for m in _modules_after("import ftadraft.cli") if m.startswith("ftadraft.cli.")}
    assert commands == {"ftadraft.cli.app"}
    loaded = _modules_after("from ftadraft.cli import cli; import click; "
                            "cli.get_command(click.Context(cli), 'search')")
    assert {m for m in loaded if m.startswith("ftadraft.cli.")} == {"ftadraft.cli.app", "ftadraft.cli.search",
                                                                   "ftadraft.cli.options"}


def test_every_registered_command_is_listed_for_lazy_loading() -> None:
    """A command module's commands are exactly those the root group names it for: a command missing from
    ``COMMANDS`` would vanish from ``ftadraft`` and its ``--help``."""
    import importlib
    import pkgutil

    import ftadraft.cli as cli_pkg
    from ftadraft.cli import COMMANDS, cli

    for info in pkgutil.iter_modules(cli_pkg.__path__):
        importlib.import_module(f"ftadraft.cli.{info.name}")
    assert set(cli.commands) == set(COMMANDS)
    for name, command in cli.commands.items():
        assert command.callback is not None
        assert command.callback.__module__ == f"ftadraft.cli.{COMMANDS[name]}", name


def test_help_lists_every_command(run: RunCli) -> None:
    from ftadraft.cli import COMMANDS

    result = run("--help")
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.stdout.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert listed == set(COMMANDS)


def test_shingles_do_not_load_numpy_ma() -> None:
    """``np.unique`` imports ``numpy.ma`` on first use; the precedent look-up's shingles do without it."""
    code = ("import numpy as np; from ftadraft import fingerprint as f; "
            "s = f.shingles(f.hashes('each party shall adopt or maintain procedures for express shipments'))")
    assert "numpy.ma" not in _modules_after(code)


def test_opening_the_corpus_loads_no_reader_or_tagger() -> None:
    """Reading files (ingest, lxml), tagging and worker processes are imported by ``add`` when it runs: a one-shot
    search or look-up, which opens the corpus, does not load them."""
    loaded = _modules_after("import ftadraft.corpus")
    assert not loaded & {"ftadraft.ingest.load", "ftadraft.ingest.metadata", "ftadraft.tags.tagging",
                         "ftadraft.index.workers", "lxml.etree", "multiprocessing", "concurrent.futures.process"}
