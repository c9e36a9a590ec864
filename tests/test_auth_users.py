"""Users, groups and tokens: the users file (argon2 hashes, token hashes, its permissions) and the `users`
commands, whose bad input is one line and exit code 2, and which never show a password."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.apps.cli import main
from assistant.auth.access import is_loopback, open_server_notice
from assistant.auth.commands import read_password
from assistant.auth.users import TOKEN_PREFIX, UsersError, UsersFile, token_hash

PASSWORD = "correct-paard-batterij"
ROOT = Path(__file__).resolve().parent.parent


def users_cli(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    """`python -m assistant users ...` in a subprocess: exit code, stdout, stderr."""
    done = subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    return done.returncode, done.stdout, done.stderr


def test_a_password_is_stored_as_an_argon2id_hash_only(tmp_path: Path) -> None:
    users = UsersFile(tmp_path / "users.json")
    users.add("an", ["kabinet", "financien", "kabinet"], PASSWORD)
    text = (tmp_path / "users.json").read_text()
    stored = json.loads(text)["users"]["an"]
    assert PASSWORD not in text
    assert stored["password"].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert stored["groups"] == ["kabinet", "financien"]
    assert oct((tmp_path / "users.json").stat().st_mode & 0o777) == "0o600"
    assert users.authenticate("an", PASSWORD).name == "an"  # type: ignore[union-attr]
    assert users.authenticate("an", PASSWORD + "x") is None
    assert users.authenticate("niemand", PASSWORD) is None
    assert users.get("an").collections == frozenset({"openbaar", "kabinet", "financien"})  # type: ignore[union-attr]


def test_a_token_is_shown_once_and_stored_as_its_hash(tmp_path: Path) -> None:
    users = UsersFile(tmp_path / "users.json")
    users.add("an", ["kabinet"], PASSWORD)
    first, second = users.new_token("an"), users.new_token("an")
    assert first.startswith(TOKEN_PREFIX) and len(first) == len(TOKEN_PREFIX) + 43 and first != second
    text = (tmp_path / "users.json").read_text()
    assert first not in text and second not in text
    assert json.loads(text)["users"]["an"]["tokens"] == [token_hash(first), token_hash(second)]
    assert users.user_for_token(first).name == "an"  # type: ignore[union-attr]
    assert users.user_for_token(first + "x") is None
    assert users.revoke_tokens("an") == 2
    assert users.user_for_token(first) is None and users.user_for_token(second) is None


def test_a_change_on_disk_is_seen_by_a_running_server(tmp_path: Path) -> None:
    running = UsersFile(tmp_path / "users.json")
    UsersFile(tmp_path / "users.json").add("an", ["kabinet"], PASSWORD)
    token = UsersFile(tmp_path / "users.json").new_token("an")
    assert running.user_for_token(token).name == "an"  # type: ignore[union-attr]
    UsersFile(tmp_path / "users.json").remove("an")  # another process: `users remove an`
    assert running.user_for_token(token) is None and running.get("an") is None


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_users_file_others_can_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    users = UsersFile(tmp_path / "users.json")
    users.add("an", ["kabinet"], PASSWORD)
    os.chmod(tmp_path / "users.json", mode)
    with pytest.raises(UsersError) as caught:
        UsersFile(tmp_path / "users.json").users()
    assert str(caught.value) == (f"{tmp_path / 'users.json'} is leesbaar of schrijfbaar voor anderen (rechten "
                                 f"{mode:o}); maak het privé: chmod 600 {tmp_path / 'users.json'}")


def test_the_users_commands_do_what_they_say(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.json"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "an", "--group", "kabinet", "--group", "financien", "--users", str(path)]) == 0
    assert capsys.readouterr().out == f"gebruiker an toegevoegd (groepen: kabinet, financien) in {path}\n"
    assert main(["users", "token", "an", "--users", str(path)]) == 0
    shown = capsys.readouterr()
    token = shown.out.strip()
    assert UsersFile(path).user_for_token(token).name == "an"  # type: ignore[union-attr]
    assert shown.err == "(het token van an: bewaar het nu, het wordt niet meer getoond)\n"
    assert main(["users", "list", "--users", str(path)]) == 0
    assert capsys.readouterr().out == "an\tkabinet,financien\t1 tokens\n"
    assert main(["users", "revoke-tokens", "an", "--users", str(path)]) == 0
    assert capsys.readouterr().out == "1 tokens van an ingetrokken\n"
    assert UsersFile(path).user_for_token(token) is None
    assert main(["users", "remove", "an", "--users", str(path)]) == 0
    assert capsys.readouterr().out == f"gebruiker an verwijderd uit {path}\n"
    assert main(["users", "list", "--users", str(path)]) == 0
    assert capsys.readouterr().out == ""


def test_the_users_file_comes_from_the_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_USERS_FILE", str(tmp_path / "uit-omgeving.json"))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "an", "--group", "kabinet"]) == 0
    assert UsersFile(tmp_path / "uit-omgeving.json").get("an") is not None


def test_a_password_from_a_terminal_is_asked_twice() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter([PASSWORD, PASSWORD])
    assert read_password(Terminal(), lambda prompt: next(answers)) == PASSWORD
    answers = iter([PASSWORD, "iets anders"])
    with pytest.raises(UsersError, match="^de twee wachtwoorden verschillen$"):
        read_password(Terminal(), lambda prompt: next(answers))


# Each bad input: the arguments, standard input, and the one line on stderr ({path} is the users file).
BAD_INPUT = [
    (["users"], "", "error: python -m assistant users: the following arguments are required: ACTION"),
    (["users", "verwijder", "an"], "", "error: python -m assistant users: argument ACTION: invalid choice: "
                                       "'verwijder' (choose from 'add', 'remove', 'list', 'token', "
                                       "'revoke-tokens')"),
    (["users", "add", "an"], PASSWORD, "error: python -m assistant users add: the following arguments are "
                                       "required: --group"),
    (["users", "add", "--group", "kabinet"], PASSWORD, "error: python -m assistant users add: the following "
                                                       "arguments are required: name"),
    (["users", "add", "An Peeters", "--group", "kabinet"], PASSWORD,
     "error: ongeldige gebruikersnaam 'An Peeters': gebruik kleine letters, cijfers, '.', '-' en '_'"),
    (["users", "add", "bert", "--group", "Kabinet!"], PASSWORD,
     "error: ongeldige groepsnaam 'Kabinet!': gebruik kleine letters, cijfers, - en _ (bv. kabinet)"),
    (["users", "add", "bert", "--group", "kabinet"], "",
     "error: geen wachtwoord: geef het op standaardinvoer (bv. een regel uit een wachtwoordbeheerder)"),
    (["users", "add", "bert", "--group", "kabinet"], "kort", "error: het wachtwoord is te kort: minstens 8 tekens"),
    (["users", "add", "an", "--group", "kabinet"], PASSWORD,
     "error: gebruiker 'an' bestaat al; verwijder hem eerst met `users remove an`"),
    (["users", "remove", "bert"], "", "error: geen gebruiker 'bert' in {path} (wel: an)"),
    (["users", "token", "bert"], "", "error: geen gebruiker 'bert' in {path} (wel: an)"),
    (["users", "revoke-tokens", "bert"], "", "error: geen gebruiker 'bert' in {path} (wel: an)"),
    (["users", "token"], "", "error: python -m assistant users token: the following arguments are required: name"),
    (["users", "list", "--all"], "", "error: python -m assistant: unrecognized arguments: --all"),
]


@pytest.mark.parametrize(("args", "stdin", "line"), BAD_INPUT, ids=[" ".join(a[:3]) for a, _, _ in BAD_INPUT])
def test_bad_input_to_a_users_command_is_one_line_and_exit_code_2(tmp_path: Path, args: list[str], stdin: str,
                                                                  line: str, capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.json"
    UsersFile(path).add("an", ["kabinet"], PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin + "\n" if stdin else ""))
    with_file = [*args, "--users", str(path)] if len(args) > 1 else args
    try:
        code = main(with_file)
    except SystemExit as exc:  # argparse's complaints leave through exit()
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert (code, out.out, out.err) == (2, "", line.format(path=path) + "\n")
    assert PASSWORD not in out.err


FILE_PROBLEMS = [
    (None, "error: geen gebruikersbestand {path}; maak het met `python -m assistant users add NAAM --group GROEP "
           "--users {path}`"),
    (0o644, "error: {path} is leesbaar of schrijfbaar voor anderen (rechten 644); maak het privé: chmod 600 {path}"),
    ("kapot", "error: {path} is geen leesbaar gebruikersbestand (JSONDecodeError); herstel het of begin een nieuw "
              "met `users add`"),
]
COMMANDS = [["list"], ["token", "an"], ["remove", "an"], ["revoke-tokens", "an"], ["add", "bert", "--group", "kabinet"]]


# Every command with every problem, but `add` with a missing file: that one makes the file.
@pytest.mark.parametrize(("mode", "line", "command"), [(m, line, c) for m, line in FILE_PROBLEMS for c in COMMANDS
                                                       if not (m is None and c[0] == "add")])
def test_a_missing_open_or_broken_users_file_is_one_line_and_exit_code_2(
        tmp_path: Path, mode: object, line: str, command: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.json"
    if mode == "kapot":
        path.write_text("{kapot")
        path.chmod(0o600)
    elif mode is not None:
        UsersFile(path).add("an", ["kabinet"], PASSWORD)
        path.chmod(int(str(mode)))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", *command, "--users", str(path)]) == 2
    out = capsys.readouterr()
    assert (out.out, out.err) == ("", line.format(path=path) + "\n")


def test_no_password_or_token_in_any_output_or_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The real command line, verbose, through every command and some failures."""
    path = str(tmp_path / "users.json")
    caplog.set_level(logging.DEBUG)
    seen = [users_cli(["users", "add", "an", "--group", "kabinet", "--users", path, "-v"], PASSWORD + "\n")[1:]]
    code, token, err = users_cli(["users", "token", "an", "--users", path])
    assert code == 0
    seen.append(("", err))
    seen.append(users_cli(["users", "add", "an", "--group", "kabinet", "--users", path], PASSWORD + "\n")[1:])
    seen.append(users_cli(["users", "list", "--users", path])[1:])
    seen.append(users_cli(["users", "revoke-tokens", "an", "--users", path])[1:])
    everything = "".join(a + b for a, b in seen) + caplog.text + Path(path).read_text()
    assert PASSWORD not in everything and token.strip() not in everything
    assert seen[2] == ("", "error: gebruiker 'an' bestaat al; verwijder hem eerst met `users remove an`\n")


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True),
                                                ("[::1]", True), ("localhost", True), ("0.0.0.0", False),
                                                ("192.168.1.5", False), ("::", False), ("example.org", False)])
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serving_openly_off_loopback_needs_no_auth(tmp_path: Path) -> None:
    assert open_server_notice("127.0.0.1", False, tmp_path / "u.json") == ""
    assert open_server_notice("0.0.0.0", True, tmp_path / "u.json").startswith("deze server is open (--no-auth)")
    with pytest.raises(UsersError) as caught:
        open_server_notice("0.0.0.0", False, "users.json")
    assert str(caught.value) == (
        "serve op 0.0.0.0 zonder aanmelden weigert te starten: iedereen op het netwerk zou alles lezen. Maak een "
        "gebruiker (`python -m assistant users add NAAM --group GROEP --users users.json`, wachtwoord op "
        "standaardinvoer) en start met `serve --users users.json`, of kies uitdrukkelijk --no-auth")


