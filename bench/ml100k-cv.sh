#!/usr/bin/env bash
# bench/ml100k-cv.sh - 5-fold cross-validated RMSE/MAE of svdtrain on MovieLens 100K, and the
# wall time of the whole 5-fold sgd run, against Surprise's published benchmark table; and
# Bayesian MF by Gibbs sampling (--algo=bpmf) side by side with sgd, both of its model forms.
#
# Protocol (that of Surprise's benchmark, https://surpriselib.com): all 100,000 ratings of
# ml-100k/u.data, 5 folds of a random permutation (splitdata --folds=5 --seed=1), each fold
# in turn the test set; train on the other four, predict the held-out ratings (clipped to
# 1..5), RMSE and MAE per fold and their mean.
set -u
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$root/bin}
export PATH="$bin:$PATH"
data=${RECMAIL_SHARED_DATA:-$root/../shared/data}/ml-100k/u.data
folds=5
seed=${SEED:-1}

if [ ! -r "$data" ]; then
	echo "ml100k-cv: skipped: $data is absent"
	exit 0
fi
for p in ratings2mat splitdata svdtrain evaluate; do
	if [ ! -x "$bin/$p" ]; then
		echo "ml100k-cv: skipped: $bin/$p is not built (make)"
		exit 0
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
# CPU seconds (user + system) of this shell's finished children so far
cpu_now() { echo "$(awk '{print $16 + $17}' /proc/$$/stat) / $(getconf CLK_TCK)" | bc -l; }
field() { jq -r ".$1" "$2"; }

echo "# ml100k-cv: 5-fold cross-validation on MovieLens 100K"
echo "# data: $data ($(wc -l <"$data") ratings)"
echo "# folds: splitdata --folds=$folds --fold=I --seed=$seed (random permutation, as Surprise's KFold)"
echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) at the start"
echo "#   (the wall time is only meaningful on an otherwise idle machine); svdtrain threads: default"
echo "# baseline (Surprise benchmark table, ml-100k, 5-fold): SVD 0.934 RMSE / 0.737 MAE,"
echo "#   SVD++ 0.919 / 0.721, KNNBaseline 0.931 / 0.733"
ratings2mat --format=tsv --columns=user,item,rating,ts <"$data" >"$tmp/all.st" || exit 1
for ((f = 0; f < folds; f++)); do
	splitdata --folds=$folds --fold=$f --seed="$seed" --train="$tmp/train$f.st" \
	    --test="$tmp/test$f.st" "$tmp/all.st" || exit 1
done

# run ALGO ARGS...: trains and evaluates every fold; prints per-fold lines, leaves the means
# in mean_rmse, mean_mae, the wall time of the trainings and evaluations in secs and their CPU
# seconds in cpu; LABEL names the run (default: the algorithm)
run() {
	local algo=$1 t0 t1 f c0 label
	shift
	label=${LABEL:-$algo}
	c0=$(cpu_now)
	t0=$(now)
	for ((f = 0; f < folds; f++)); do
		svdtrain --algo="$algo" "$@" "$tmp/train$f.st" >"$tmp/model.st" || return 1
		evaluate --model="$tmp/model.st" --test="$tmp/test$f.st" >"$tmp/$label.$f.json" ||
		    return 1
	done
	t1=$(now)
	secs=$(echo "$t1 - $t0" | bc -l)
	cpu=$(echo "$(cpu_now) - $c0" | bc -l)
	for ((f = 0; f < folds; f++)); do
		printf '%-4s fold %d  rmse %.4f  mae %.4f  n %d\n' "$label" "$f" \
		    "$(field rmse "$tmp/$label.$f.json")" "$(field mae "$tmp/$label.$f.json")" \
		    "$(field n "$tmp/$label.$f.json")"
	done
	mean_rmse=$(cat "$tmp/$label".*.json | jq -s 'map(.rmse) | add / length')
	mean_mae=$(cat "$tmp/$label".*.json | jq -s 'map(.mae) | add / length')
	printf '%-4s mean    rmse %.4f  mae %.4f  (5 trainings + predictions: %.2f s, %.2f CPU s)\n' \
	    "$label" "$mean_rmse" "$mean_mae" "$secs" "$cpu"
}

# verdict NAME VALUE LIMIT: PASS when VALUE <= LIMIT
verdict() {
	if [ "$(echo "$2 <= $3" | bc -l)" -eq 1 ]; then
		printf '%-34s %8.4f <= %-6s PASS\n' "$1" "$2" "$3"
	else
		printf '%-34s %8.4f <= %-6s MISS\n' "$1" "$2" "$3"
	fi
}

