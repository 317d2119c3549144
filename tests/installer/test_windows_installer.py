"""The Inno Setup script: generated from installer/bundle_data.py, committed, linted.
(Inno Setup itself runs only on Windows: installer/README.md says what was run where.)"""

from __future__ import annotations

import re
import tomllib

from tests.installer.conftest import INSTALLER, ROOT, load

make_iss = load("windows/make_iss.py")
bundle_data = load("bundle_data.py")


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if re.fullmatch(r"\[\w+\]", line):
            current = line[1:-1]
            sections[current] = []
        elif current and line and not line.startswith(";"):
            sections[current].append(line)
    return sections


def _entries(lines: list[str]) -> list[dict[str, str]]:
    """`Name: "x"; Filename: "y"; Tasks: z` lines as dicts."""
    entries = []
    for line in lines:
        fields = re.findall(r'(\w+): ("(?:[^"]|"")*"|[^;]+)', line)
        entries.append({k: v.strip()[1:-1] if v.strip().startswith('"') else v.strip() for k, v in fields})
    return entries


def test_committed_script_is_what_the_generator_writes():
    committed = (INSTALLER / "windows" / "storeops.iss").read_bytes()
    assert committed == make_iss.render().replace("\n", "\r\n").encode("utf-8"), (
        "installer/windows/storeops.iss is stale: run python installer/windows/make_iss.py"
    )


def test_setup_is_per_user_versioned_and_identified():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    text = make_iss.render()
    setup = dict(line.split("=", 1) for line in _sections(text)["Setup"])
    assert f'#define AppVersion "{version}"' in text
    assert setup["PrivilegesRequired"] == "lowest"  # no administrator rights
    assert setup["DefaultDirName"] == r"{autopf}\StoreOps"  # %LOCALAPPDATA%\Programs per user
    assert re.fullmatch(r"\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["LicenseFile"].endswith("LICENSE") and (ROOT / "LICENSE").is_file()
    assert "{#AppVersion}" in setup["OutputBaseFilename"]


def test_shortcuts_and_the_entrance_display_at_login():
    sections = _sections(make_iss.render())
    tasks = {e["Name"] for e in _entries(sections["Tasks"])}
    icons = _entries(sections["Icons"])
    by_name = {e["Name"]: e for e in icons}
    assert by_name[r"{autoprograms}\StoreOps"]["Filename"] == r"{app}\{#AppExe}"
    assert by_name[r"{autodesktop}\StoreOps"]["Tasks"] == "desktopicon"
    startup = by_name[r"{userstartup}\StoreOps entrance display"]
    own = by_name[r"{autoprograms}\StoreOps entrance display"]
    for entry in (startup, own):
        assert entry["Tasks"] == "kiosk"
        assert entry["Parameters"] == 'kiosk --store ""{code:KioskStore}""'
    for entry in icons:
        if "Tasks" in entry:
            assert entry["Tasks"] in tasks
    # Every {code:...} function named in an entry is defined in [Code].
    text = make_iss.render()
    code = text[text.index("[Code]") :]
    for function in set(re.findall(r"\{code:(\w+)\}", text)):
        assert re.search(rf"function {function}\(Param: String\): String;", code), function


def test_the_store_page_and_the_uninstaller_question():
    text = make_iss.render()
    code = text[text.index("[Code]") :]
    assert "CreateInputQueryPage(wpSelectTasks" in code
    assert "WizardIsTaskSelected('kiosk')" in code  # the page only when the task is ticked
    # Settings are removed only when the user answers yes, and only the app's folder.
    assert "usPostUninstall" in code and "MB_DEFBUTTON2" in code
    assert f"DelTree(ExpandConstant('{bundle_data.WINDOWS_DATA_DIR}')" in code


def test_every_constant_and_define_is_known():
    text = make_iss.render()
    body = text[: text.index("[Code]")]
    known_constants = {
        "app", "autopf", "autoprograms", "autodesktop", "userstartup", "localappdata", "code",
    }  # fmt: skip
    for constant in re.findall(r"(?<!\{)\{(\w+)[:}]", body):
        assert constant in known_constants, constant
    defined = set(re.findall(r"#define (\w+)", text))
    for used in re.findall(r"\{#(\w+)\}", text):
        assert used in defined, used
    # Files come from the one-folder build, VLC's files inside it (no second copy).
    assert _entries(_sections(text)["Files"]) == [
        {"Source": r"{#SourceDir}\*", "DestDir": "{app}", "Flags": "ignoreversion recursesubdirs createallsubdirs"}
    ]


def test_the_build_script_takes_vlc_from_one_variable_then_compiles():
    ps1 = (INSTALLER / "windows" / "build-windows.ps1").read_text()
    assert "[string]$VlcDir = $env:STOREOPS_VLC_DIR" in ps1
    steps = [ps1.index(s) for s in ("installer\\storeops.spec", "make_iss.py", "$Iscc /Qp", "--check-video")]
    assert steps == sorted(steps)
