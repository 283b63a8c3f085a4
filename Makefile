# Two commands get a newcomer going: `make run` and `make test`. Both create .venv when it is
# missing and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: run test lint bench bench-training corpus corpus-genres check-learning screenshots starter stems-eval stems-bundle clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Note transcription (the midi extra) runs basic-pitch's ONNX model; basic-pitch goes in
# without its dependencies, since its metadata asks for TensorFlow, which that path never uses
# (`pip check` then names tensorflow and its resampy<0.4.3 pin; neither matters here).
BASIC_PITCH := basic-pitch==0.4.0

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[midi]"
	$(PY) -m pip install --quiet --no-deps $(BASIC_PITCH)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m pip install --quiet --no-deps $(BASIC_PITCH)
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(PY) main.py

test: $(VENV)/.installed-dev
	QT_QPA_PLATFORM=offscreen OMP_NUM_THREADS=2 $(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) scripts/bench.py --out build/bench.json
	$(PY) scripts/bench_autoencoder.py --out build/bench-autoencoder.json
	$(PY) scripts/bench_first_take.py --out build/bench-first-take.json
	$(PY) scripts/bench_lengths.py --out build/bench-lengths.json
	$(PY) scripts/bench_schedules.py --out build/bench-schedules.json
	QT_QPA_PLATFORM=offscreen $(PY) scripts/bench_ui_stall.py --out build/bench-ui-stall.json
	$(PY) scripts/bench_compile.py --out build/bench-compile.json
	$(PY) scripts/bench_take.py --recipe pack_stems_starter --seconds 10 --runs 3 > build/bench-take-stems.json

bench-training: $(VENV)/.installed
	$(PY) scripts/bench_training.py --recipe pack_small --batch 1 2 4 --steps 6 --threads 2

MINUTES ?= 20
starter: $(VENV)/.installed  ## resumable: each run continues the last checkpoint or the shipped pack
	test -f corpus/manifest.jsonl || $(MAKE) corpus
	nice -n 10 $(PY) scripts/train_starter.py --minutes $(MINUTES)
	$(PY) scripts/evaluate_starter.py --json build/starter-eval.json --pictures docs/starter --update-pack

EVAL_PACKS ?= --pack starter
stems-eval: $(VENV)/.installed  ## the stems measures of docs/starter-model.md (corpus references beside each pack)
	$(PY) -m pip install --quiet -e ".[midi]"
	test -f corpus-genres/manifest.jsonl || $(MAKE) corpus-genres
	$(PY) scripts/evaluate_stems.py --corpus corpus-genres $(EVAL_PACKS) --takes 20 --json build/stems-eval.json

SCORE_LIMIT ?= 2500
GENRE_LIMIT ?= 6000
corpus: $(VENV)/.installed  ## score pieces + genre songs in corpus/ (resumable); apt packages: see README
	$(PY) -m pip install --quiet -e ".[corpus]"
	nice -n 15 $(PY) main.py corpus build --out corpus --workers 2 --limit $(SCORE_LIMIT)
	nice -n 15 $(PY) main.py corpus build --kind genres --out corpus --workers 2 --limit $(GENRE_LIMIT)
	$(PY) main.py corpus stats corpus

corpus-genres: $(VENV)/.installed  ## the genre songs alone, in corpus-genres/ (resumable; see docs/corpus.md)
	$(PY) -m pip install --quiet -e ".[corpus]"
	nice -n 15 $(PY) main.py corpus build --kind genres --out corpus-genres --workers 2 --limit $(GENRE_LIMIT)

# What one call to a GPU machine carries to train starter pack 2's prior (docs/training.md):
# a stems bundle of 20 s excerpts within 24 MiB, from the genre corpus (the first
# BUNDLE_CORPUS clips are built when there is none), and the wheels its image lacks for
# GPU_PYTHON. Then: run(command="bash scripts/gpu_stems_prior.sh 8",
# carry=["build/stems-bundle", ".whl"]).
BUNDLE_CORPUS ?= 300
GPU_PYTHON ?= 3.12
stems-bundle: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[corpus]"
	test -f corpus-genres/manifest.jsonl || nice -n 15 $(PY) main.py corpus build --kind genres --out corpus-genres --workers 2 --limit $(BUNDLE_CORPUS)
	$(PY) scripts/stems_bundle.py --corpus corpus-genres --base starter --config prior_stems_starter --out build/stems-bundle --max-mib 24 --excerpt-s 20
	$(PY) -m pip download --quiet --no-deps --only-binary=:all: --python-version $(GPU_PYTHON) --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 -d .whl soundfile cffi pycparser platformdirs

check-learning: $(VENV)/.installed
	$(PY) scripts/check_learning.py --threads 1 --out build/check-learning.json

screenshots: $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshots.py

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check ainur_studio engine commands ui tests scripts main.py
	$(VENV)/bin/lint-imports

clean-venv:
	rm -rf $(VENV)