echo
echo "## sgd: svdtrain --algo=sgd --factors=100 --epochs=20"
run sgd --factors=100 --epochs=20 || { echo "ml100k-cv: sgd failed"; exit 1; }
sgd_rmse=$mean_rmse sgd_mae=$mean_mae sgd_secs=$secs sgd_cpu=$cpu
echo
echo "## als: svdtrain --algo=als (its defaults: conjugate gradient, 3 steps per row and sweep)"
if run als; then
	als_rmse=$mean_rmse als_cpu=$cpu
else
	als_rmse=
	echo "als: failed"
fi
echo
echo "## als, exact solves (--solver=exact): the baseline of the CG's RMSE"
if LABEL=alsx run als --solver=exact; then
	alsx_rmse=$mean_rmse alsx_cpu=$cpu
else
	alsx_rmse=
	echo "als --solver=exact: failed"
fi
echo
echo "## svd (reference): svdtrain --algo=svd (its defaults)"
run svd || echo "svd: failed"
echo
echo "## bpmf: svdtrain --algo=bpmf (its defaults: k=10, 200 sweeps, burn-in 50, 50 samples kept,"
echo "##   per-user and per-item noise multipliers with Gamma(50, 50) priors)"
if run bpmf; then
	bpmf_rmse=$mean_rmse bpmf_secs=$secs bpmf_cpu=$cpu
else
	bpmf_rmse=
	echo "bpmf: failed"
fi
echo
echo "## bpmf, posterior-mean factors instead of averaged predictions (--samples=0)"
if LABEL=bpmf0 run bpmf --samples=0; then
	bpmf0_rmse=$mean_rmse
else
	bpmf0_rmse=
	echo "bpmf --samples=0: failed"
fi
echo
echo "## bpmf with one noise precision, as Salakhutdinov and Mnih's (--noise-shape=0)"
if LABEL=bpmf1 run bpmf --noise-shape=0; then
	bpmf1_rmse=$mean_rmse
else
	bpmf1_rmse=
	echo "bpmf --noise-shape=0: failed"
fi
echo
if [ -n "$bpmf_rmse" ]; then
	printf 'side by side: bpmf / sgd RMSE %.4f / %.4f = %.4f; 5-fold wall %.2f / %.2f s = %.2fx;' \
	    "$bpmf_rmse" "$sgd_rmse" "$(echo "$bpmf_rmse / $sgd_rmse" | bc -l)" "$bpmf_secs" \
	    "$sgd_secs" "$(echo "$bpmf_secs / $sgd_secs" | bc -l)"
	printf ' CPU %.2f / %.2f s = %.2fx\n' "$bpmf_cpu" "$sgd_cpu" "$(echo "$bpmf_cpu / $sgd_cpu" | bc -l)"
fi

echo
echo "## targets"
verdict "sgd mean RMSE (Surprise SVD 0.934)" "$sgd_rmse" 0.905
verdict "sgd mean MAE (Surprise SVD 0.737)" "$sgd_mae" 0.715
if [ -n "$als_rmse" ]; then
	verdict "als mean RMSE" "$als_rmse" 0.915
	verdict "als / sgd CPU seconds (issue 21)" "$(echo "$als_cpu / $sgd_cpu" | bc -l)" 2
	[ -n "$alsx_rmse" ] && verdict "als RMSE - exact solve's" \
	    "$(echo "$als_rmse - $alsx_rmse" | bc -l)" 0.0001 &&
	    printf '%-34s %8.2f (exact %.2f CPU s)\n' "als CPU s, 5 folds" "$als_cpu" "$alsx_cpu"
else
	echo "als mean RMSE                      (failed)          MISS"
fi
verdict "5-fold sgd wall time, s" "$sgd_secs" 1.5
if [ -n "$bpmf_rmse" ]; then
	verdict "bpmf mean RMSE (issue 21)" "$bpmf_rmse" 0.895
	verdict "5-fold bpmf wall time, s" "$bpmf_secs" 30
else
	echo "bpmf mean RMSE                     (failed)          MISS"
fi
[ -n "$bpmf0_rmse" ] && printf '%-34s %8.4f (posterior-mean factors; for comparison)\n' \
    "bpmf --samples=0 mean RMSE" "$bpmf0_rmse"
[ -n "$bpmf1_rmse" ] && printf '%-34s %8.4f (one noise precision; for comparison)\n' \
    "bpmf --noise-shape=0 mean RMSE" "$bpmf1_rmse"
