#!/bin/bash
# The GoSGD paper's wall-time claim where it lives: over a network. GoSGD's push is not waited
# for; EAMSGD's elastic step is a round trip to the center on rank 0. In one process the center is
# a lock and costs nothing, so this script plays HOSTS hosts with network namespaces joined through
# a bridge, each host's link limited to a rate with tc's token bucket (tbf), and runs the
# multi-process mode across them, rank 0 recording into one history.
#
# For each link rate it runs GoSGD p = 0.02 / EAMSGD tau = 50 and GoSGD p = 1 / EAMSGD tau = 1
# (same budget, data and seeds), then groups that rate's runs into one experiment
# ("gossiplab-cli experiment group"), so `gossiplab-cli experiment show ID` and the app's
# Experiments tab give its time-to-loss table and the GoSGD / EAMSGD ratios.
#
# Needs root (namespaces, tc). Traffic stays inside the namespaces. Everything it makes is named
# gl-net-* and removed at the end (also on Ctrl+C).
#
#   sudo bench/network_experiment.sh                     # 2 hosts x 2 workers, unlimited / 1gbit / 100mbit
#   HOSTS=4 PER_HOST=1 RATES="unlimited 100mbit" SEEDS=1 IMAGES=60000 bench/network_experiment.sh
#   ALGORITHMS=all ...                                   # also all-reduce, local SGD (H = 8), D-PSGD, AD-PSGD and SGP
#   ONLY='dpsgd|adpsgd' ALGORITHMS=all ...               # only the settings whose label matches (grep -E)
set -euo pipefail

CLI=${CLI:-build/ci/app/gossiplab-cli}
HOSTS=${HOSTS:-2}                         # 2 to 4 "hosts" (namespaces), one process each
PER_HOST=${PER_HOST:-2}                   # workers per process
RATES=${RATES:-"unlimited 1gbit 100mbit"}  # tc rates; "unlimited": no qdisc
SEEDS=${SEEDS:-"1 2"}
IMAGES=${IMAGES:-120000}                  # per worker (2 epochs of Fashion-MNIST)
DB=${DB:-$PWD/network-experiment.sqlite3}
PORT=${PORT:-29650}
# The paper's settings for LeNet on Fashion-MNIST; EAMSGD with Nesterov 0.99, the center tested.
COMMON=(--dataset fashion-mnist --model lenet --batch-size 128 --lr 0.01 --weight-decay 0.0001
        --images "$IMAGES" --eval-every 0 --peer-timeout 30 --join-timeout 120)
CONFIGS=("gosgd p=0.02|--algorithm gosgd --p 0.02"
         "eamsgd tau=50|--algorithm easgd --easgd-tau 50 --momentum 0.99 --test-model center"
         "gosgd p=1|--algorithm gosgd --p 1"
         "eamsgd tau=1|--algorithm easgd --easgd-tau 1 --momentum 0.99 --test-model center")
# ALGORITHMS=all: also the synchronous and push-sum algorithms, whose rounds wait for the network.
if [ "${ALGORITHMS:-paper}" = all ]; then
    CONFIGS+=("allreduce|--algorithm allreduce"
              "local-sgd H=8|--algorithm local-sgd --local-steps 8"
              "dpsgd|--algorithm dpsgd"
              "adpsgd|--algorithm adpsgd"
              "sgp|--algorithm sgp")
