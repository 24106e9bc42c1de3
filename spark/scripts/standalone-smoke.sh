#!/usr/bin/env bash
# A real cluster run without a Spark download, authenticated and encrypted: a standalone master and
# worker started from Spark's jars in the local Maven repository (as a Spark distribution's jars/
# directory, with Spark's own Jackson and Scala), on 127.0.0.1 only, with spark.authenticate and
# spark.network.crypto.enabled on and the REST submission server off; the cluster jar submitted with
# SparkSubmit exactly as bin/spark-submit would, the executor in its own JVM (bases rebuilt there,
# logs shipped back); then the same spec run locally and the two summary.json compared (timings aside).
#
#   [SPARK_VERSION=4.2.0] spark/scripts/standalone-smoke.sh [SPEC]   (default: the unit tests' tiny spec)
#
# Checked along the way, each a failure of the script when it does not hold:
#   1. a driver without a secret is stopped by the launcher before it connects (it says how to set one);
#   2. a driver with another secret is refused by the master and fails (about a minute: Spark's
#      standalone client retries registration three times, 20 s apart);
#   3. the driver with the cluster's secret (ALIGNGUARD_SPARK_SECRET_FILE, mode 600) runs the sweep,
#      its executors start with authentication and encryption on, and the secret is on no process's
#      command line;
#   4. every socket the master, the worker and the executor listen on is bound to 127.0.0.1.
#
# SPARK_VERSION is the cluster's Spark (default 4.2.0). With 4.1.1 the executors cannot start on
# JDK 25: its Hadoop 3.4.2 calls Subject.getSubject ("getSubject is not supported") when an executor
# starts and whenever a secret is looked up; Spark 4.2.0 ships Hadoop 3.5.0. The cluster jar is
# compiled against 4.1.1 and runs on either.
#
# Needs the cluster jar (./mvnw -pl spark -am package -DskipTests) and network access to Maven
# Central the first time (or Spark already in ~/.m2). Uses free ports on 127.0.0.1 only.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/bin/java-env.sh"
spec="${1:-$root/spark/src/test/resources/dev/alignguard/spark/tiny.json}"
work="${SMOKE_DIR:-$(mktemp -d /tmp/alignguard-spark-smoke.XXXXXX)}"
jar="$root/spark/target/alignguard-spark.jar"
[ -f "$jar" ] || { echo "no $jar; build it: ./mvnw -pl spark -am package -DskipTests" >&2; exit 1; }
spark_version="${SPARK_VERSION:-4.2.0}"
rm -rf "$work" && mkdir -p "$work/home/jars" "$work/dist"
echo "working in $work"

# 1. A Spark "distribution": spark-core and its dependencies, at Spark's own versions.
cat > "$work/dist/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>smoke</groupId><artifactId>spark-dist</artifactId><version>1</version>
  <dependencies><dependency><groupId>org.apache.spark</groupId><artifactId>spark-core_2.13</artifactId><version>$spark_version</version></dependency></dependencies>
</project>
POM
"$root/mvnw" -B -q -ntp -f "$work/dist/pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/dist/cp.txt" >&2
tr ':' '\n' < "$work/dist/cp.txt" | while read -r j || [ -n "$j" ]; do ln -s "$j" "$work/home/jars/"; done  # the last entry has no line end
export SPARK_HOME="$work/home"
# what bin/spark-class passes (JavaModuleOptions), less sun.security.action which JDK 25 lacks
opens="$(echo -XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
  -Dio.netty.tryReflectionSetAccessible=true)"
export SPARK_LOCAL_IP=127.0.0.1   # binds the web UIs (and every default address) to loopback
export SPARK_SCALA_VERSION=2.13   # what a distribution's load-spark-env.sh sets; the worker needs it to find jars/

# 2. The cluster's secret, and the daemons' properties file that holds it: both readable by this user only.
umask 077
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/secret"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/other-secret"
secret="$(cat "$work/secret")"   # for the daemons' properties file; searched for below with grep -f, never on a command line
cat > "$work/daemons.conf" <<CONF
spark.authenticate              true
spark.authenticate.secret       $secret
spark.network.crypto.enabled    true
spark.master.rest.enabled       false
spark.ui.killEnabled            false
CONF
umask 022
free_ports() { python3 -c 'import socket
s=[socket.socket() for _ in range(3)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))'; }
read -r master_port master_ui worker_ui <<< "$(free_ports)"
master="spark://127.0.0.1:$master_port"

# 3. Master and worker (2 cores), stopped on exit.
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
java $opens -Xmx256m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$master_port" --webui-port "$master_ui" --properties-file "$work/daemons.conf" > "$work/master.log" 2>&1 &
pids+=($!)
sleep 3
java $opens -Xmx256m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker \
  --host 127.0.0.1 --cores 2 --memory 2g --webui-port "$worker_ui" --work-dir "$work/worker" \
  --properties-file "$work/daemons.conf" "$master" > "$work/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do grep -q "Successfully registered with master" "$work/worker.log" && break; sleep 1; done
grep -q "Successfully registered with master" "$work/worker.log" || { echo "the worker did not register; see $work/worker.log" >&2; exit 1; }

