#!/usr/bin/env bash
# netem.sh: run an MPI job on this machine with every rank behind its own
# rate-shaped link, so "bandwidth-constrained cluster" runs are real
# measurements. See usage() and tern/distributed/README.md ("Bandwidth-limited runs").
#
# Topology (nothing is created in, or changed on, the host's own namespace):
#   tern-<pid>-hub   a Linux bridge br0 (10.213.255.254/16); mpirun runs here
#   tern-<pid>-r<i>  rank i: eth0 = 10.213.<group>.<k+1>/16, veth peer v<i>
#                    enslaved to br0; an orted (and so rank i) runs here
# Each veth end's egress gets an htb qdisc, so a link is shaped both ways.
#
# Why one orted per namespace: mpirun's PMIx server listens on 127.0.0.1 only
# (PMIx 4.2 has no MCA switch for remote connections), and each namespace has
# its own loopback, so a rank merely exec'd into another namespace fails in
# MPI_Init ("OPAL ERROR: Unreachable"). Treating each namespace as a host and
# launching its orted with a custom rsh agent (ip netns exec instead of ssh)
# keeps PMIx local to each rank, and the daemons talk over the bridge.
set -euo pipefail

readonly PROG=netem.sh
readonly NET=10.213.0.0/16
readonly HUB_ADDR=10.213.255.254
# Exit status when this machine can't do it (not root, no netns, tools missing):
# the ctest maps it to SKIP.
readonly EXIT_UNSUPPORTED=3

usage() {
  cat <<'EOF'
Usage: scripts/netem.sh [options] -np N -- COMMAND [ARGS...]
       scripts/netem.sh --check | --cleanup | --help

Runs COMMAND under mpirun with N ranks, each rank in its own network
namespace (with its own orted) joined to a bridge by a veth pair whose two
ends are shaped with tc htb at the given rate, so every rank's link is
limited in both directions (full duplex). Within a link, traffic to each
peer has its own queue, served in turn, and pure TCP ACKs go first. MPI is
forced onto TCP over these links (btl self,tcp). Needs root (CAP_NET_ADMIN,
CAP_SYS_ADMIN), iproute2 and OpenMPI's mpirun. The host's own interfaces
are never touched; everything is removed on exit, error or Ctrl-C.

Options:
  --rate RATE         rate of every rank's link, each direction: tc units,
                      e.g. 10mbit, 100mbit, 1gbit, 500kbit; "none" = veth
                      without shaping (TCP baseline)
  -np N, --np N       number of ranks (one namespace each, up to 253 per group)
  --groups GxK        G groups of K ranks (ranks 0..K-1 are group 0, ...),
                      like G hosts with K processes each; needs --intra-rate
                      and --inter-rate instead of --rate; -np defaults to G*K
  --intra-rate RATE   a rank's rate to ranks in its own group
  --inter-rate RATE   a rank's rate to ranks in other groups. Each rank has
                      its own link; its traffic to (and from) its own group
                      and other groups are capped separately, each at its
                      rate (K ranks of a group don't share one NIC's rate)
  --tcp-cc NAME       TCP congestion control inside the namespaces: reno
                      (default) or bbr (this host's default); a namespace may
                      only pick from the host's
                      net.ipv4.tcp_allowed_congestion_control. bbr measured
                      no closer to the rate than reno here
  --timeout S         end the job (mpirun --timeout) after S seconds
  --mca NAME VALUE    extra mpirun MCA parameter (repeatable)
  -v, --verbose       print the namespaces, addresses and tc commands
  --check             only test that namespaces, veth, bridge and htb work
                      here (exit 0), or say why not (exit 3)
  --cleanup           remove namespaces and temporary directories left by a
                      killed run (those whose netem.sh process is gone)
  -h, --help          this text

Not supported: link delay / loss. This machine's kernel has no netem qdisc,
so tc cannot add latency; software emulation inside the communicator
(TERN_LINK_EMULATION, tern/distributed/comm/link_emulation.h) is the planned way.

The environment is passed on to every rank (e.g. TERN_COMM_TIMEOUT).
Exit status: COMMAND's (mpirun's); 2 on a usage error; 3 when this machine
can't create the namespaces.

Example:
  scripts/netem.sh --rate 1gbit -np 4 -- build/tools/tern/tern bench allreduce --algo ring --size 16M --json
EOF
}

die() { echo "$PROG: error: $*" >&2; exit 2; }
unsupported() { echo "$PROG: error: $*" >&2; exit "$EXIT_UNSUPPORTED"; }
say() { echo "$PROG: $*" >&2; }

