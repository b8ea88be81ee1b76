#!/bin/bash
# Slurm: the boot-storm sweep of `xstorm bench --today` as a job array, one
# task per shard (`--shard auto` reads SLURM_ARRAY_TASK_ID with
# SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN, which Slurm sets).
# Submit with the merge after it (deploy/README.md):
#   jid=$(sbatch --parsable deploy/slurm-array.sh) && sbatch --dependency=afterok:$jid deploy/slurm-merge.sh
# Run from a checkout where `npm ci` has been run, on a shared filesystem.
#SBATCH --job-name=xstorm-shard
#SBATCH --array=0-3
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=results/slurm-%A_%a.out
set -euo pipefail
PROFILE=${PROFILE:-xen-2009}
npx xstorm sweep --scenario boot-storm --engines tdb-pernode,trie-replay --guests 50,100,200,400,1000 --driver sim --profile "$PROFILE" --shard auto --out "results/shard-$SLURM_ARRAY_TASK_ID"
