# The README's commands. Each target sets everything up first (system packages, .venv), then runs.
.PHONY: setup demo test test-fast bench lint

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/python -m evidence_kit.demo

test: setup
	.venv/bin/python -m pytest

test-fast: setup
	.venv/bin/python -m pytest -m "not browser and not slow"

bench: setup
	.venv/bin/python -m benchmarks
	.venv/bin/python -m benchmarks.capture_speed
	.venv/bin/python -m benchmarks.capture_memory
	.venv/bin/python -m benchmarks.process_speed
	.venv/bin/python -m benchmarks.readme_table

lint: setup
	.venv/bin/ruff check evidence_kit chain_of_custody tests benchmarks
	.venv/bin/ruff format --check evidence_kit chain_of_custody tests benchmarks
	.venv/bin/mypy chain_of_custody evidence_kit
