#!/bin/sh
# Creates the pipeline's topics with their partitions, replication and
# compaction settings, after checking that the existing ones have the configured
# partitions: the processor's replica limit and its per-partition state depend on them.
# Idempotent; run by the Kubernetes Job (k8s/base/topics) and by the compose
# stack, with the apache/kafka image's CLI and the services' own variables:
#   KAFKA_BROKERS, KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE,
#   KAFKA_SSL_REJECT_UNAUTHORIZED, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD,
#   EVENTS_TOPIC, EVENTS_TOPIC_PARTITIONS, INGRESS_TOPIC, INGRESS_TOPIC_PARTITIONS,
#   INGRESS_DEAD_LETTER_TOPIC, INGRESS_DEAD_LETTER_PARTITIONS, RESULTS_TOPIC, RESULTS_TOPIC_PARTITIONS,
#   BREAKDOWNS_TOPIC, SERIES_TOPIC, DECISIONS_TOPIC, DEFINITIONS_TOPIC, TOPIC_REPLICATION_FACTOR, TOPIC_MIN_INSYNC_REPLICAS,
#   EVENTS_TOPIC_RETENTION_MS.
# Existing topics are left as they are (settings are not changed), but one with
# other partitions than configured stops the run before anything is created.
set -eu

fail() {
  echo "create-topics: $*" >&2
  exit 1
}

KAFKA_BIN_DIR="${KAFKA_BIN_DIR:-/opt/kafka/bin}"
WORK_DIR="${WORK_DIR:-/tmp}"
[ -n "${KAFKA_BROKERS:-}" ] || fail "KAFKA_BROKERS is required: a comma-separated list of host:port"

# Same defaults as the services (services/*/src/config.ts; the results topics as resultsTopics of packages/results-contract, which its tests check against this script).
EVENTS_TOPIC="${EVENTS_TOPIC:-segment-events}"
EVENTS_TOPIC_PARTITIONS="${EVENTS_TOPIC_PARTITIONS:-6}"
DEAD_LETTER_TOPIC="${INGRESS_DEAD_LETTER_TOPIC:-segment-events-dead-letter}"
DEAD_LETTER_PARTITIONS="${INGRESS_DEAD_LETTER_PARTITIONS:-1}"
# The raw events are the pipeline's history (rebuilding state reads them): 90 days, DEFAULT_EVENTS_RETENTION_MS of packages/kafka-io.
EVENTS_RETENTION_MS="${EVENTS_TOPIC_RETENTION_MS:-7776000000}"
case "$EVENTS_RETENTION_MS" in '' | *[!0-9-]*) fail "EVENTS_TOPIC_RETENTION_MS must be milliseconds (or -1: forever)" ;; esac
RESULTS_TOPIC="${RESULTS_TOPIC:-experiment-results}"
RESULTS_TOPIC_PARTITIONS="${RESULTS_TOPIC_PARTITIONS:-6}"
BREAKDOWNS_TOPIC="${BREAKDOWNS_TOPIC:-$RESULTS_TOPIC-breakdowns}"
SERIES_TOPIC="${SERIES_TOPIC:-$RESULTS_TOPIC-series}"
DECISIONS_TOPIC="${DECISIONS_TOPIC:-experiment-decisions}"
DEFINITIONS_TOPIC="${DEFINITIONS_TOPIC:-experiment-definitions}"
REPLICATION_FACTOR="${TOPIC_REPLICATION_FACTOR:-3}"

# The ingress and the processor name the events topic with different variables: they must agree.
[ "${INGRESS_TOPIC:-$EVENTS_TOPIC}" = "$EVENTS_TOPIC" ] || fail "INGRESS_TOPIC ($INGRESS_TOPIC) and EVENTS_TOPIC ($EVENTS_TOPIC) must name the same topic"
[ "${INGRESS_TOPIC_PARTITIONS:-$EVENTS_TOPIC_PARTITIONS}" = "$EVENTS_TOPIC_PARTITIONS" ] ||
  fail "INGRESS_TOPIC_PARTITIONS ($INGRESS_TOPIC_PARTITIONS) and EVENTS_TOPIC_PARTITIONS ($EVENTS_TOPIC_PARTITIONS) must be equal"