verbose=0
run() {  # run a command, echoing it first with -v
  if ((verbose)); then echo "+ $*" >&2; fi
  "$@"
}

# Rate in bit/s from a tc rate spelling (bit, kbit, mbit, gbit, tbit; bps etc.
# are bytes/s, as in tc).
rate_bits() {
  local s=${1,,} num unit mult
  [[ $s =~ ^([0-9]+(\.[0-9]+)?)([a-z]*)$ ]] || die "bad rate '$1' (expected e.g. 10mbit, 1gbit)"
  num=${BASH_REMATCH[1]} unit=${BASH_REMATCH[3]}
  case $unit in
    ''|bit) mult=1 ;; kbit) mult=1000 ;; mbit) mult=1000000 ;; gbit) mult=1000000000 ;;
    tbit) mult=1000000000000 ;; bps) mult=8 ;; kbps) mult=8000 ;; mbps) mult=8000000 ;;
    gbps) mult=8000000000 ;;
    *) die "bad rate unit in '$1' (use bit, kbit, mbit, gbit, tbit)" ;;
  esac
  awk -v n="$num" -v m="$mult" 'BEGIN { v = n * m; if (v < 8000) exit 1; printf "%.0f\n", v }' ||
    die "rate '$1' is below 8kbit"
}

# htb bucket: 2 ms at the rate, at least 10 full-size frames. Small enough that
# short messages don't run far above the rate, big enough for 1gbit+ with the
# kernel's timer slack.
burst_bytes() { awk -v r="$1" 'BEGIN { b = r / 8 * 0.002; if (b < 15140) b = 15140; printf "%.0f\n", b }'; }

# Leaf queue in bytes: 20 ms at the rate, at least two 64 KiB GSO packets.
queue_bytes() { awk -v r="$1" 'BEGIN { b = r / 8 * 0.02; if (b < 131072) b = 131072; printf "%.0f\n", b }'; }

# Namespaces this run owns (prefix tern-<pid>-). Owner pid in the name lets
# --cleanup tell leftovers of killed runs from live ones.
prefix="tern-$$"
hub="$prefix-hub"
created=()
tmpdir=""
mpirun_pid=""

kill_ns_pids() {  # processes of our job still inside one of our namespaces
  local ns=$1 pids
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  [[ -z $pids ]] && return 0
  # shellcheck disable=SC2086  # one pid per word
  kill -TERM $pids 2>/dev/null || true
  sleep 0.5
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  # shellcheck disable=SC2086
  if [[ -n $pids ]]; then kill -KILL $pids 2>/dev/null || true; fi
}

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $mpirun_pid ]] && kill -0 "$mpirun_pid" 2>/dev/null; then
    kill -TERM "$mpirun_pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$mpirun_pid" 2>/dev/null || break; sleep 0.3; done
    kill -KILL "$mpirun_pid" 2>/dev/null || true
  fi
  local ns
  for ns in "${created[@]}"; do
    kill_ns_pids "$ns"
    # Deleting a namespace deletes the veth end (and bridge) inside it.
    ip netns del "$ns" 2>/dev/null || say "warning: could not delete namespace $ns (run $0 --cleanup)"
  done
  if [[ -n $tmpdir ]]; then rm -rf "$tmpdir"; fi
  exit "$rc"
}

