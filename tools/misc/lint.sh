#!/usr/bin/env bash
# Format the tree OpenMMLab's way, then run every lint hook on all files.
#
#   pip install -e '.[lint]'
#   bash tools/misc/lint.sh            # format in place (isort, yapf,
#                                      # mdformat), check
#   bash tools/misc/lint.sh --check    # check only (what CI runs)
#
# Settings: setup.cfg ([flake8], [isort], [yapf], [codespell]),
# pyproject.toml ([tool.interrogate]), .pre-commit-config.yaml (the hooks).
# What is left after the formatters (long comments and strings, unused
# names, misspellings) has to be fixed by hand; flake8 prints file:line.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ "${1:-}" != "--check" ]]; then
    # Only the tracked Python files: data/, work_dirs/ and .venv/ stay as
    # they are. isort first, then yapf (yapf keeps isort's import blocks).
    git ls-files -z -- '*.py' | xargs -0 isort --quiet
    git ls-files -z -- '*.py' | xargs -0 yapf -i
    git ls-files -z -- '*.md' ':!benchmarks/logs/' | xargs -0 mdformat --number
fi
# build yapf's grammar cache once, before pre-commit starts yapf processes
python -c 'import yapf' >/dev/null
pre-commit run --all-files --show-diff-on-failure
