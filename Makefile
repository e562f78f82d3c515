# One command each: `make run` and `make test` create .venv on first use and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Numeric libraries get one thread in tests: the machine has two cores and the suite runs in parallel with nothing.
TEST_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMEXPR_NUM_THREADS=1 MPLBACKEND=Agg

.PHONY: install run test lint docs matrix bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/maestro-mcp serve --print-config $(RUN_ARGS)

test: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -q

matrix: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -q -m matrix

lint: $(STAMP)
	$(BIN)/ruff check maestro_mcp tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m maestro_mcp.rag.build_docs --check

# After editing docs/ or the tool catalog: regenerate docs/tools.md, the packaged corpus and its vectors.
docs: $(STAMP)
	$(BIN)/python -m maestro_mcp.rag.build_docs

bench: $(STAMP)
	$(TEST_ENV) $(BIN)/python benchmarks/generate.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
