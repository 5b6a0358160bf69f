"""Shared by the benchmark scripts: build the HSoftmax command-line tool once and return how to run it."""
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_cli(root=ROOT):
    """Builds src/HSoftmax.Cli of a checkout (this one by default) in Release, with its torch and gpu add-ons
    (which it finds beside it, in their own bin folders), and returns the command prefix that runs it."""
    for project in ("src/HSoftmax.Cli.Torch", "src/HSoftmax.Cli.Gpu"):
        if (Path(root) / project).exists():  # a checkout from before the add-ons has the engines in the tool
            subprocess.run(["dotnet", "build", str(Path(root) / project), "-c", "Release", "-v", "q", "-nologo"],
                           check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["dotnet", "build", str(Path(root) / "src/HSoftmax.Cli"), "-c", "Release", "-v", "q", "-nologo"],
                   check=True, stdout=subprocess.DEVNULL)
    return ["dotnet", str(Path(root) / "src/HSoftmax.Cli/bin/Release/net10.0/HSoftmax.Cli.dll")]
