#!/bin/bash
# Slurm: joins the shards of deploy/slurm-array.sh once every task succeeded
# (submitted with --dependency=afterok:<array job id>, deploy/README.md).
#SBATCH --job-name=xstorm-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=00:10:00
#SBATCH --output=results/slurm-merge-%j.out
set -euo pipefail
npx xstorm merge results/shard-* --out results/boot-storm
