"""The command line explains itself: --version, every subcommand's --help with an example, and
`qms-bot digest` without --preview saying what the digest is and how to see it."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.cli import main
from bot.workspace.commands import COMMANDS, described


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit:  # argparse's --help and --version
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (0, f"qms-bot {version('qms-bot')}\n", "")


def test_every_subcommand_says_what_it_does_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--help")
    listed = re.search(r"\{([a-z,-]+)\}", out)
    assert listed is not None and set(listed.group(1).split(",")) == set(COMMANDS)
    for name in COMMANDS:
        code, out, _ = run(capsys, name, "--help")
        words, examples = described(name)
        assert code == 0 and words.splitlines()[0] in out, name
        assert examples.startswith("example") and f"qms-bot {name}" in examples and examples in out, name


def test_digest_without_preview_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "digest")
    assert code == 2 and out == ""
    assert "sent by `qms-bot run`, on its schedule" in err and "qms-bot digest --preview" in err
    assert "error" not in err  # an explanation, not argparse's complaint about a missing argument


def test_digest_preview_without_a_database_leaves_no_database_file(capsys: pytest.CaptureFixture[str]) -> None:
    before = set(Path.cwd().iterdir())
    code, out, err = run(capsys, "digest", "--preview")
    assert code == 0, err
    assert "no database at" in out and "the digest of an empty QMS" in out and "(goes to:" in out
    assert set(Path.cwd().iterdir()) == before  # the cwd is a fresh tmp folder (tests/conftest.py)


def test_digest_preview_reads_the_database_that_is_there(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "migrate")[0] == 0  # the default, ./qms.db
    code, out, _ = run(capsys, "digest", "--preview")
    assert code == 0 and "no database at" not in out and "(goes to:" in out