# Client settings from the variables the services read (packages/kafka-io/src/config.ts).
CLIENT_CONFIG="$WORK_DIR/client.properties"
: >"$CLIENT_CONFIG"
chmod 600 "$CLIENT_CONFIG"
case "${KAFKA_SSL:-false}" in true | 1) tls=1 ;; false | 0) tls=0 ;; *) fail "KAFKA_SSL must be true or false" ;; esac
if [ -n "${KAFKA_SASL_MECHANISM:-}" ]; then
  if [ -z "${KAFKA_SASL_USERNAME:-}" ] || [ -z "${KAFKA_SASL_PASSWORD:-}" ]; then
    fail "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required when KAFKA_SASL_MECHANISM is $KAFKA_SASL_MECHANISM"
  fi
  case "$KAFKA_SASL_MECHANISM" in
    plain) mechanism=PLAIN module=org.apache.kafka.common.security.plain.PlainLoginModule ;;
    scram-sha-256) mechanism=SCRAM-SHA-256 module=org.apache.kafka.common.security.scram.ScramLoginModule ;;
    scram-sha-512) mechanism=SCRAM-SHA-512 module=org.apache.kafka.common.security.scram.ScramLoginModule ;;
    *) fail "KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512" ;;
  esac
  # JAAS strings are double-quoted: escape backslashes and quotes of the credentials.
  jaas_user=$(printf '%s' "$KAFKA_SASL_USERNAME" | sed 's/[\\"]/\\&/g')
  jaas_password=$(printf '%s' "$KAFKA_SASL_PASSWORD" | sed 's/[\\"]/\\&/g')
  if [ "$tls" = 1 ]; then echo "security.protocol=SASL_SSL"; else echo "security.protocol=SASL_PLAINTEXT"; fi >>"$CLIENT_CONFIG"
  {
    echo "sasl.mechanism=$mechanism"
    echo "sasl.jaas.config=$module required username=\"$jaas_user\" password=\"$jaas_password\";"
  } >>"$CLIENT_CONFIG"
elif [ "$tls" = 1 ]; then
  echo "security.protocol=SSL" >>"$CLIENT_CONFIG"
fi
if [ "$tls" = 1 ]; then
  if [ -n "${KAFKA_SSL_CA_FILE:-}" ]; then
    printf 'ssl.truststore.type=PEM\nssl.truststore.location=%s\n' "$KAFKA_SSL_CA_FILE" >>"$CLIENT_CONFIG"
  fi
  if [ -n "${KAFKA_SSL_CERT_FILE:-}" ]; then
    cat "$KAFKA_SSL_KEY_FILE" "$KAFKA_SSL_CERT_FILE" >"$WORK_DIR/client-keystore.pem"
    printf 'ssl.keystore.type=PEM\nssl.keystore.location=%s\n' "$WORK_DIR/client-keystore.pem" >>"$CLIENT_CONFIG"
  fi
  # Like Node's rejectUnauthorized=false as far as Java allows: no host name check.
  case "${KAFKA_SSL_REJECT_UNAUTHORIZED:-true}" in false | 0) echo "ssl.endpoint.identification.algorithm=" >>"$CLIENT_CONFIG" ;; esac
fi

topics() {
  "$KAFKA_BIN_DIR/kafka-topics.sh" --bootstrap-server "$KAFKA_BROKERS" --command-config "$CLIENT_CONFIG" "$@"
}

# One line per topic: NAME PARTITIONS [--config k=v ...]. Results, breakdowns,
# series and decisions are keyed by experiment: readers want the newest record
# per key, so they are compacted (as the results service creates them). The
# definitions topic is a compacted config topic every processor reads in full.
compacted="--config cleanup.policy=compact"
retained="--config retention.ms=$EVENTS_RETENTION_MS"
plan=$(cat <<PLAN
$EVENTS_TOPIC $EVENTS_TOPIC_PARTITIONS $retained
$DEAD_LETTER_TOPIC $DEAD_LETTER_PARTITIONS $retained
$RESULTS_TOPIC $RESULTS_TOPIC_PARTITIONS $compacted
$BREAKDOWNS_TOPIC $RESULTS_TOPIC_PARTITIONS $compacted
$SERIES_TOPIC $RESULTS_TOPIC_PARTITIONS $compacted
$DECISIONS_TOPIC $RESULTS_TOPIC_PARTITIONS $compacted
$DEFINITIONS_TOPIC 1 $compacted
PLAN
)

# Existing topics first, all of them before any change: one made earlier with
# other partitions stops the run (--if-not-exists alone would keep it silently).
pattern=$(printf '%s\n' "$plan" | awk '{ printf "%s%s", separator, $1; separator = "|" }')
description=$(topics --describe --if-exists --topic "$pattern")
existing=""
while read -r topic partitions _; do
  actual=$(printf '%s\n' "$description" | awk -v topic="$topic" '$1 == "Topic:" && $2 == topic { for (i = 1; i < NF; i++) if ($i == "PartitionCount:") print $(i + 1) }')
  [ -n "$actual" ] || continue
  [ "$actual" = "$partitions" ] ||
    fail "topic $topic has $actual partitions, expected $partitions: never add partitions to a keyed topic of a running pipeline (keys move); see k8s/README.md"
  existing="$existing $topic"
done <<PLAN
$plan
PLAN

while read -r topic partitions configs; do
  case " $existing " in *" $topic "*)
    echo "create-topics: $topic exists with $partitions partitions"
    continue
    ;;
  esac
  # $configs and the min.insync.replicas option are word lists on purpose.
  # shellcheck disable=SC2086
  set -- $configs ${TOPIC_MIN_INSYNC_REPLICAS:+--config min.insync.replicas=$TOPIC_MIN_INSYNC_REPLICAS}
  echo "create-topics: creating $topic ($partitions partitions, replication factor $REPLICATION_FACTOR $*)"
  topics --create --if-not-exists --topic "$topic" --partitions "$partitions" --replication-factor "$REPLICATION_FACTOR" "$@" </dev/null
done <<PLAN
$plan
PLAN
echo "create-topics: all topics present with the expected partitions"