submit() { # spark-submit (client mode) as in spark/README.md, within $2 seconds; output folder $1
  timeout "$2" java $opens --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m -Xmx1g \
    -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit \
    --master "$master" --deploy-mode client --class dev.alignguard.spark.SparkMain \
    --executor-memory 1g --total-executor-cores 2 \
    --conf "spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m" \
    "$jar" run "$spec" --out "$1"
}

# 4. Without the secret: the launcher stops before connecting. With another secret: the master refuses.
if (unset ALIGNGUARD_SPARK_SECRET ALIGNGUARD_SPARK_SECRET_FILE; submit "$work/no-secret" 120) > "$work/no-secret.log" 2>&1; then
  echo "FAIL: a driver without the secret ran" >&2; exit 1
fi
grep -q "needs the cluster's shared secret" "$work/no-secret.log" || { echo "FAIL: no-secret run: $(tail -3 "$work/no-secret.log")" >&2; exit 1; }
echo "without the secret: stopped by the launcher: $(grep -o "the standalone master [^(]*" "$work/no-secret.log" | head -1)"
t0=$(date +%s)
if (unset ALIGNGUARD_SPARK_SECRET; export ALIGNGUARD_SPARK_SECRET_FILE="$work/other-secret"; submit "$work/wrong-secret" 300) > "$work/wrong-secret.log" 2>&1; then
  echo "FAIL: a driver with another secret ran" >&2; exit 1
fi
if [ -f "$work/wrong-secret/summary.json" ] && python3 -c "import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))['trials'] else 1)" "$work/wrong-secret/summary.json"; then
  echo "FAIL: a driver with another secret ran trials" >&2; exit 1
fi
grep -q "Spark stopped before the sweep began" "$work/wrong-secret.log" && grep -q "Failed to connect to master" "$work/wrong-secret.log" \
  || { echo "FAIL: the wrong-secret run did not fail at the master: $(tail -3 "$work/wrong-secret.log")" >&2; exit 1; }
echo "with another secret: refused by the master; the driver gave up after $(( $(date +%s) - t0 )) s: $(grep -m1 -o "Spark stopped before the sweep began[^:]*" "$work/wrong-secret.log")"

# 5. With the cluster's secret, from a file only this user can read. Meanwhile, every second: is the
#    secret on any process's command line, and where do this run's JVMs (master, worker, driver,
#    executor: their command lines name $work) listen?
listening() { python3 - "$work" <<'PY'
import os, sys
inodes = set()
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if sys.argv[1].encode() not in open(f"/proc/{pid}/cmdline", "rb").read():
            continue
        for fd in os.listdir(f"/proc/{pid}/fd"):
            t = os.readlink(f"/proc/{pid}/fd/{fd}")
            if t.startswith("socket:["):
                inodes.add(t[8:-1])
    except OSError:
        pass
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(table).read().splitlines()[1:]:
        f = line.split()
        if f[3] == "0A" and f[9] in inodes:
            print(f[1])
PY
}
( while true; do
    for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$f" 2>/dev/null | grep -qF -f "$work/secret" && echo "$f" >> "$work/leaks"; done
    listening >> "$work/listening.txt"
    sleep 1
  done ) &
watcher=$!
pids+=($watcher)
t0=$(date +%s)
(unset ALIGNGUARD_SPARK_SECRET; export ALIGNGUARD_SPARK_SECRET_FILE="$work/secret"; submit "$work/cluster" 900) | tee "$work/submit.log"
t1=$(date +%s)
echo "cluster run: $((t1 - t0)) s"
kill "$watcher" 2>/dev/null || true
[ ! -s "$work/leaks" ] || { echo "FAIL: the secret is on a command line: $(sort -u "$work/leaks" | head -3)" >&2; exit 1; }
echo "the secret was on no process's command line"
launch="$(grep -h "Spark Executor Command" "$work"/worker/*/*/stderr 2>/dev/null | head -1 || true)"
for flag in -Dspark.authenticate=true -Dspark.network.crypto.enabled=true; do
  [[ "$launch" == *"$flag"* ]] || { echo "FAIL: the executor started without $flag" >&2; exit 1; }
done
echo "the executor started with -Dspark.authenticate=true -Dspark.network.crypto.enabled=true"
sort -u "$work/listening.txt" > "$work/listening-distinct.txt"
if grep -v -E "^(0100007F|0000000000000000FFFF00000100007F|00000000000000000000000001000000):" "$work/listening-distinct.txt"; then
  echo "FAIL: a socket listens beyond loopback (above)" >&2; exit 1
fi
echo "listening sockets seen (master, worker, driver, executor): $(wc -l < "$work/listening-distinct.txt"), all on 127.0.0.1"

# 6. The same spec with the local executor; compare.
"$root/alignguard" run "$spec" --out "$work/local" > "$work/local.log"
python3 - "$work/local/summary.json" "$work/cluster/summary.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("wall_seconds")
    for t in d["trials"] + d["failures"]:
        t.pop("seconds")
diff = [k for k in a if a[k] != b[k]]
print("summary.json local == cluster (timings aside):", "yes" if not diff else "NO, differs in " + ", ".join(diff))
sys.exit(1 if diff else 0)
PY
ls "$work/cluster/logs"
grep -h "alignguard executor" "$work"/worker/*/*/stderr | head -3 || true
