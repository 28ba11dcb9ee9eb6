#!/usr/bin/env bash
# W1, W2 and W4 of this checkout beside an earlier commit (default b5438dd, the last before the architecture issue),
# alternating, on the wasm backend at matmul precision 'highest' (what that commit ran), 5 rounds; prints one line
# per process: side, W1 ms/epoch, W2 ms/step, W4 µs/op. Compare medians. bench/before-after.md records a run.
#   bash bench/before-after.sh [commit]
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(mktemp -d)
trap 'git worktree remove --force "$old" >/dev/null 2>&1 || true' EXIT
git worktree add --detach "$old" "${1:-b5438dd}" >/dev/null 2>&1
(cd "$old" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null 2>&1) # its own packages, not these
for round in 1 2 3 4 5; do
  for side in before after; do
    if [ "$side" = before ]; then dir=$old; args=(); else dir=.; args=(--backend=wasm); fi
    (cd "$dir" && TENSORGRAD_MATMUL_PRECISION=highest node --import tsx bench/tensorgrad.ts --only=W1,W2,W4 --quick \
      --w1-epochs=1000 --w2-steps=50 "${args[@]}" 2>/dev/null | tail -1) |
      node -e "const d = JSON.parse(require('fs').readFileSync(0, 'utf8')); console.log('$side', d.W1.ms_per_epoch.toFixed(3), d.W2.ms_per_step.toFixed(2), d.W4.us_per_op.toFixed(3))"
  done
done
