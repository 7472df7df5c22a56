# shellcheck shell=bash
# scripts/lib.sh: set-up shared by scripts/serve and scripts/test (packages, builds,
# the local PostgreSQL 15 cluster in .data/). Source it; it does nothing by itself.
#
# Every function either succeeds or prints a message on stderr and returns non-zero,
# so callers running under `set -e` stop at the first failed step.

IASC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
readonly IASC_ROOT

# runuser and useradd live in sbin, which some environments leave off PATH.
case ":${PATH}:" in *:/usr/sbin:*) ;; *) PATH="${PATH}:/usr/sbin:/sbin" ;; esac

readonly IASC_PG_BIN=/usr/lib/postgresql/15/bin
readonly IASC_PG_SYSUSER=iascpg # runs the local cluster when the scripts run as root
readonly IASC_PG_DB=iasc
readonly IASC_PG_SUPERUSER=postgres
readonly IASC_PG_PORT=5432 # names the socket file only: the local cluster has no TCP port

# shellcheck disable=SC2034 # used by the scripts that source this file
readonly IASC_BUILD_PACKAGES=(build-essential meson ninja-build pkg-config libmicrohttpd-dev
  liborcania-dev libyder-dev libjansson-dev libpq-dev libcmark-dev zlib1g-dev
  libgnutls28-dev libcmocka-dev python3-yaml)
# shellcheck disable=SC2034
readonly IASC_RUNTIME_PACKAGES=(postgresql-client-15 curl python3 python3-feedparser
  libxml2-utils)
# shellcheck disable=SC2034
readonly IASC_SERVER_PACKAGES=(postgresql-15) # only when DATABASE_URL is unset
# shellcheck disable=SC2034
readonly IASC_NODE_PACKAGES=(nodejs npm) # skipped when node and npm are already on PATH
# Tools only the tests run: promtool (Debian ships it in prometheus) checks /metrics;
# chromium opens /docs headless; python3-jsonschema (with the uri formats of rfc3987)
# validates every recorded response against openapi.yaml (the contract suite).
# shellcheck disable=SC2034
readonly IASC_TEST_PACKAGES=(prometheus chromium python3-jsonschema python3-rfc3987)

# Filled in by iasc_pg_up.
IASC_DATA_REAL="" # real directory behind .data (a symlink into /tmp when run as root from /root/...)
IASC_PG_USER=""   # who owns and runs the cluster

iasc_log() { printf '==> %s\n' "$*" >&2; }
iasc_die() {
  printf 'error: %s\n' "$*" >&2
  return 1
}