fi
if [ -n "${ONLY:-}" ]; then
    kept=()
    for entry in "${CONFIGS[@]}"; do grep -qE -- "$ONLY" <<< "${entry%%|*}" && kept+=("$entry"); done
    [ ${#kept[@]} -gt 0 ] || { echo "network_experiment: ONLY='$ONLY' matches no setting" >&2; exit 2; }
    CONFIGS=("${kept[@]}")
fi

die() { echo "network_experiment: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces and tc)"
[ -x "$CLI" ] || die "no $CLI (build first: cmake --build --preset ci), or set CLI="
CLI=$(readlink -f "$CLI")
[ "$HOSTS" -ge 2 ] && [ "$HOSTS" -le 4 ] || die "HOSTS is $HOSTS; allowed range: 2 to 4"
command -v tc >/dev/null || die "no tc (package iproute2)"

SWITCH=gl-net-sw
cleanup() {
    for ((h = 0; h < HOSTS; h++)); do ip netns del "gl-net-h$h" 2>/dev/null || true; done
    ip netns del "$SWITCH" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
cleanup

# The switch: a bridge in its own namespace; host h is 10.77.0.(h+1) on its eth0.
ip netns add "$SWITCH"
ip -n "$SWITCH" link add br0 type bridge
ip -n "$SWITCH" link set br0 up
for ((h = 0; h < HOSTS; h++)); do
    ns="gl-net-h$h"
    ip netns add "$ns"
    ip link add "gl-net-e$h" type veth peer name "gl-net-p$h"
    ip link set "gl-net-e$h" netns "$ns"
    ip link set "gl-net-p$h" netns "$SWITCH"
    ip -n "$ns" link set "gl-net-e$h" name eth0
    ip -n "$ns" addr add "10.77.0.$((h + 1))/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    ip -n "$SWITCH" link set "gl-net-p$h" master br0
    ip -n "$SWITCH" link set "gl-net-p$h" up
done

# Both directions of every host's link at `rate` (egress of each veth end).
setRate() {
    local rate=$1
    for ((h = 0; h < HOSTS; h++)); do
        ip netns exec "gl-net-h$h" tc qdisc del dev eth0 root 2>/dev/null || true
        ip netns exec "$SWITCH" tc qdisc del dev "gl-net-p$h" root 2>/dev/null || true
        [ "$rate" = unlimited ] && continue
        ip netns exec "gl-net-h$h" tc qdisc add dev eth0 root tbf rate "$rate" burst 512kb latency 100ms
        ip netns exec "$SWITCH" tc qdisc add dev "gl-net-p$h" root tbf rate "$rate" burst 512kb latency 100ms
    done
}

# One run across the hosts (every rank runs PER_HOST workers: --workers is per process); prints
# rank 0's run id.
runAcross() {
    local name=$1; shift
    local port=$((PORT++))
    local pids=() log
    for ((h = 1; h < HOSTS; h++)); do
        ip netns exec "gl-net-h$h" "$CLI" run --world "$HOSTS" --rank "$h" --master "10.77.0.1:$port" --workers "$PER_HOST" \
            --quiet > "$WORK/rank$h.log" 2>&1 &
        pids+=($!)
    done
    log=$WORK/rank0.log
    if ! ip netns exec gl-net-h0 "$CLI" run --world "$HOSTS" --rank 0 --master "10.77.0.1:$port" --workers "$PER_HOST" \
        --name "$name" --db "$DB" --quiet "$@" > "$log" 2>&1; then
        echo "rank 0 failed:" >&2; tail -5 "$log" >&2
    fi
    for pid in "${pids[@]}"; do wait "$pid" || echo "a rank > 0 exited with $?" >&2; done
    sed -n 's/.*recorded as run \([0-9][0-9]*\) in .*/\1/p' "$log" | tail -1
}

WORK=$(mktemp -d)
echo "history: $DB; $HOSTS hosts x $PER_HOST workers; rates: $RATES; seeds: $SEEDS; $IMAGES images per worker"
for rate in $RATES; do
    setRate "$rate"
    ids=()
    for seed in $SEEDS; do
        for entry in "${CONFIGS[@]}"; do
            label=${entry%%|*}
            read -r -a flags <<< "${entry#*|}"
            start=$(date +%s.%N)
            id=$(runAcross "network $rate: $label seed=$seed" "${COMMON[@]}" "${flags[@]}" --seed "$seed")
            printf '  %-9s %-14s seed %s: run %s, %.0f s\n' "$rate" "$label" "$seed" "${id:-?}" "$(echo "$(date +%s.%N) - $start" | bc)"
            [ -n "$id" ] && ids+=("$id=$label seed=$seed")
        done
    done
    [ ${#ids[@]} -gt 0 ] && "$CLI" experiment group --db "$DB" --kind paper-fig1 \
        --name "Network ${HOSTS}x${PER_HOST} workers, link $rate (fashion-mnist, lenet)" "${ids[@]}"
done
rm -rf "$WORK"
echo "done: gossiplab-cli experiments --db $DB"
