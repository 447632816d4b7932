#!/usr/bin/env bash
# Makes sure the servers Tailor's scale-out tests use are up on loopback, installing them from
# Debian's archive when they are missing and starting them when they are not running:
#   PostgreSQL on 127.0.0.1:5432 (user postgres, no password), NATS with JetStream on 127.0.0.1:4222,
#   MariaDB on 127.0.0.1:3306 (root, no password).
# Does nothing when they already answer. Runs as root or through sudo when it must install or start.
# A PostgreSQL this script installs is a new, empty cluster: it lets the postgres user in from
# 127.0.0.1 without a password (the tests' default URL); set TAILOR_TEST_POSTGRES_URL to use another.
set -euo pipefail

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do
    answers "$port" && return 0
    sleep 0.5
  done
  echo "$name did not start on 127.0.0.1:$port" >&2
  return 1
}

install() {
  echo "installing $* (Debian packages) for the tests"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$@"
}

if [ -z "${TAILOR_TEST_POSTGRES_URL:-}" ] && ! answers 5432; then
  installed_now=false
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    install postgresql
    installed_now=true
  fi
  version=$(ls /etc/postgresql | sort -n | tail -1)
  if $installed_now; then
    hba=/etc/postgresql/$version/main/pg_hba.conf
    "${as_root[@]}" sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  fi
  "${as_root[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_for 5432 PostgreSQL
fi

if [ -z "${TAILOR_TEST_NATS_URL:-}" ] && ! answers 4222; then
  command -v nats-server >/dev/null || install nats-server
  "${as_root[@]}" mkdir -p /var/lib/nats-server
  "${as_root[@]}" start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for 4222 "NATS"
fi

# MariaDB on 127.0.0.1:3306 (root, no password): the database sources' tests read a table there.
if [ -z "${TAILOR_TEST_MYSQL_URL:-}" ] && ! answers 3306; then
  installed_now=false
  if [ ! -x /usr/sbin/mariadbd ]; then
    install mariadb-server
    installed_now=true
  fi
  "${as_root[@]}" mkdir -p /run/mysqld
  "${as_root[@]}" chown mysql:mysql /run/mysqld 2>/dev/null || true
  "${as_root[@]}" start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for 3306 MariaDB
  # A new install lets root in through its socket only: let it in over loopback without a password too.
  if $installed_now; then
    "${as_root[@]}" mariadb -uroot -e \
      "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')"
  fi
fi

# The fault tests (test/e2e/service-faults.e2e.test.ts) run a nats-server and a PostgreSQL of
# their own, to stop and start under load: their programs are wanted even when the servers above
# answer from elsewhere (a container, another host), or those tests would be skipped.
missing=()
[ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null || missing+=(nats-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] || install "${missing[@]}"
