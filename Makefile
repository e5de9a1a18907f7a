# torchgrade: `make grade` sets everything up and grades the course (or the demo);
# `make test` runs the framework's own tests.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
OUT    ?= out

.PHONY: setup grade test test-fast serve bench gpu-check gpu-wheels release dist catalogs clean

setup: $(VENV)/.installed

# torch is pinned to the CPU build (2.13.0): any other spec pulls several GB of CUDA wheels.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e .
	touch $@

# Grades submissions/<assignment>/ for every assignment in course.yaml (A=<id>: only that
# one); with nothing there, the bundled demo class.
grade: setup
	$(PY) -m autograder grade $(A) --out $(OUT)

test: setup
	$(PY) -m pytest -q

# The same less the slowest modules (pytest mark "slow"), for a quick loop while editing.
test-fast: setup
	$(PY) -m pytest -q -m "not slow"

# The LTI 1.3 tool (lti.yaml: copy lti.example.yaml), on 127.0.0.1:8000 behind HTTPS.
serve: setup
	$(PY) -m autograder serve

# Per assignment: seconds per notebook against otter run and nbgrader autograde, overhead,
# memory; and 5 x 1000 submissions (about 20 minutes). README's table: bench/speed.py --readme.
bench: setup
	$(PY) bench/speed.py

# On a machine with an NVIDIA GPU: the demo, the wrong-solution corpus and the sandbox tests
# with CUDA present, and what ran where (bench/gpu_check.py; refuses to run without a GPU).
# Where that machine has no network but a Python with a CUDA torch (a lent one), carry the
# wheels `make gpu-wheels` fetched into .whl/: they are installed beside that torch.
gpu-check:
	if [ -d .whl ]; then \
		$(PYTHON) -m pip install -q --no-index --no-deps .whl/*.whl && $(PYTHON) bench/gpu_check.py; \
	else $(MAKE) setup && $(PY) bench/gpu_check.py; fi

# What grading imports beyond a CUDA machine's own Python 3.12 (bench/gpu-wheels.txt), as
# wheels in .whl/ (ignored by git).
gpu-wheels:
	$(PYTHON) -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
		--implementation cp --platform manylinux2014_x86_64 -d .whl -r bench/gpu-wheels.txt

# assignments/<id>.ipynb and assignments/<lang>/<id>.ipynb from solutions/ (all languages).
release: setup
	$(PY) -m autograder release

# Re-extract the message catalogs (autograder/locale/) and list what is left to translate.
catalogs: setup
	$(PY) -m autograder catalogs

# Per assignment: dist/<id>/<id>-student.zip (LMS) and dist/<id>/<id>-autograder.zip (Gradescope);
# and dist/nbgrader/, an nbgrader course directory; in the course's language (LANGS=hu,en: one
# release per language, in dist/<lang>/).
dist: setup
	$(PY) -m autograder dist $(if $(LANGS),--lang $(LANGS))

clean:
	rm -rf $(OUT) build dist
