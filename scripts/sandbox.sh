#!/usr/bin/env bash
# sandbox.sh — throwaway MariaDB servers for mydba's demo and tests.
#
# Starts a primary and a GTID replica from Debian's MariaDB on loopback ports,
# each with its own data directory under one base directory, loads a sample
# shop schema, and runs an optional sysbench workload against it. It never
# touches the system's own MariaDB service.
#
# Usage: scripts/sandbox.sh COMMAND
#   start                 install packages if missing, start both servers, load
#                         data (first time), wait for the replica, print env
#   deps                  install the Debian packages it needs, nothing else
#   stop                  stop workload, replica, primary (data kept)
#   status                state of both servers, replication and workload
#   env                   print eval-able `export MYDBA_TEST_...` lines
#   sql [primary|replica] [mariadb args...]   mariadb client as root
#   workload start|stop|status                background sysbench shop workload
#   destroy               stop and delete the base directory
#
# Environment:
#   MYDBA_SANDBOX_DIR      base directory   (default /tmp/mydba-sandbox-<uid>)
#   MYDBA_SANDBOX_PORT     primary port     (default 13306; replica is +1)
#   MYDBA_WORKLOAD_THREADS sysbench threads (default 4)
#   MYDBA_WORKLOAD_RATE    events/s         (default 40)
#
# Progress goes to stderr and the environment to stdout, so
#   eval "$(scripts/sandbox.sh start)"
# starts the sandbox and exports the MYDBA_TEST_* variables.

set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly FILES_DIR="$SCRIPT_DIR/sandbox"
BASE=${MYDBA_SANDBOX_DIR:-/tmp/mydba-sandbox-$(id -u)}
readonly BASE
readonly PRIMARY_PORT=${MYDBA_SANDBOX_PORT:-13306}
readonly ROOT_PASSWORD=sandbox
readonly REPL_PASSWORD=repl-sandbox
readonly MARKER="$BASE/.mydba-sandbox"
readonly WORKLOAD_PID="$BASE/workload.pid"
readonly WORKLOAD_LOG="$BASE/workload.log"
# shop-data.sql sets this comment last; a `shop` without it is a failed load.
readonly LOADED_COMMENT='mydba sandbox sample data'
readonly START_TIMEOUT=60 STOP_TIMEOUT=60 CATCHUP_TIMEOUT=120

