<#
.SYNOPSIS
  Build StoreOps for Windows: the one-folder app (PyInstaller), then the installer (Inno Setup 6).

.DESCRIPTION
  Run from a "Developer" or plain PowerShell on 64-bit Windows with Python 3.11 (x64) and
  Inno Setup 6 installed. VLC's files come from the official VLC 3 zip for win64
  (https://get.videolan.org/vlc/ -> vlc-3.0.x-win64.zip), unpacked anywhere: -VlcDir
  (or $env:STOREOPS_VLC_DIR) is its folder, the one holding libvlc.dll and plugins\.
  Nothing of VLC needs to be installed on the build machine or the store's PC.

  Output: dist\storeops\storeops.exe (the app) and dist\StoreOps-<version>-Setup.exe.

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File installer\windows\build-windows.ps1 -VlcDir C:\build\vlc-3.0.21
#>
param(
    # The unpacked official VLC 3 zip (folder with libvlc.dll, libvlccore.dll, plugins\).
    [string]$VlcDir = $env:STOREOPS_VLC_DIR,
    [string]$Python = "py -3.11",
    [string]$Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    [switch]$SkipSetup
)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

if (-not $VlcDir -or -not (Test-Path (Join-Path $VlcDir "libvlc.dll"))) {
    throw "VLC not found: pass -VlcDir <folder of the unpacked vlc-3.0.x-win64.zip> (libvlc.dll missing in '$VlcDir')"
}
if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 not found at $Iscc (pass -Iscc)" }
$env:STOREOPS_VLC_DIR = (Resolve-Path $VlcDir).Path
# The notices name VLC's version; the zip's folder is vlc-<version>.
if ((Split-Path $VlcDir -Leaf) -match '^vlc-(\d+\.\d+\.\d+)') { $env:STOREOPS_VLC_VERSION = $Matches[1] }

$venv = ".venv-win"
if (-not $SkipSetup) {
    if (-not (Test-Path "$venv\Scripts\python.exe")) { Invoke-Expression "$Python -m venv $venv" }
    & "$venv\Scripts\python.exe" -m pip install -q --upgrade pip
    & "$venv\Scripts\python.exe" -m pip install -q -e ".[build]"
    if ($LASTEXITCODE) { throw "pip install failed" }
}
$py = "$venv\Scripts\python.exe"

$started = Get-Date
& $py -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build\pyinstaller installer\storeops.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }
$size = (Get-ChildItem dist\storeops -Recurse | Measure-Object Length -Sum).Sum / 1MB
Write-Host ("[build] app built in {0:N0} s, {1:N0} MB unpacked" -f ((Get-Date) - $started).TotalSeconds, $size)

# The .iss carries the version: regenerate it from pyproject.toml, then compile.
& $py installer\windows\make_iss.py
if ($LASTEXITCODE) { throw "make_iss failed" }
& $Iscc /Qp /DSourceDir=..\..\dist\storeops /DOutputDir=..\..\dist installer\windows\storeops.iss
if ($LASTEXITCODE) { throw "ISCC failed" }
$setup = Get-ChildItem dist\StoreOps-*-Setup.exe | Sort-Object LastWriteTime | Select-Object -Last 1
Write-Host ("[build] installer: {0} ({1:N1} MB)" -f $setup.FullName, ($setup.Length / 1MB))

# Smoke test of the frozen app (windowed: no console output, so read the exit code).
$check = Start-Process -FilePath dist\storeops\storeops.exe -ArgumentList "--check-video" -Wait -PassThru -NoNewWindow
if ($check.ExitCode -ne 0) { throw "storeops --check-video failed ($($check.ExitCode))" }
Write-Host "[build] storeops --check-video: ok"