preflight() {
  command -v ip >/dev/null || unsupported "'ip' not found: install iproute2"
  command -v tc >/dev/null || unsupported "'tc' not found: install iproute2"
  [[ $(id -u) -eq 0 ]] || unsupported "must run as root (network namespaces need CAP_NET_ADMIN and CAP_SYS_ADMIN)"
  # CapEff bit 12 = CAP_NET_ADMIN: root in a container may lack it.
  local capeff
  capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
  (( (16#$capeff >> 12) & 1 )) || unsupported "no CAP_NET_ADMIN (container without it?): cannot create namespaces or shape links"
}

add_ns() {
  run ip netns add "$1" 2>/dev/null || unsupported "cannot create network namespace $1 (ip netns add failed: no permission here?)"
  created+=("$1")
  run ip -n "$1" link set lo up
}

# --check: build the smallest topology (hub + one veth + htb) and remove it.
check() {
  preflight
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  add_ns "$hub"
  add_ns "$prefix-r0"
  run ip -n "$hub" link add br0 type bridge || unsupported "cannot create a bridge in a namespace"
  run ip -n "$hub" link add v0 type veth peer name eth0 netns "$prefix-r0" ||
    unsupported "cannot create a veth pair between namespaces"
  run tc -n "$prefix-r0" qdisc add dev eth0 root handle 1: htb default 10 ||
    unsupported "tc htb qdisc not available (kernel module sch_htb)"
  command -v mpirun >/dev/null || unsupported "'mpirun' not found: install openmpi-bin"
  say "ok: namespaces, veth, bridge and htb work here"
}

# --cleanup: namespaces named tern-<pid>-... whose netem.sh process is gone.
cleanup_leftovers() {
  preflight
  local ns pid n=0
  while read -r ns _; do
    [[ $ns =~ ^tern-([0-9]+)-(hub|r[0-9]+)$ ]] || continue
    pid=${BASH_REMATCH[1]}
    if kill -0 "$pid" 2>/dev/null && grep -q netem /proc/"$pid"/cmdline 2>/dev/null; then
      say "keeping $ns (its run, pid $pid, is still going)"
      continue
    fi
    kill_ns_pids "$ns"
    ip netns del "$ns" && n=$((n + 1))
  done < <(ip netns list)
  # Temporary directories (hostfile, agent, orted session dirs) of gone runs.
  local d
  for d in /tmp/tern-netem.*; do
    [[ -f $d/nsmap ]] || continue
    ns=$(awk 'NR == 1 { print $2 }' "$d/nsmap")
    [[ $ns =~ ^tern-([0-9]+)- ]] || continue
    pid=${BASH_REMATCH[1]}
    kill -0 "$pid" 2>/dev/null && grep -q netem /proc/"$pid"/cmdline 2>/dev/null && continue
    rm -rf "$d"
  done
  say "removed $n leftover namespace(s)"
}

# Shape one veth end (egress). The kernel here has htb, bfifo and u32 but no
# fq_codel, sfq or drr, so flow fairness is built from htb classes:
#   1:1 parent at the intra-group rate (everyone, without groups), 1:2 parent
#   at the inter-group rate; under each, one leaf per peer rank (prio 1, its
#   own bounded bfifo) and one leaf for pure TCP ACKs (prio 0). htb serves
#   backlogged leaves in turn, so a rank's small messages to one peer (MPI's
#   rendezvous replies) don't wait behind its bulk data to another, and a
#   peer's packets stay in one FIFO (no reordering within a connection).
# peer_field: dst on the rank side (its upload), src on the hub side (its
# download). Writes a tc batch file and runs it: thousands of classes for
# large -np would be slow one tc call at a time.
shape() {
  local ns=$1 dev=$2 peer_field=$3 me=$4 intra=$5 inter=$6 per_group=$7 np=$8
  local f="$tmpdir/tc.$ns.$dev" j n rate bits b peers leaf
  local -a count=(0 0) pbits=(0 0)
  for ((j = 0; j < np; j++)); do
    ((j == me)) && continue
    n=$((j / per_group == me / per_group ? 1 : 2))
    count[n-1]=$((count[n - 1] + 1))
  done
  {
    echo "qdisc add dev $dev root handle 1: htb default ff"
    for n in 1 2; do
      ((n == 1 || count[1] > 0)) || continue
      rate=$intra; ((n == 1)) || rate=$inter
      bits=$(rate_bits "$rate"); pbits[n-1]=$bits
      b=$(burst_bytes "$bits")
      echo "class add dev $dev parent 1: classid 1:$n htb rate $rate ceil $rate burst $b cburst $b quantum 60000"
      echo "class add dev $dev parent 1:$n classid 1:${n}1 htb prio 0 rate $((bits / 10 + 8000))bit ceil $rate burst $b cburst $b quantum 60000"
    done
    # Anything else (ARP, mpirun's control traffic to the hub) shares 1:1.
    b=$(burst_bytes "${pbits[0]}")
    echo "class add dev $dev parent 1:1 classid 1:ff htb prio 1 rate 8000bit ceil $intra burst $b cburst $b quantum 60000"
    for ((j = 0; j < np; j++)); do
      ((j == me)) && continue
      n=$((j / per_group == me / per_group ? 1 : 2))
      rate=$intra; ((n == 1)) || rate=$inter
      bits=${pbits[n-1]} peers=${count[n-1]}
      b=$(burst_bytes "$bits")
      leaf=$(printf '%x' $((0x100 + j)))
      echo "class add dev $dev parent 1:$n classid 1:$leaf htb prio 1 rate $((bits * 9 / 10 / peers + 8000))bit ceil $rate burst $b cburst $b quantum 60000"
      echo "qdisc add dev $dev parent 1:$leaf handle $leaf: bfifo limit $(queue_bytes "$bits")"
      # Pure ACK: TCP, IP length < 64 (no payload), ACK flag only.
      echo "filter add dev $dev parent 1: protocol ip prio 1 u32 match ip $peer_field $(rank_addr "$j" "$per_group")/32 match ip protocol 6 0xff match u16 0 0xffc0 at 2 match u8 0x10 0xff at 33 flowid 1:${n}1"
      echo "filter add dev $dev parent 1: protocol ip prio 2 u32 match ip $peer_field $(rank_addr "$j" "$per_group")/32 flowid 1:$leaf"
    done
  } >"$f"
  if ((verbose)); then sed "s/^/+ tc -n $ns /" "$f" >&2; fi
  tc -n "$ns" -batch "$f"
}

rank_addr() { echo "10.213.$(($1 / $2)).$(($1 % $2 + 1))"; }

main() {
  local np="" rate="" groups="" intra="" inter="" mode=run cc=reno
  local -a mpi_extra=()
  while (($#)); do
    case $1 in
      -h|--help) usage; exit 0 ;;
      --check) mode=check; shift ;;
      --cleanup) mode=cleanup; shift ;;
      --rate) (($# >= 2)) || die "--rate needs a value"; rate=$2; shift 2 ;;
      -np|--np|-n) (($# >= 2)) || die "$1 needs a value"; np=$2; shift 2 ;;
      --groups) (($# >= 2)) || die "--groups needs GxK"; groups=$2; shift 2 ;;
      --intra-rate) (($# >= 2)) || die "--intra-rate needs a value"; intra=$2; shift 2 ;;
      --inter-rate) (($# >= 2)) || die "--inter-rate needs a value"; inter=$2; shift 2 ;;
      --tcp-cc) (($# >= 2)) || die "--tcp-cc needs a name"; cc=$2; shift 2 ;;
      --timeout)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--timeout needs a number of seconds"
        mpi_extra+=(--timeout "$2"); shift 2 ;;
      --mca) (($# >= 3)) || die "--mca needs NAME VALUE"; mpi_extra+=(--mca "$2" "$3"); shift 3 ;;
      -v|--verbose) verbose=1; shift ;;
      --delay|--loss|--jitter)
        die "$1: this kernel has no netem qdisc, so tc cannot add delay or loss here (see --help)" ;;
      --) shift; break ;;
      *) die "unknown option '$1' (see --help; the command goes after --)" ;;
    esac
  done
  case $mode in
    check) check; exit 0 ;;
    cleanup) cleanup_leftovers; exit 0 ;;
  esac

  local ngroups=1 per_group
  if [[ -n $groups ]]; then
    [[ $groups =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] || die "--groups wants GxK, e.g. 2x2 (given '$groups')"
    ngroups=${BASH_REMATCH[1]} per_group=${BASH_REMATCH[2]}
    [[ -n $intra && -n $inter ]] || die "--groups needs --intra-rate and --inter-rate"
    [[ -z $rate ]] || die "--groups takes --intra-rate/--inter-rate, not --rate"
    ((ngroups <= 255 && per_group <= 253)) || die "--groups: at most 255 groups of 253 ranks"
    [[ -n $np ]] || np=$((ngroups * per_group))
    ((np == ngroups * per_group)) || die "-np $np but --groups $groups makes $((ngroups * per_group)) ranks"
  else
    [[ -n $rate ]] || die "--rate is required (e.g. --rate 100mbit, or --rate none)"
    [[ -z $intra && -z $inter ]] || die "--intra-rate/--inter-rate need --groups"
    intra=$rate inter=$rate
    [[ -n $np ]] || die "-np N is required"
    if ! [[ $np =~ ^[1-9][0-9]*$ ]] || ((np > 253)); then die "-np must be 1..253 (given '$np')"; fi
    per_group=$np
  fi
  [[ $np =~ ^[1-9][0-9]*$ ]] || die "-np must be a positive integer (given '$np')"
  [[ $cc =~ ^[a-z0-9_]+$ ]] || die "--tcp-cc: bad name '$cc'"
  (($# > 0)) || die "no command given (put it after --)"
  local shaped=1
  if [[ ${rate,,} == none ]]; then
    shaped=0
  else
    rate_bits "$intra" >/dev/null
    rate_bits "$inter" >/dev/null
  fi

  preflight
  command -v mpirun >/dev/null || unsupported "'mpirun' not found: install openmpi-bin"
  trap cleanup EXIT
  # Exit from the traps runs cleanup (EXIT trap); wait below is interruptible.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  tmpdir=$(mktemp -d /tmp/tern-netem.XXXXXX)

  add_ns "$hub"
  run ip -n "$hub" link add br0 type bridge
  run ip -n "$hub" addr add "$HUB_ADDR/16" dev br0
  run ip -n "$hub" link set br0 up

  local i g ns addr
  : >"$tmpdir/hosts"
  : >"$tmpdir/nsmap"
  for ((i = 0; i < np; i++)); do
    g=$((i / per_group))
    ns="$prefix-r$i" addr=$(rank_addr "$i" "$per_group")
    add_ns "$ns"
    # Created inside the hub with its peer straight in the rank's namespace:
    # the host namespace never sees either end.
    run ip -n "$hub" link add "v$i" type veth peer name eth0 netns "$ns"
    run ip -n "$hub" link set "v$i" master br0 up
    run ip -n "$ns" addr add "$addr/16" dev eth0
    run ip -n "$ns" link set eth0 up
    # Per-namespace sysctl: the host's own setting is untouched.
    run ip netns exec "$ns" sh -c "echo $cc >/proc/sys/net/ipv4/tcp_congestion_control" 2>/dev/null ||
      die "--tcp-cc $cc: not allowed in a namespace here (allowed: $(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control))"
    echo "$addr slots=1" >>"$tmpdir/hosts"
    echo "$addr $ns" >>"$tmpdir/nsmap"
    if ((verbose)); then say "rank $i: namespace $ns, address $addr, group $g"; fi
  done

  if ((shaped)); then
    for ((i = 0; i < np; i++)); do
      shape "$prefix-r$i" eth0 dst "$i" "$intra" "$inter" "$per_group" "$np"  # rank's upload
      shape "$hub" "v$i" src "$i" "$intra" "$inter" "$per_group" "$np"        # rank's download
    done
  fi

  # OpenMPI's rsh launcher calls "<agent> [opts] <host> <orted command>"; start
  # that orted in the host's (= rank's) namespace instead of over ssh. Each
  # orted gets its own tmpdir: all share one hostname, so they would otherwise
  # share one session directory and crash on each other's hwloc topology and
  # PMIx dstore files there (seen: segfault in hwloc_shmem_topology_write).
  cat >"$tmpdir/agent" <<EOF
#!/bin/sh
while [ "\${1#-}" != "\$1" ]; do shift; done
host=\$1; shift
ns=\$(awk -v h="\$host" '\$1 == h { print \$2 }' "$tmpdir/nsmap")
[ -n "\$ns" ] || { echo "$PROG agent: unknown host \$host" >&2; exit 1; }
mkdir -p "$tmpdir/\$ns"
OMPI_MCA_orte_tmpdir_base="$tmpdir/\$ns" exec ip netns exec "\$ns" /bin/sh -c "\$*"
EOF
  chmod +x "$tmpdir/agent"

  if ((shaped)); then
    if ((ngroups > 1)); then
      say "$np ranks in $ngroups groups of $per_group; links $intra within a group, $inter across, each direction (htb); MPI over TCP"
    else
      say "$np ranks, each link $rate each direction (htb); MPI over TCP"
    fi
  else
    say "$np ranks, unshaped veth links; MPI over TCP"
  fi

  local -a cmd=(ip netns exec "$hub" mpirun --allow-run-as-root --oversubscribe --bind-to none
    --hostfile "$tmpdir/hosts" --mca plm rsh --mca plm_rsh_agent "$tmpdir/agent"
    --mca plm_rsh_no_tree_spawn 1 --leave-session-attached --mca oob_tcp_if_include "$NET"
    --mca mpi_yield_when_idle 1 --mca btl "self,tcp" --mca btl_tcp_if_include "$NET"
    "${mpi_extra[@]}" -np "$np" "$@")
  if ((verbose)); then echo "+ ${cmd[*]}" >&2; fi
  # In the background so that a TERN/INT to this script runs the trap at once
  # (bash defers traps while a foreground child runs).
  "${cmd[@]}" &
  mpirun_pid=$!
  local rc=0
  wait "$mpirun_pid" || rc=$?
  mpirun_pid=""
  exit "$rc"
}

main "$@"
