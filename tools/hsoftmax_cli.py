"""Shared by the benchmark scripts: build the HSoftmax command-line tool once and return how to run it."""
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_cli(root=ROOT):
    """Builds src/HSoftmax.Cli of a checkout (this one by default) in Release and returns the command prefix that runs it."""
    subprocess.run(["dotnet", "build", str(Path(root) / "src/HSoftmax.Cli"), "-c", "Release", "-v", "q", "-nologo"],
                   check=True, stdout=subprocess.DEVNULL)
    return ["dotnet", str(Path(root) / "src/HSoftmax.Cli/bin/Release/net10.0/HSoftmax.Cli.dll")]