# Runs a command as root: directly when we are root, through sudo otherwise.
iasc_as_root() {
  if [[ ${EUID} -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    iasc_die "need root for: $* (install sudo or run as root)"
  fi
}

iasc_pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# iasc_ensure_packages PKG...: installs (apt) those of PKG that are missing. nodejs and npm
# are left alone when `node` and `npm` are already on PATH (installed outside apt).
iasc_ensure_packages() {
  local missing=() p
  for p in "$@"; do
    case "${p}" in
    nodejs | npm)
      if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
        continue
      fi
      ;;
    esac
    iasc_pkg_installed "${p}" || missing+=("${p}")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  command -v apt-get >/dev/null 2>&1 || iasc_die "missing packages (${missing[*]}) and no apt-get: install them by hand" || return 1
  iasc_log "installing: ${missing[*]}"
  iasc_as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update || return 1
  iasc_as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 install -y \
    --no-install-recommends "${missing[@]}" </dev/null || return 1
}

# iasc_packages_for MODE: installs what MODE (serve|test) needs.
iasc_packages_for() {
  local pkgs=("${IASC_BUILD_PACKAGES[@]}" "${IASC_RUNTIME_PACKAGES[@]}")
  [[ -z "${DATABASE_URL:-}" ]] && pkgs+=("${IASC_SERVER_PACKAGES[@]}")
  [[ "$1" == test ]] && pkgs+=("${IASC_NODE_PACKAGES[@]}" "${IASC_TEST_PACKAGES[@]}")
  iasc_ensure_packages "${pkgs[@]}"
}

# iasc_build DIR MESON_ARGS...: configures DIR with MESON_ARGS the first time, and
# reconfigures it after (meson.build globs src/ and tests/unit/, so a new file needs a
# reconfigure to be seen), then runs ninja.
iasc_build() {
  local dir="$1"
  shift
  if [[ ! -f "${IASC_ROOT}/${dir}/build.ninja" ]]; then
    local wipe=()
    [[ -d "${IASC_ROOT}/${dir}/meson-private" ]] && wipe=(--wipe) # an earlier setup failed half-way
    iasc_log "meson setup ${dir} $*"
    (cd "${IASC_ROOT}" && meson setup "${wipe[@]}" "${dir}" "$@") || return 1
  else
    (cd "${IASC_ROOT}" && meson setup --reconfigure "${dir}" >/dev/null) || return 1
  fi
  iasc_log "ninja -C ${dir}"
  ninja -C "${IASC_ROOT}/${dir}" || return 1
}

# The Python that has python3-feedparser: Debian's, even when pyenv or a venv comes first
# on PATH. PYTHON overrides.
iasc_python() {
  if [[ -n "${PYTHON:-}" ]]; then
    printf '%s\n' "${PYTHON}"
  elif [[ -x /usr/bin/python3 ]]; then
    printf '%s\n' /usr/bin/python3
  else
    command -v python3
  fi
}

# ---------------------------------------------------------------- local PostgreSQL

# Runs a command as the cluster's owner, from / (the checkout may not be readable by it).
iasc_pg_run() {
  if [[ "${IASC_PG_USER}" == "$(id -un)" ]]; then
    (cd / && "$@")
  else
    (cd / && runuser -u "${IASC_PG_USER}" -- "$@")
  fi
}

iasc_pg_ensure_sysuser() {
  id -u "${IASC_PG_SYSUSER}" >/dev/null 2>&1 && return 0
  iasc_log "creating system user ${IASC_PG_SYSUSER} to run PostgreSQL (initdb refuses root)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "${IASC_PG_SYSUSER}"
}

# mkdir DIR (if missing) owned by the cluster's user, mode 0700. Never recursive.
iasc_pg_mkdir() {
  local dir="$1"
  if [[ -L "${dir}" ]]; then
    iasc_die "${dir} is a symlink; refusing to use it" || return 1
  fi
  [[ -d "${dir}" ]] || mkdir -m 0700 "${dir}" || return 1
  if [[ ${EUID} -eq 0 ]]; then
    chown "${IASC_PG_USER}:$(id -gn "${IASC_PG_USER}")" "${dir}" || return 1
  fi
  chmod 0700 "${dir}"
}

# Decides where the cluster lives (IASC_DATA_REAL) and who runs it (IASC_PG_USER), and
# creates .data/, .data/pg and .data/run.
iasc_pg_layout() {
  local link="${IASC_ROOT}/.data"

  if [[ ${EUID} -ne 0 ]]; then
    IASC_PG_USER="$(id -un)"
    if [[ -L "${link}" ]]; then
      IASC_DATA_REAL="$(readlink -f "${link}")"
    else
      IASC_DATA_REAL="${link}"
    fi
    [[ -d "${IASC_DATA_REAL}" ]] || mkdir -m 0700 "${IASC_DATA_REAL}" || return 1
    if [[ -d "${IASC_DATA_REAL}/pg" && "$(stat -c %U "${IASC_DATA_REAL}/pg")" != "${IASC_PG_USER}" ]]; then
      iasc_die "${IASC_DATA_REAL}/pg belongs to $(stat -c %U "${IASC_DATA_REAL}/pg"), not ${IASC_PG_USER}: run as that user, or remove .data" || return 1
    fi
  else
    # Root: the cluster runs as an ordinary user: the owner of an existing cluster, or
    # the system user IASC_PG_SYSUSER.
    if [[ -L "${link}" ]]; then
      IASC_DATA_REAL="$(readlink -m "${link}")"
    elif [[ -d "${link}" ]]; then
      IASC_DATA_REAL="${link}"
    fi
    local owner=""
    if [[ -n "${IASC_DATA_REAL}" && -d "${IASC_DATA_REAL}/pg" ]]; then
      owner="$(stat -c %U "${IASC_DATA_REAL}/pg")"
    fi
    if [[ -n "${owner}" && "${owner}" != root ]]; then
      IASC_PG_USER="${owner}"
    else
      iasc_pg_ensure_sysuser || return 1
      IASC_PG_USER="${IASC_PG_SYSUSER}"
    fi

    if [[ -z "${IASC_DATA_REAL}" ]]; then
      # First run. Keep the cluster in the checkout when its user can reach it; otherwise
      # (a checkout under /root, say) in /tmp, with .data a symlink to it.
      if runuser -u "${IASC_PG_USER}" -- test -x "${IASC_ROOT}" 2>/dev/null; then
        IASC_DATA_REAL="${link}"
      else
        local hash
        hash="$(printf '%s' "${IASC_ROOT}" | sha256sum | cut -c1-12)"
        IASC_DATA_REAL="/tmp/iasc-pg-${hash}"
        iasc_log "${IASC_ROOT} is not reachable by ${IASC_PG_USER}: cluster in ${IASC_DATA_REAL} (.data links to it)"
      fi
    fi
    if [[ "${IASC_DATA_REAL}" != "${link}" ]]; then
      # The target may be gone (/tmp is emptied at boot): make it again, owned by the
      # cluster's user and private, and refuse one that someone else made.
      if [[ -e "${IASC_DATA_REAL}" || -L "${IASC_DATA_REAL}" ]]; then
        if [[ -L "${IASC_DATA_REAL}" || ! -d "${IASC_DATA_REAL}" ||
          "$(stat -c %U "${IASC_DATA_REAL}")" != "${IASC_PG_USER}" ]]; then
          iasc_die "${IASC_DATA_REAL} exists but is not a directory owned by ${IASC_PG_USER}; remove it" || return 1
        fi
      fi
      iasc_pg_mkdir "${IASC_DATA_REAL}" || return 1
      [[ -L "${link}" ]] || ln -s "${IASC_DATA_REAL}" "${link}" || return 1
    else
      iasc_pg_mkdir "${IASC_DATA_REAL}" || return 1
    fi
  fi

  iasc_pg_mkdir "${IASC_DATA_REAL}/pg" || return 1
  iasc_pg_mkdir "${IASC_DATA_REAL}/run" || return 1

  # libpq and the server refuse unix socket paths longer than sun_path (107 bytes); the
  # API reaches the socket through <checkout>/.data/run, so both paths must fit.
  local p
  for p in "${IASC_ROOT}/.data/run" "${IASC_DATA_REAL}/run"; do
    if ((${#p} + ${#IASC_PG_PORT} + 10 > 107)); then
      iasc_die "socket path ${p}/.s.PGSQL.${IASC_PG_PORT} is too long for a unix socket; use a shorter checkout path or set DATABASE_URL" || return 1
    fi
  done
}

iasc_pg_quote_conf() { printf "'%s'" "${1//\'/\'\'}"; }

# Writes the settings that depend on where the cluster is (rewritten on every start, so a
# moved checkout keeps working).
iasc_pg_write_conf() {
  local pg="${IASC_DATA_REAL}/pg" conf
  conf="$(
    cat <<EOF
# Written by scripts/lib.sh on every start; edits here are lost.
listen_addresses = ''
port = ${IASC_PG_PORT}
unix_socket_directories = $(iasc_pg_quote_conf "${IASC_DATA_REAL}/run")
unix_socket_permissions = 0700
synchronous_commit = off
EOF
  )"
  printf '%s\n' "${conf}" | iasc_pg_run tee "${pg}/iasc.conf" >/dev/null || return 1
  if ! grep -qx "include_if_exists = 'iasc.conf'" "${pg}/postgresql.conf"; then
    printf "\ninclude_if_exists = 'iasc.conf'\n" | iasc_pg_run tee -a "${pg}/postgresql.conf" >/dev/null || return 1
  fi
}

# Removes postmaster.pid and the socket lock file when the process they name is not a
# live postgres (a reboot, a kill -9): otherwise the server refuses to start.
iasc_pg_clear_stale_pid() {
  local pidfile="${IASC_DATA_REAL}/pg/postmaster.pid" pid comm
  [[ -f "${pidfile}" ]] || return 0
  pid="$(head -n 1 "${pidfile}" 2>/dev/null || true)"
  if [[ "${pid}" =~ ^[0-9]+$ && -r "/proc/${pid}/comm" ]]; then
    comm="$(cat "/proc/${pid}/comm" 2>/dev/null || true)"
    [[ "${comm}" == postgres || "${comm}" == postmaster ]] && return 0
  fi
  iasc_log "removing stale postmaster.pid (pid ${pid:-?} is not running postgres)"
  rm -f "${pidfile}" "${IASC_DATA_REAL}/run/.s.PGSQL.${IASC_PG_PORT}.lock" \
    "${IASC_DATA_REAL}/run/.s.PGSQL.${IASC_PG_PORT}"
}

iasc_pg_wait_ready() {
  local i
  for ((i = 0; i < 120; i++)); do
    if "${IASC_PG_BIN}/pg_isready" -q -h "${IASC_DATA_REAL}/run" -p "${IASC_PG_PORT}" \
      -U "${IASC_PG_SUPERUSER}" -d postgres; then
      return 0
    fi
    sleep 0.5
  done
  iasc_die "PostgreSQL did not become ready in 60 s; see ${IASC_ROOT}/.data/pg.log" || return 1
}

# True when this run started the cluster (scripts/test stops it again at the end).
# shellcheck disable=SC2034
IASC_PG_STARTED_HERE=0

# iasc_pg_up: unless DATABASE_URL is set, makes sure the local cluster exists, runs, and has
# the database iasc. Safe to repeat: already initialised, already running, stale pid file.
iasc_pg_up() {
  if [[ -n "${DATABASE_URL:-}" ]]; then
    iasc_log "DATABASE_URL is set: using it, no local PostgreSQL"
    return 0
  fi
  [[ -x "${IASC_PG_BIN}/initdb" ]] || iasc_die "${IASC_PG_BIN}/initdb not found (package postgresql-15)" || return 1
  # Our own psql/pg_isready calls and the API must all reach the local socket.
  unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGPASSWORD

  iasc_pg_layout || return 1
  local pg="${IASC_DATA_REAL}/pg" log="${IASC_DATA_REAL}/pg.log"

  if [[ ! -f "${pg}/PG_VERSION" ]]; then
    if [[ -n "$(ls -A "${pg}")" ]]; then
      iasc_log "removing a half-initialised cluster in ${pg}"
      find "${pg}" -mindepth 1 -delete || return 1
    fi
    iasc_log "initdb ${IASC_ROOT}/.data/pg (as ${IASC_PG_USER})"
    iasc_pg_run "${IASC_PG_BIN}/initdb" -D "${pg}" -A trust -U "${IASC_PG_SUPERUSER}" \
      --encoding=UTF8 --locale=C.UTF-8 --no-instructions >"${IASC_DATA_REAL}/initdb.log" 2>&1 ||
      {
        cat "${IASC_DATA_REAL}/initdb.log" >&2
        iasc_die "initdb failed"
        return 1
      }
  elif [[ "$(cat "${pg}/PG_VERSION")" != 15 ]]; then
    iasc_die "${pg} is a PostgreSQL $(cat "${pg}/PG_VERSION") cluster, not 15: remove .data" || return 1
  fi

  iasc_pg_clear_stale_pid || return 1
  if iasc_pg_run "${IASC_PG_BIN}/pg_ctl" status -D "${pg}" >/dev/null 2>&1; then
    iasc_log "local PostgreSQL already running (.data/run)"
  else
    iasc_pg_write_conf || return 1
    if [[ ! -e "${log}" ]]; then
      : >"${log}" || return 1
      [[ ${EUID} -eq 0 ]] && chown "${IASC_PG_USER}" "${log}"
    fi
    iasc_log "starting local PostgreSQL 15 (socket .data/run, no TCP; log .data/pg.log)"
    iasc_pg_run "${IASC_PG_BIN}/pg_ctl" start -D "${pg}" -l "${log}" -w -t 60 >/dev/null ||
      {
        tail -n 20 "${log}" >&2
        iasc_die "pg_ctl start failed; see ${IASC_ROOT}/.data/pg.log"
        return 1
      }
    # shellcheck disable=SC2034
    IASC_PG_STARTED_HERE=1
  fi
  iasc_pg_wait_ready || return 1

  local psql=("${IASC_PG_BIN}/psql" -X -q -v ON_ERROR_STOP=1 -h "${IASC_DATA_REAL}/run"
    -p "${IASC_PG_PORT}" -U "${IASC_PG_SUPERUSER}")
  if [[ "$("${psql[@]}" -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '${IASC_PG_DB}'")" != 1 ]]; then
    iasc_log "creating database ${IASC_PG_DB}"
    "${psql[@]}" -d postgres -c "CREATE DATABASE ${IASC_PG_DB}" || return 1
  fi
}

# Stops the local cluster (no-op when DATABASE_URL is set or it is not running).
iasc_pg_down() {
  [[ -n "${DATABASE_URL:-}" ]] && return 0
  [[ -n "${IASC_DATA_REAL}" && -n "${IASC_PG_USER}" ]] || return 0
  iasc_pg_run "${IASC_PG_BIN}/pg_ctl" status -D "${IASC_DATA_REAL}/pg" >/dev/null 2>&1 || return 0
  iasc_log "stopping local PostgreSQL"
  iasc_pg_run "${IASC_PG_BIN}/pg_ctl" stop -D "${IASC_DATA_REAL}/pg" -m fast -w -t 60 >/dev/null
}

# iasc_lock: one set-up at a time per checkout (serve and test started together would
# otherwise race on meson and pg_ctl). Held until the calling script exits.
iasc_lock() {
  exec 8<"${IASC_ROOT}/scripts"
  if ! flock -n 8; then
    iasc_log "waiting for another scripts/serve or scripts/test in this checkout to finish its set-up"
    flock -w 600 8 || iasc_die "timed out waiting for the set-up lock" || return 1
  fi
}
iasc_unlock() { flock -u 8 2>/dev/null || true; }
