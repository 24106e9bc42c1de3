#!/usr/bin/env bash
# A real cluster run without a Spark download: a standalone master and worker started from the
# Spark 4.1.1 jars in the local Maven repository (as a Spark distribution's jars/ directory, with
# Spark's own Jackson 2.20 and Scala), the cluster jar submitted with SparkSubmit exactly as
# bin/spark-submit would, the executor in its own JVM (bases rebuilt there, logs shipped back),
# then the same spec run locally and the two summary.json compared (timings aside).
#
#   [SPARK_VERSION=4.2.0] spark/scripts/standalone-smoke.sh [SPEC]   (default: the unit tests' tiny spec)
#
# SPARK_VERSION is the cluster's Spark (default 4.2.0). With 4.1.1 the executors cannot start on
# JDK 25: its Hadoop 3.4.2 calls Subject.getSubject ("getSubject is not supported") when an
# executor starts (local mode never gets there); Spark 4.2.0 ships Hadoop 3.5.0. The cluster jar is
# compiled against 4.1.1 and runs on either.
#
# Needs the cluster jar (./mvnw -pl spark -am package -DskipTests) and network access to Maven
# Central the first time (or Spark already in ~/.m2). Uses ports 7077 and 8090-8091 on 127.0.0.1.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/bin/java-env.sh"
spec="${1:-$root/spark/src/test/resources/dev/alignguard/spark/tiny.json}"
work="${SMOKE_DIR:-/tmp/alignguard-spark-smoke}"
jar="$root/spark/target/alignguard-spark.jar"
[ -f "$jar" ] || { echo "no $jar; build it: ./mvnw -pl spark -am package -DskipTests" >&2; exit 1; }
spark_version="${SPARK_VERSION:-4.2.0}"
rm -rf "$work" && mkdir -p "$work/home/jars" "$work/dist"

# 1. A Spark "distribution": spark-core and its dependencies, at Spark's own versions.
cat > "$work/dist/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>smoke</groupId><artifactId>spark-dist</artifactId><version>1</version>
  <dependencies><dependency><groupId>org.apache.spark</groupId><artifactId>spark-core_2.13</artifactId><version>$spark_version</version></dependency></dependencies>
</project>
POM
"$root/mvnw" -B -q -ntp -f "$work/dist/pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/dist/cp.txt" >&2
tr ':' '\n' < "$work/dist/cp.txt" | while read -r j; do ln -s "$j" "$work/home/jars/"; done
export SPARK_HOME="$work/home"
# what bin/spark-class passes (JavaModuleOptions), less sun.security.action which JDK 25 lacks
opens="$(echo -XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
  -Dio.netty.tryReflectionSetAccessible=true)"
export SPARK_LOCAL_IP=127.0.0.1
export SPARK_SCALA_VERSION=2.13   # what a distribution's load-spark-env.sh sets; the worker needs it to find jars/

# 2. Master and worker (2 cores), stopped on exit.
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
java $opens -Xmx256m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port 7077 --webui-port 8090 > "$work/master.log" 2>&1 &
pids+=($!)
sleep 3
java $opens -Xmx256m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker \
  --host 127.0.0.1 --cores 2 --memory 2g --webui-port 8091 --work-dir "$work/worker" spark://127.0.0.1:7077 > "$work/worker.log" 2>&1 &
pids+=($!)
sleep 5

# 3. spark-submit (client mode), as in spark/README.md.
t0=$(date +%s)
timeout 900 java $opens --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m -Xmx1g \
  -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit \
  --master spark://127.0.0.1:7077 --deploy-mode client --class dev.alignguard.spark.SparkMain \
  --executor-memory 1g --total-executor-cores 2 \
  --conf "spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m" \
  "$jar" run "$spec" --out "$work/cluster" | tee "$work/submit.log"
t1=$(date +%s)
echo "cluster run: $((t1 - t0)) s"

# 4. The same spec with the local executor; compare.
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