def test_serve_off_loopback_without_users_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_USERS_FILE"}
    serve = [sys.executable, "-m", "assistant", "serve", "--host", "0.0.0.0", "--port", "1",
             "--index", str(tmp_path / "index")]

    def run(extra: list[str], **more_env: str) -> tuple[int, str, str]:
        done = subprocess.run([*serve, *extra], capture_output=True, text=True, cwd=ROOT, timeout=120,
                              env={**env, "PYTHONPATH": str(ROOT), **more_env})
        return done.returncode, done.stdout, done.stderr

    if not (ROOT / "users.json").exists():  # the default users file: absent in a fresh clone
        code, out, err = run([])
        assert (code, out) == (2, "")
        assert err == ("error: serve op 0.0.0.0 zonder aanmelden weigert te starten: iedereen op het netwerk zou "
                       "alles lezen. Maak een gebruiker (`python -m assistant users add NAAM --group GROEP --users "
                       f"{ROOT / 'users.json'}`, wachtwoord op standaardinvoer) en start met `serve --users "
                       f"{ROOT / 'users.json'}`, of kies uitdrukkelijk --no-auth\n")
    missing = tmp_path / "nergens.json"
    expected = (2, "", f"error: geen gebruikersbestand {missing}; maak het met `python -m assistant users add NAAM "
                       f"--group GROEP --users {missing}`\n")
    assert run(["--users", str(missing)]) == expected
    assert run([], ASSISTANT_USERS_FILE=str(missing)) == expected


def test_a_users_file_that_cannot_be_written_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "een-bestand").write_text("")
    path = tmp_path / "een-bestand" / "users.json"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "an", "--group", "kabinet", "--users", str(path)]) == 2
    assert capsys.readouterr() == ("", f"error: kan {path} niet schrijven: File exists\n")


def test_a_failure_while_hashing_shows_no_password_in_its_traceback(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import traceback

    from assistant.auth import users as users_module

    class Broken:
        def hash(self, password: str) -> str:
            raise RuntimeError("argon2 went wrong")

    monkeypatch.setattr(users_module, "_HASHER", Broken())
    with pytest.raises(RuntimeError) as caught:
        UsersFile(tmp_path / "users.json").add("an", ["kabinet"], PASSWORD)
    shown = "".join(traceback.format_exception(caught.value))
    assert "argon2 went wrong" in shown and PASSWORD not in shown
