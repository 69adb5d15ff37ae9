"""The conventions every `pgplat` command keeps (issue 22), checked over the real command
tree as the app declares it: the global options anywhere, ``-o json``, ``-q``, ``-e`` and
``--cdk-out`` as the one spelling, the support notice said once and only where it matters,
a start-up that imports no command, and help that reads whole at 80 columns."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.core import TyperGroup
from typer.testing import CliRunner

from pgplat.commands.app import COMMANDS, app
from pgplat.commands.common import FORMER_CDK_OUT, State, config_from, spelled_out, state
from pgplat.commands.notices import folded
from pgplat.infra.app import Synthesis
from tests.fixtures.cli import run_main
from tests.fixtures.examples import INNOVATE

ROOT = typer.main.get_command(app)


def _tree(
    group: TyperGroup, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], typer.core.TyperCommand | TyperGroup]]:
    ctx = typer.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield (*path, name), command
        if isinstance(command, TyperGroup):
            yield from _tree(command, (*path, name))


TREE = dict(_tree(ROOT))
LEAVES = {path: c for path, c in TREE.items() if not isinstance(c, TyperGroup)}
NAMED = " ".join


def _parsed(path: tuple[str, ...], args: list[str]) -> State:
    """Parse ``pgplat PATH ARGS`` down to the command, without running it: the global
    options' callbacks run, so :class:`State` is as the command would see it."""
    ctx: typer.Context = typer.Context(ROOT, info_name="pgplat")
    group = ROOT
    for name in path[:-1]:
        group = group.get_command(ctx, name)
        ctx = typer.Context(group, parent=ctx, info_name=name)
    command = LEAVES[path]
    required = []
    for param in command.params:
        if param.required:
            required += [param.opts[0], "x"] if param.param_type_name == "option" else ["x"]
    leaf = command.make_context(path[-1], [*required, *args], parent=ctx)
    return state(leaf)


@pytest.mark.parametrize("path", sorted(LEAVES), ids=NAMED)
def test_every_command_takes_the_global_options_after_its_name(
    path: tuple[str, ...], tmp_path: Path
) -> None:
    args = ["-c", str(INNOVATE), "-o", "json", "-q", "--project-dir", str(tmp_path)]
    assert _parsed(path, args) == State(INNOVATE, "json", True, tmp_path)


@pytest.mark.parametrize("where", [(0, 0, 0), (1, 1, 1), (2, 2, 2), (2, 0, 1)], ids=str)
def test_global_options_work_at_any_level(where: tuple[int, int, int]) -> None:
    """`pgplat [here] config [here] explain [here]`: each option lands wherever it stands."""
    slots: list[list[str]] = [[], [], []]
    for option, slot in zip((["-c", str(INNOVATE)], ["-o", "json"], ["-q"]), where, strict=True):
        slots[slot] += option
    argv = [*slots[0], "config", *slots[1], "explain", *slots[2]]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, (argv, result.output)
    assert json.loads(result.stdout)["environments.prod.flavor"]["value"] == "aurora"
    assert result.stderr == ""


def test_the_line_beats_the_environment_variable_at_any_level() -> None:
    env = {"PGPLAT_CONFIG": "nowhere.yaml"}
    for argv in (
        ["-c", str(INNOVATE), "config", "explain"],
        ["config", "explain", "-c", str(INNOVATE)],
    ):
        assert CliRunner().invoke(app, ["-q", *argv], env=env).exit_code == 0, argv
    alone = CliRunner().invoke(app, ["config", "explain"], env={"PGPLAT_CONFIG": str(INNOVATE)})
    assert alone.exit_code == 0, alone.output


def test_a_format_the_command_does_not_write_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, stderr = run_main(capsys, "-o", "sarif", "sql", "bootstrap", "-c", str(INNOVATE))
    assert code == 2
    assert stderr == "error: -o/--output sarif: `pgplat sql bootstrap` writes text or json\n"


