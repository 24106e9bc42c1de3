# Sourced by the launchers: points JAVA_HOME at a JDK 25 when the default java is older.
find_jdk25() {
  local v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    v=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    [ "${v%%.*}" -ge 25 ] 2>/dev/null && return 0
  fi
  if command -v java >/dev/null 2>&1; then
    v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
      JAVA_HOME=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p'); export JAVA_HOME; return 0
    fi
  fi
  for d in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25* /usr/lib/jvm/jdk-25* /opt/java/jdk-25*; do
    if [ -x "$d/bin/java" ]; then JAVA_HOME="$d"; export JAVA_HOME; return 0; fi
  done
  echo "error: AlignGuard-J needs a JDK 25; none found (set JAVA_HOME to a JDK 25 install)" >&2
  return 1
}
find_jdk25 || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
# The JDK's signal chaining: native code loaded by the OpenCL backend (PoCL's LLVM) installs its own
# SIGSEGV/SIGFPE handlers, which would otherwise replace the JVM's (see OpenClKernels).
if [ -f "$JAVA_HOME/lib/libjsig.so" ]; then
  case ":${LD_PRELOAD:-}:" in
    *":$JAVA_HOME/lib/libjsig.so:"*) ;;
    *) export LD_PRELOAD="$JAVA_HOME/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}" ;;
  esac
fi