log() { printf 'sandbox: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# Nanoseconds since the epoch, for durations.
now_ns() { date +%s%N; }
# Seconds with one decimal between two now_ns values.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

server_dir() { printf '%s/%s' "$BASE" "$1"; }
server_port() {
	if [[ $1 == primary ]]; then
		echo "$PRIMARY_PORT"
	else
		echo $((PRIMARY_PORT + 1))
	fi
}
server_socket() { printf '%s/mariadbd.sock' "$(server_dir "$1")"; }

check_settings() {
	if ! [[ $PRIMARY_PORT =~ ^[1-9][0-9]{0,4}$ ]] || ((PRIMARY_PORT >= 65535)); then
		die "MYDBA_SANDBOX_PORT must be a port number below 65535, got '$PRIMARY_PORT'"
	fi
	[[ $BASE == /* ]] || die "MYDBA_SANDBOX_DIR must be an absolute path, got '$BASE'"
	# sun_path holds 108 bytes including the terminating NUL.
	local sock
	sock=$(server_socket replica)
	((${#sock} <= 107)) ||
		die "socket path $sock is longer than 107 characters; use a shorter MYDBA_SANDBOX_DIR"
}

mariadbd_bin() {
	if command -v mariadbd >/dev/null 2>&1; then
		command -v mariadbd
	elif [[ -x /usr/sbin/mariadbd ]]; then
		echo /usr/sbin/mariadbd
	else
		return 1
	fi
}

# Installs the Debian packages that provide missing programs. RUNLEVEL=1 keeps
# invoke-rc.d from starting the system's MariaDB service on install.
ensure_packages() {
	local packages=()
	mariadbd_bin >/dev/null || packages+=(mariadb-server)
	command -v mariadb-install-db >/dev/null 2>&1 || packages+=(mariadb-server)
	command -v mariadb >/dev/null 2>&1 || packages+=(mariadb-client)
	command -v mariadb-admin >/dev/null 2>&1 || packages+=(mariadb-client)
	command -v sysbench >/dev/null 2>&1 || packages+=(sysbench)
	# The web UI's browser tests drive Debian's headless Chromium.
	command -v chromium >/dev/null 2>&1 || packages+=(chromium)
	((${#packages[@]} > 0)) || return 0
	mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
	command -v apt-get >/dev/null 2>&1 || die "missing ${packages[*]} and no apt-get to install them"
	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null 2>&1 || die "missing ${packages[*]}; run as root or install sudo"
		sudo=(sudo)
	fi
	local apt=("${sudo[@]}" env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get -y -q)
	log "installing ${packages[*]}"
	if ! "${apt[@]}" install --no-install-recommends "${packages[@]}" >&2; then
		# A fresh container has no package lists yet.
		log "install failed; updating package lists and retrying"
		"${apt[@]}" update >&2
		"${apt[@]}" install --no-install-recommends "${packages[@]}" >&2 ||
			die "could not install ${packages[*]}"
	fi
}

# Creates the base directory, or checks that an existing one is ours, so that
# destroy can never delete a directory the sandbox did not create.
ensure_base() {
	if [[ -d $BASE && ! -e $MARKER ]] && [[ -n $(ls -A "$BASE") ]]; then
		die "$BASE exists, is not empty and is not a mydba sandbox; set MYDBA_SANDBOX_DIR"
	fi
	mkdir -p "$BASE"
	chmod 700 "$BASE"
	touch "$MARKER"
}

# Serialises start/stop/destroy/workload so parallel test runs cannot race.
lock_base() {
	exec 9>>"$BASE/.lock"
	flock -w 600 9 || die "another sandbox.sh is still running after 600 s"
}

write_server_config() {
	local server=$1 dir port
	dir=$(server_dir "$server")
	port=$(server_port "$server")
	mkdir -p "$dir" "$dir/tmp"
	{
		cat <<-EOF
			# Generated by scripts/sandbox.sh on every start; edit the script instead.
			[mariadbd]
			datadir                  = $dir/data
			socket                   = $dir/mariadbd.sock
			pid-file                 = $dir/mariadbd.pid
			log-error                = $dir/error.log
			# Its own temp dir: internal temporary tables in a /tmp shared
			# with other programs (and their clean-ups) failed with errno 2.
			tmpdir                   = $dir/tmp
			port                     = $port
			bind-address             = 127.0.0.1
			skip-name-resolve
			character-set-server     = utf8mb4
			collation-server         = utf8mb4_general_ci
			max_connections          = 2000
			event_scheduler          = OFF

			log_bin                  = mariadb-bin
			binlog_format            = ROW
			max_binlog_size          = 256M
			gtid_strict_mode         = ON

			performance_schema       = ON
			performance-schema-consumer-events-statements-current      = ON
			performance-schema-consumer-events-statements-history      = ON
			performance-schema-consumer-events-statements-history-long = ON
			performance-schema-consumer-events-stages-current          = ON
			performance-schema-consumer-events-stages-history          = ON
			performance-schema-consumer-events-stages-history-long     = ON
			performance-schema-instrument = 'stage/%=ON'

			slow_query_log           = ON
			slow_query_log_file      = $dir/data/slow.log
			long_query_time          = 0
			log_slow_verbosity       = query_plan,explain
			innodb_print_all_deadlocks = ON

			# Modest memory: two servers share a small machine.
			innodb_buffer_pool_size  = 256M
			innodb_log_file_size     = 128M
			innodb_log_buffer_size   = 16M
			key_buffer_size          = 16M
			aria_pagecache_buffer_size = 32M
			tmp_table_size           = 32M
			max_heap_table_size      = 32M
			table_open_cache         = 1000
			thread_cache_size        = 32
		EOF
		if [[ $server == primary ]]; then
			printf 'server_id                = 1\n'
		else
			cat <<-EOF
				server_id                = 2
				read_only                = ON
				log_slave_updates        = ON
				relay_log                = $dir/data/relay-bin
				relay_log_index          = $dir/data/relay-bin.index
				# Lets the primary list this replica in SHOW SLAVE HOSTS.
				report_host              = 127.0.0.1
				report_port              = $port
			EOF
		fi
	} >"$dir/my.cnf"
	# Client options for `sql`, status and the script's own queries.
	(
		umask 077
		cat >"$dir/client.cnf" <<-EOF
			[client]
			user                  = root
			password              = $ROOT_PASSWORD
			socket                = $dir/mariadbd.sock
			protocol              = socket
			default-character-set = utf8mb4
		EOF
	)
}

# Prints the pid of the server when it runs from this sandbox's config.
server_pid() {
	local dir pid
	dir=$(server_dir "$1")
	[[ -r $dir/mariadbd.pid ]] || return 1
	pid=$(<"$dir/mariadbd.pid")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	process_matches "$pid" "--defaults-file=$dir/my.cnf" || return 1
	echo "$pid"
}

# True when pid exists and is not a zombie.
process_alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $state && $state != Z ]]
}

# True when pid is alive and its command line contains needle; guards against
# stale pid files whose pid was reused by another program.
process_matches() {
	local pid=$1 needle=$2
	process_alive "$pid" || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle"
}

# Runs the mariadb client as root over the server's socket. Before the
# sandbox accounts exist (fresh data directory) root has no password.
root_sql() {
	local server=$1 dir
	shift
	dir=$(server_dir "$server")
	if mariadb --defaults-file="$dir/client.cnf" -e 'DO 1' </dev/null >/dev/null 2>&1; then
		mariadb --defaults-file="$dir/client.cnf" "$@"
	else
		mariadb --no-defaults --protocol=socket --socket="$dir/mariadbd.sock" -uroot \
			--default-character-set=utf8mb4 "$@"
	fi
}

# One value, no headers.
root_value() {
	local server=$1
	shift
	root_sql "$server" -N -B -e "$*" </dev/null
}

init_datadir() {
	local server=$1 dir
	dir=$(server_dir "$server")
	local args=(--no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal --skip-test-db)
	((EUID != 0)) || args+=(--user=root)
	log "$server: creating data directory $dir/data"
	rm -rf "$dir/data"
	mkdir -p "$dir/data"
	if ! mariadb-install-db "${args[@]}" >"$dir/install.log" 2>&1; then
		tail -n 20 "$dir/install.log" >&2
		rm -rf "$dir/data"
		die "$server: mariadb-install-db failed (log: $dir/install.log)"
	fi
}

start_server() {
	local server=$1 dir pid
	dir=$(server_dir "$server")
	if pid=$(server_pid "$server"); then
		log "$server: running (pid $pid, port $(server_port "$server"))"
		return 0
	fi
	write_server_config "$server"
	[[ -d $dir/data/mysql ]] || init_datadir "$server"
	rm -f "$dir/mariadbd.pid"
	local mariadbd args
	mariadbd=$(mariadbd_bin) || die "mariadbd not found"
	args=(--defaults-file="$dir/my.cnf")
	((EUID != 0)) || args+=(--user=root)
	local t0
	t0=$(now_ns)
	# setsid: the server must outlive this script and its terminal's signals.
	# Closing fd 9 keeps the server from holding the sandbox lock.
	# A higher open-files limit lets max_connections=2000 take effect.
	(
		exec 9>&-
		ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
		exec setsid "$mariadbd" "${args[@]}" </dev/null >>"$dir/error.log" 2>&1
	) &
	pid=$!
	local deadline=$((SECONDS + START_TIMEOUT))
	until mariadb-admin --no-defaults --protocol=socket --socket="$dir/mariadbd.sock" \
		--connect-timeout=2 -uroot ping >/dev/null 2>&1; do
		if ! process_alive "$pid"; then
			log "$server: mariadbd exited during start; last lines of $dir/error.log:"
			tail -n 30 "$dir/error.log" >&2
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			log "$server: mariadbd (pid $pid) did not answer within ${START_TIMEOUT} s; last lines of $dir/error.log:"
			tail -n 30 "$dir/error.log" >&2
			exit 1
		fi
		sleep 0.2
	done
	log "$server: started (pid $pid, port $(server_port "$server")) in $(elapsed "$t0" "$(now_ns)") s"
}

# SIGTERM is mariadbd's clean shutdown; SIGKILL only after STOP_TIMEOUT.
stop_pid() {
	local what=$1 pid=$2 needle=$3
	kill -TERM "$pid" 2>/dev/null || true
	local deadline=$((SECONDS + STOP_TIMEOUT))
	while process_matches "$pid" "$needle"; do
		if ((SECONDS >= deadline)); then
			log "$what: pid $pid still running after ${STOP_TIMEOUT} s; sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			sleep 1
			return 0
		fi
		sleep 0.2
	done
}

stop_server() {
	local server=$1 dir pid
	dir=$(server_dir "$server")
	if ! pid=$(server_pid "$server"); then
		log "$server: not running"
		return 0
	fi
	log "$server: stopping (pid $pid)"
	stop_pid "$server" "$pid" "--defaults-file=$dir/my.cnf"
	log "$server: stopped"
}

# Creates the sandbox accounts on the primary while any is missing or root
# still has no password. The extra root accounts mariadb-install-db creates
# (::1, the host name) and any anonymous ones are dropped.
ensure_users() {
	local dir have
	dir=$(server_dir primary)
	if mariadb --defaults-file="$dir/client.cnf" -e 'DO 1' </dev/null >/dev/null 2>&1; then
		have=$(root_value primary "SELECT COUNT(*) FROM mysql.global_priv WHERE (User, Host) IN
			(('root','127.0.0.1'), ('mydba','127.0.0.1'), ('mydba','localhost'),
			 ('shop_app','127.0.0.1'), ('repl','127.0.0.1'))")
		[[ $have == 5 ]] && return 0
	fi
	log "primary: creating accounts (root, mydba, shop_app, repl)"
	local drops
	drops=$(root_value primary "SELECT CONCAT('DROP USER ', QUOTE(User), '@', QUOTE(Host), ';')
		FROM mysql.global_priv
		WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1'))")
	{
		printf '%s\n' "$drops"
		cat "$FILES_DIR/users.sql" "$FILES_DIR/grants-mariadb.sql"
	} | root_sql primary || die "primary: creating accounts failed"
}

# Prints one field of SHOW SLAVE STATUS on the replica.
slave_field() {
	local field=$1
	root_sql replica -e 'SHOW SLAVE STATUS\G' </dev/null |
		awk -v f="$field" '{ sub(/^ +/, "") }
			index($0, f ":") == 1 { print substr($0, length(f) + 3); exit }'
}

# Points the replica at the primary with GTID and starts it; repairs a
# changed port and restarts stopped threads.
ensure_replication() {
	local status
	status=$(root_sql replica -e 'SHOW SLAVE STATUS\G' </dev/null)
	if [[ -z $status ]]; then
		log "replica: replicating from 127.0.0.1:$PRIMARY_PORT with GTID"
		root_sql replica </dev/null -e "CHANGE MASTER TO
			MASTER_HOST = '127.0.0.1', MASTER_PORT = $PRIMARY_PORT,
			MASTER_USER = 'repl', MASTER_PASSWORD = '$REPL_PASSWORD',
			MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;
			START SLAVE;"
		return 0
	fi
	local port io sql
	port=$(slave_field Master_Port)
	if [[ $port != "$PRIMARY_PORT" ]]; then
		log "replica: primary port changed from $port to $PRIMARY_PORT"
		root_sql replica </dev/null -e "STOP SLAVE; CHANGE MASTER TO MASTER_PORT = $PRIMARY_PORT; START SLAVE;"
		return 0
	fi
	io=$(slave_field Slave_IO_Running)
	sql=$(slave_field Slave_SQL_Running)
	if [[ $io == No || $sql == No ]]; then
		log "replica: replication threads were stopped (IO $io, SQL $sql); starting them"
		root_sql replica </dev/null -e 'START SLAVE'
	fi
}

# Loads the sample shop when it is absent; reloads a half-loaded one.
ensure_data() {
	local comment
	comment=$(root_value primary "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop'")
	[[ $comment == "$LOADED_COMMENT" ]] && return 0
	if [[ -n $comment ]]; then
		log "primary: schema shop is incomplete (an earlier load failed); loading it again"
		root_value primary 'DROP DATABASE shop' >/dev/null
	fi
	log "primary: loading sample data into shop (schema, then ~1.1M rows)"
	local t0 out
	t0=$(now_ns)
	out="$BASE/load.log"
	if ! root_sql primary <"$FILES_DIR/shop-schema.sql" >"$out" 2>&1 ||
		! root_sql primary <"$FILES_DIR/shop-data.sql" >>"$out" 2>&1; then
		tail -n 20 "$out" >&2
		root_value primary 'DROP DATABASE IF EXISTS shop' >/dev/null 2>&1 || true
		die "primary: loading sample data failed (log: $out)"
	fi
	log "primary: loaded sample data in $(elapsed "$t0" "$(now_ns)") s"
}

# Waits until the replica has applied everything the primary has logged so
# far (MASTER_GTID_WAIT compares @@gtid_slave_pos with the primary's
# @@gtid_binlog_pos), failing early on a replication error.
wait_replica() {
	local target t0 deadline
	target=$(root_value primary 'SELECT @@gtid_binlog_pos')
	t0=$(now_ns)
	deadline=$((SECONDS + CATCHUP_TIMEOUT))
	while true; do
		if [[ $(root_value replica "SELECT MASTER_GTID_WAIT('$target', 1)") == 0 ]]; then
			break
		fi
		local sql_errno
		sql_errno=$(slave_field Last_SQL_Errno)
		if [[ -n $sql_errno && $sql_errno != 0 ]]; then
			die "replica: SQL thread error $sql_errno: $(slave_field Last_SQL_Error)"
		fi
		if ((SECONDS >= deadline)); then
			log "replica: IO $(slave_field Slave_IO_Running), SQL $(slave_field Slave_SQL_Running), last IO error: $(slave_field Last_IO_Error)"
			die "replica: did not reach primary position $target within ${CATCHUP_TIMEOUT} s (at $(root_value replica 'SELECT @@gtid_slave_pos'))"
		fi
	done
	log "replica: caught up with the primary at GTID $target ($(elapsed "$t0" "$(now_ns)") s)"
}

print_env() {
	local server
	for server in primary replica; do
		server_pid "$server" >/dev/null || die "sandbox $server is not running; run: $0 start"
	done
	local host=127.0.0.1 replica_port
	replica_port=$(server_port replica)
	printf 'export %s=%q\n' \
		MYDBA_TEST_MYSQL_DSN "mysql://root:$ROOT_PASSWORD@$host:$PRIMARY_PORT/shop" \
		MYDBA_TEST_REPLICA_DSN "mysql://root:$ROOT_PASSWORD@$host:$replica_port/shop" \
		MYDBA_TEST_LEASTPRIV_DSN "mysql://mydba:mydba-sandbox@$host:$PRIMARY_PORT/shop" \
		MYDBA_TEST_PRIMARY_SOCKET "$(server_socket primary)" \
		MYDBA_TEST_SANDBOX_DIR "$BASE"
}

cmd_start() {
	check_settings
	ensure_packages
	ensure_base
	lock_base
	local t0
	t0=$(now_ns)
	start_server primary
	ensure_users
	start_server replica
	ensure_replication
	ensure_data
	wait_replica
	log "ready in $(elapsed "$t0" "$(now_ns)") s"
	print_env
}

cmd_stop() {
	check_settings
	[[ -d $BASE ]] || {
		log "nothing to stop: $BASE does not exist"
		return 0
	}
	lock_base
	workload_stop
	stop_server replica
	stop_server primary
}

cmd_destroy() {
	check_settings
	[[ -d $BASE ]] || {
		log "nothing to destroy: $BASE does not exist"
		return 0
	}
	[[ -e $MARKER ]] || die "$BASE is not a mydba sandbox (no $MARKER); not deleting it"
	lock_base
	workload_stop
	stop_server replica
	stop_server primary
	rm -rf -- "$BASE"
	log "removed $BASE"
}

cmd_status() {
	check_settings
	local rc=0 server pid
	for server in primary replica; do
		if ! pid=$(server_pid "$server"); then
			printf '%-8s stopped  port %s\n' "$server" "$(server_port "$server")"
			rc=3
			continue
		fi
		local version
		version=$(root_value "$server" 'SELECT VERSION()' 2>/dev/null || echo unknown)
		printf '%-8s running  pid %s  port %s  version %s\n' "$server" "$pid" "$(server_port "$server")" "$version"
		if [[ $server == primary ]]; then
			printf '         gtid_binlog_pos %s  replicas connected %s\n' \
				"$(root_value primary 'SELECT @@gtid_binlog_pos' 2>/dev/null)" \
				"$(root_value primary "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Binlog Dump'" 2>/dev/null)"
		else
			local status
			status=$(root_sql replica -e 'SHOW SLAVE STATUS\G' </dev/null 2>/dev/null || true)
			if [[ -z $status ]]; then
				printf '         replication not configured\n'
			else
				printf '         IO thread %s  SQL thread %s  lag %s s  gtid_slave_pos %s\n' \
					"$(slave_field Slave_IO_Running)" "$(slave_field Slave_SQL_Running)" \
					"$(slave_field Seconds_Behind_Master)" "$(root_value replica 'SELECT @@gtid_slave_pos' 2>/dev/null)"
				local err
				err=$(slave_field Last_Error)
				[[ -z $err ]] || printf '         last error: %s\n' "$err"
				err=$(slave_field Last_IO_Error)
				[[ -z $err ]] || printf '         last IO error: %s\n' "$err"
			fi
		fi
	done
	workload_status
	return "$rc"
}

cmd_sql() {
	check_settings
	local server=primary
	if [[ ${1:-} == primary || ${1:-} == replica ]]; then
		server=$1
		shift
	fi
	server_pid "$server" >/dev/null || die "sandbox $server is not running; run: $0 start"
	exec mariadb --defaults-file="$(server_dir "$server")/client.cnf" "$@"
}

workload_pid() {
	[[ -r $WORKLOAD_PID ]] || return 1
	local pid
	pid=$(<"$WORKLOAD_PID")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	process_matches "$pid" "$FILES_DIR/workload.lua" || return 1
	echo "$pid"
}

workload_start() {
	local pid
	if pid=$(workload_pid); then
		log "workload: already running (pid $pid, log $WORKLOAD_LOG)"
		return 0
	fi
	server_pid primary >/dev/null || die "sandbox primary is not running; run: $0 start"
	local threads=${MYDBA_WORKLOAD_THREADS:-4} rate=${MYDBA_WORKLOAD_RATE:-40}
	[[ $threads =~ ^[1-9][0-9]*$ ]] || die "MYDBA_WORKLOAD_THREADS must be a positive number"
	[[ $rate =~ ^[0-9]+$ ]] || die "MYDBA_WORKLOAD_RATE must be a number (0 = unthrottled)"
	command -v sysbench >/dev/null 2>&1 || die "sysbench is not installed; run: $0 start"
	{
		printf '\n=== workload started %s: %s threads, %s events/s\n' "$(date -Is)" "$threads" "$rate"
	} >>"$WORKLOAD_LOG"
	(
		exec 9>&-
		exec setsid sysbench "$FILES_DIR/workload.lua" \
			--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$PRIMARY_PORT" \
			--mysql-user=shop_app --mysql-password=shop-app --mysql-db=shop \
			--mysql-ignore-errors=1213,1205,1020 \
			--threads="$threads" --rate="$rate" --time=0 --report-interval=10 \
			run </dev/null >>"$WORKLOAD_LOG" 2>&1
	) &
	pid=$!
	echo "$pid" >"$WORKLOAD_PID"
	sleep 1
	if ! process_alive "$pid"; then
		rm -f "$WORKLOAD_PID"
		tail -n 20 "$WORKLOAD_LOG" >&2
		die "workload: sysbench exited at once (log: $WORKLOAD_LOG)"
	fi
	log "workload: started (pid $pid, $threads threads, $rate events/s, log $WORKLOAD_LOG)"
}

workload_stop() {
	local pid
	if ! pid=$(workload_pid); then
		rm -f "$WORKLOAD_PID"
		return 0
	fi
	log "workload: stopping (pid $pid)"
	stop_pid workload "$pid" "$FILES_DIR/workload.lua"
	rm -f "$WORKLOAD_PID"
}

workload_status() {
	local pid
	if pid=$(workload_pid); then
		printf 'workload running  pid %s  log %s\n' "$pid" "$WORKLOAD_LOG"
		grep -E '^\[ [0-9]+s \] thds:' "$WORKLOAD_LOG" 2>/dev/null | tail -n 1 | sed 's/^/         /' || true
	else
		printf 'workload stopped\n'
	fi
}

cmd_workload() {
	check_settings
	case ${1:-} in
	start)
		[[ -d $BASE ]] || die "sandbox is not running; run: $0 start"
		lock_base
		workload_start
		;;
	stop)
		[[ -d $BASE ]] || return 0
		lock_base
		workload_stop
		;;
	status) workload_status ;;
	*) die "usage: $0 workload start|stop|status" ;;
	esac
}

usage() {
	sed -n '/^# Usage:/,/^# Environment:/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

main() {
	local cmd=${1:-}
	(($# == 0)) || shift
	case $cmd in
	start) cmd_start ;;
	deps) ensure_packages ;;
	stop) cmd_stop ;;
	status) cmd_status ;;
	env)
		check_settings
		print_env
		;;
	sql) cmd_sql "$@" ;;
	workload) cmd_workload "$@" ;;
	destroy) cmd_destroy ;;
	-h | --help | help) usage ;;
	*) usage ;;
	esac
}

main "$@"