def test_check_adds_its_formats(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Past the ``-o`` check: the error is the missing assembly."""
    argv = ["-c", str(INNOVATE), "check", "-o", "junit", "--no-synth", "--cdk-out", str(tmp_path)]
    code, stderr = run_main(capsys, *argv)
    assert code == 2
    assert "-o/--output" not in stderr
    assert "holds no CDK cloud assembly" in stderr


def _json(*argv: str) -> object:
    result = CliRunner().invoke(app, ["-o", "json", *argv])
    assert result.exit_code == 0, (argv, result.output, result.exception)
    return json.loads(result.stdout)


def test_json_of_the_commands_that_print_sql_files_or_a_stop(tmp_path: Path) -> None:
    sql = _json("-c", str(INNOVATE), "sql", "bootstrap", "-e", "local")
    assert sql["target"] == "local"
    assert "CREATE SCHEMA IF NOT EXISTS" in sql["sql"]
    started = _json("init", str(tmp_path / "pgplat.yaml"))
    assert started == {"file": str(tmp_path / "pgplat.yaml")}
    assert _json("down", "-c", str(tmp_path / "pgplat.yaml")) == {"stopped": False}
    written = _json("-c", str(INNOVATE), "guardrails", "--out", str(tmp_path / "g"))
    assert {Path(f).name for f in written["files"]} >= {"README.md"}


def test_json_of_the_deploy_diff_and_bootstrap_plans(
    innovate_synth: Synthesis, tmp_path: Path
) -> None:
    assemblies = ["-c", str(INNOVATE), "--cdk-out", str(innovate_synth.outdir), "--no-synth"]
    diff = _json("diff", "-e", "prod", "--dry-run", *assemblies)
    assert diff["action"] == "diff"
    assert all(s["commands"][0].startswith("cdk diff") for s in diff["steps"])
    assert {s["about"].split(" -> ")[0] for s in diff["steps"]} >= {"innovate-prod-data"}
    bootstrap = _json("bootstrap", "-e", "prod", "--policy-dir", str(tmp_path), *assemblies)
    commands = [c for s in bootstrap["steps"] for c in s["commands"]]
    assert any(c.startswith("cdk bootstrap aws://111111111111/") for c in commands)


def test_the_support_notice_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, stderr = run_main(capsys, "config", "validate", str(INNOVATE))
    assert code == 0
    (line,) = stderr.splitlines()
    assert line.startswith("warning: environments prod, dev: PostgreSQL 14 reached community")
    assert "Aurora end of standard support" in line
    assert "RDS end of standard support" in line


def test_the_support_notice_is_said_once_per_run(capsys: pytest.CaptureFixture[str]) -> None:
    root = typer.Context(ROOT, info_name="pgplat")
    synth = typer.Context(LEAVES[("synth",)], parent=root, info_name="synth")
    state(synth).config_path = INNOVATE
    config_from(synth)
    config_from(synth)
    assert len(capsys.readouterr().err.splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ("sql", "bootstrap"),
        ("dev", "url"),
        ("k8s", "manifests", "--writer-host", "db.example", "--out", "{tmp}"),
        ("guardrails", "--out", "{tmp}"),
        ("diagram", "--out", "{tmp}/d.svg", "--plain"),
    ],
    ids=NAMED,
)
def test_no_support_notice_for_other_commands(
    argv: tuple[str, ...], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, stderr = run_main(capsys, "-c", str(INNOVATE), *(a.format(tmp=tmp_path) for a in argv))
    assert "PostgreSQL 14" not in stderr


_WORD = (
    st.text(st.sampled_from("abcdefgh 0123"), min_size=1, max_size=12).map(str.strip).filter(bool)
)


@given(
    warnings=st.lists(
        st.tuples(
            st.sampled_from(["prod", "dev", "qa"]), _WORD, st.sampled_from(["upgrade", "plan it"])
        ),
        max_size=8,
    )
)
def test_folding_names_every_environment_and_fact_once_per_advice(
    warnings: list[tuple[str, str, str]],
) -> None:
    lines = folded([f"environments.{env}: {fact}; {advice}" for env, fact, advice in warnings])
    assert len(lines) == len({advice for *_, advice in warnings})
    for env, fact, advice in warnings:
        (line,) = [ln for ln in lines if ln.endswith(f"; {advice}")]
        assert re.search(rf"^environments [^:]*\b{env}\b", line)
        assert fact in line


def test_other_warnings_pass_through_folding() -> None:
    ahead = "environments.dev runs PostgreSQL 17, ahead of database.engine_version (16): finish"
    assert folded([ahead]) == [ahead]


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_start_up_imports_no_command(flag: str) -> None:
    probe = (
        "import sys\n"
        f"sys.argv = ['pgplat', '{flag}']\n"
        "from pgplat.commands.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('boto3', 'botocore', 'psycopg', 'aws_cdk', 'jsii', 'pydantic', 'yaml',"
        " 'pgplat.config', 'pgplat.commands.synth', 'pgplat.commands.dev')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stderr.strip() == "[]"
    assert done.stdout.strip()


def test_the_listing_says_what_each_command_says_of_itself() -> None:
    for name, lazy in COMMANDS.items():
        own = TREE[(name,)].help or ""
        assert lazy.summary == " ".join(own.split("\n\n")[0].split()), name


@pytest.mark.parametrize("path", sorted(TREE), ids=NAMED)
def test_help_fits_80_columns_whole(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=80, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(bool|str|list\[str\])>", result.output)
    assert "…" not in result.output
    for param in TREE[path].params:
        for name in (*param.opts, *param.secondary_opts):
            if name.startswith("--") and not param.hidden:
                assert re.search(re.escape(name) + r"(?![\w-])", result.output), name


def test_help_shows_the_formats_a_command_writes() -> None:
    assert "text|json|sarif|junit" in CliRunner().invoke(app, ["check", "--help"]).output
    assert "text|json " in CliRunner().invoke(app, ["synth", "--help"]).output


def test_every_environment_option_is_dash_e() -> None:
    for path, command in LEAVES.items():
        for param in command.params:
            if "--env" in param.opts:
                assert "-e" in param.opts, NAMED(path)


def test_the_assembly_folder_is_cdk_out_everywhere() -> None:
    for path in [("synth",), ("check",), ("deploy",), ("diff",), ("bootstrap",), ("drift",)]:
        (folder,) = [p for p in LEAVES[path].params if p.name == "cdk_out"]
        assert folder.opts == ["--cdk-out"], path


@given(
    before=st.lists(st.sampled_from(["-e", "dev", "--lint", "x=1"]), max_size=4),
    value=st.text(st.sampled_from("ab/=."), min_size=1, max_size=6),
    joined=st.booleans(),
)
def test_former_spellings_become_todays(before: list[str], value: str, joined: bool) -> None:
    synth = LEAVES[("synth",)]
    former = [f"--out={value}"] if joined else ["--out", value]
    today = [f"--cdk-out={value}"] if joined else ["--cdk-out", value]
    assert FORMER_CDK_OUT["--out"] == ("--cdk-out",)
    assert spelled_out(synth, [*before, *former, "--", "--out"]) == [*before, *today, "--", "--out"]


def test_check_from_cdk_out_means_no_synthesis(tmp_path: Path) -> None:
    check = LEAVES[("check",)]
    assert spelled_out(check, ["--from-cdk-out", str(tmp_path)]) == [
        "--no-synth",
        "--cdk-out",
        str(tmp_path),
    ]


def test_a_mistyped_command_gets_the_nearest_names() -> None:
    result = CliRunner().invoke(app, ["synht"])
    assert result.exit_code == 2
    assert "No such command 'synht'." in result.output
    assert "Did you mean 'synth'?" in result.output


def test_shell_completion_is_offered() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert result.exit_code == 0, result.output
    assert "complete" in result.stdout


def test_quiet_up_down_and_init_print_nothing(tmp_path: Path) -> None:
    config = tmp_path / "pgplat.yaml"
    for argv in (["init", str(config)], ["down", "-c", str(config)]):
        result = CliRunner().invoke(app, [*argv, "-q"])
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", ""), argv
