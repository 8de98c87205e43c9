# Sourced by ./e3j and scripts/*: sets E3J_JAVA_HOME to a JDK 22+ (25 preferred) or fails with a clear message.
# Looks at $E3J_JAVA_HOME, $JAVA_HOME, the usual install folders, then `java` on PATH.
e3j_jdk_major() { # $1 = JDK home; prints its major version or nothing
  local v
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  case "$v" in 1.*) echo "${v#1.}";; *) echo "$v";; esac
}
e3j_find_jdk() {
  local best="" best_major=0 cand major path_java
  path_java=$(command -v java 2>/dev/null || true)
  [ -n "$path_java" ] && path_java=$(dirname "$(dirname "$(readlink -f "$path_java")")")
  for cand in "${E3J_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/jdk* \
              "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home "$path_java"; do
    [ -n "$cand" ] && [ -d "$cand" ] || continue
    major=$(e3j_jdk_major "$cand")
    case "$major" in ''|*[!0-9]*) continue;; esac
    [ "$major" -ge 22 ] || continue
    # Prefer 25 exactly (what e3j is built and measured with), else the newest.
    if [ "$major" -eq 25 ]; then best=$cand; best_major=25; break; fi
    if [ "$major" -gt "$best_major" ]; then best=$cand; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    echo "e3j: no JDK 22 or newer found (looked at E3J_JAVA_HOME, JAVA_HOME, /usr/lib/jvm, /opt, ~/.sdkman, PATH)." >&2
    echo "e3j: install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
    return 1
  fi
  E3J_JAVA_HOME=$best
  export E3J_JAVA_HOME
}
