#!/usr/bin/env bash
# Starts a local three-node Tailor cluster on this machine's PostgreSQL and NATS JetStream, with
# the demo shop's data: `npm run cluster`. Ctrl-C stops the nodes; the data stays (database
# tailor_cluster, NATS prefix tailor_cluster, keys in .tailor-cluster/) for the next start.
# Remove it with: scripts/cluster.sh --reset
set -euo pipefail
cd "$(dirname "$0")/.."
home=.tailor-cluster
database=tailor_cluster
postgres=${TAILOR_CLUSTER_POSTGRES:-postgres://postgres@127.0.0.1:5432}
nats=${TAILOR_CLUSTER_NATS:-nats://127.0.0.1:4222}
tailor=(node packages/server/bin/tailor.js)

scripts/start-services.sh
[ -f packages/server/dist/cli/main.js ] || npm run build

if [ "${1:-}" = "--reset" ]; then
  psql "$postgres/postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)"
  node -e "
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: '$nats' });
    const jsm = await jetstreamManager(nc);
    try { await jsm.streams.delete('tailor_cluster_events'); } catch {}
    await nc.close();" --input-type=module
  rm -rf "$home"
  echo "removed the cluster's database, stream and keys"
  exit 0
fi

mkdir -p "$home" && chmod 700 "$home"
[ -f "$home/keys" ] || "${tailor[@]}" keys init "$home/keys" > /dev/null
if [ ! -f "$home/api-keys" ]; then
  umask 077
  printf 'TAILOR_WRITE_KEY=write-%s\nTAILOR_ADMIN_KEY=admin-%s\n' \
    "$(node -e "process.stdout.write(require('crypto').randomBytes(12).toString('hex'))")" \
    "$(node -e "process.stdout.write(require('crypto').randomBytes(12).toString('hex'))")" > "$home/api-keys"
fi
# shellcheck disable=SC1091
source "$home/api-keys"
psql "$postgres/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 ||
  psql "$postgres/postgres" -qc "CREATE DATABASE $database"

export TAILOR_POSTGRES_URL="$postgres/$database" TAILOR_NATS_URL="$nats" TAILOR_NATS_PREFIX=tailor_cluster
export TAILOR_ENCRYPTION_KEY_FILE="$PWD/$home/keys" TAILOR_WRITE_KEY TAILOR_ADMIN_KEY
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
for n in 1 2 3; do
  demo=()
  [ "$n" = 1 ] && demo=(--demo) # the first node loads the demo data into an empty stream
  "${tailor[@]}" serve --port "770$n" --data "$home/node-$n" --log-level warn "${demo[@]}" \
    > >(sed "s/^/[node $n] /") 2>&1 &
  pids+=($!)
  # One at a time: the first creates the schema and the stream.
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/770$n") 2>/dev/null && break
    sleep 0.2
  done
done
cat <<INFO

Three nodes of one installation: http://127.0.0.1:7701, :7702, :7703 (any of them collects,
reads and decides). Write key: $TAILOR_WRITE_KEY   Admin key: $TAILOR_ADMIN_KEY
Try: curl -s http://127.0.0.1:7702/v1/profiles?identifier=userId:user-1001 -H "Authorization: Bearer $TAILOR_ADMIN_KEY"
Kill one (kill -9) and watch the others take its partitions over. Ctrl-C stops them all.
INFO
wait
