#!/usr/bin/env bash
# Train starter pack 2's stems prior on the GPU machine, from the repository root there:
#
#   run(command="bash scripts/gpu_stems_prior.sh 8", carry=["build/stems-bundle", ".whl"],
#       timeout_s=660)
#
# $1: minutes of training (counted from the first step; default 8). Prepared here first by
# `make stems-bundle`: build/stems-bundle (20 s excerpts of the genre corpus, int8 latents,
# within 24 MiB) and .whl/ (the wheels the GPU image lacks: soundfile with libsndfile, cffi,
# pycparser, platformdirs).
# The run folder stays on the machine (/tmp/stems-run, so a second call on a warm machine
# continues it); the prior's fp16 weights and log.json come back in $OUT, then
#   .venv/bin/python scripts/stems_bundle_train.py import --weights <files_at> --out PACKDIR
set -euo pipefail
minutes="${1:-8}"
python=${PYTHON:-python3}
if ! "$python" -c "import soundfile, platformdirs" 2> /dev/null && compgen -G ".whl/*.whl" > /dev/null; then
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
out="${OUT:?OUT: the folder whose files come back}"
run="${STEMS_RUN:-/tmp/stems-run}"
"$python" scripts/stems_bundle_train.py train --bundle build/stems-bundle --out "$run" \
    --base starter --config prior_stems_starter --minutes "$minutes" ${DEVICE:+--device "$DEVICE"} \
    2>&1 | tee "$out/train.log"
cp "$run"/prior0.safetensors "$run"/prior1.safetensors "$run"/log.json "$out"/
