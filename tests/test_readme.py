"""The README's promise: its commands are the ones CI runs, and they name real things."""

import re
import subprocess

from conftest import PROJECT


def block(marker: str) -> str:
    text = (PROJECT / "README.md").read_text()
    match = re.search(rf"<!-- {marker} -->\s*```\n(.*?)\n```\s*<!-- /{marker} -->", text, re.S)
    assert match, f"README.md has no {marker} block"
    return match.group(1).strip()


def test_ci_runs_the_readme_test_command():
    extract = subprocess.run(
        ["bash", "-c", "sed -n '/<!-- test-command -->/,/<!-- \\/test-command -->/p' README.md "
                       "| grep -v '^<!--' | grep -v '^```'"],
        cwd=PROJECT, capture_output=True, text=True, check=True)
    assert extract.stdout.strip() == block("test-command")
    assert "sed -n '/<!-- test-command -->/" in (PROJECT / ".ci" / "run").read_text()


def test_run_command_runs_the_default():
    command = block("run-command")
    assert command.endswith("placeplan run")
    assert (PROJECT / "scenarios" / "herefordshire.yaml").is_file()
