package org.e3j.md.ipi;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an i-PI server listens: a UNIX domain socket (a file) or a TCP host and port.
 *
 * <p>i-PI and ASE name UNIX sockets by a short name and put the file at {@code /tmp/ipi_<name>};
 * {@link #unix(String)} follows that convention so {@code SocketIOCalculator(unixsocket="e3j")}
 * and {@code IpiAddress.unix("e3j")} meet. {@link #unixPath(Path)} takes any path (tests use it to
 * stay in a temporary directory).
 */
public record IpiAddress(Path unixPath, String host, int port) {

    public IpiAddress {
        if ((unixPath == null) == (host == null)) {
            throw new IllegalArgumentException("an i-PI address is either a UNIX socket path or a TCP host and port");
        }
        if (host != null && host.isBlank()) {
            throw new IllegalArgumentException("TCP host is empty (write host:port, e.g. localhost:31415)");
        }
        if (host != null && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException("TCP port must be 0..65535, got " + port);
        }
    }

    /** i-PI/ASE convention: the socket file {@code /tmp/ipi_<name>}. */
    public static IpiAddress unix(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("UNIX socket name must be non-empty without '/', got '" + name + "'");
        }
        return new IpiAddress(Path.of("/tmp/ipi_" + name), null, 0);
    }

    public static IpiAddress unixPath(Path path) {
        return new IpiAddress(Objects.requireNonNull(path, "path"), null, 0);
    }

    public static IpiAddress tcp(String host, int port) {
        return new IpiAddress(null, Objects.requireNonNull(host, "host"), port);
    }

    /** {@code localhost:<port>}. */
    public static IpiAddress localhost(int port) {
        return tcp("localhost", port);
    }

    /**
     * Parses {@code unix:<name>} (i-PI convention), {@code unix:/path} or {@code unix:./path}
     * (explicit file), or {@code <host>:<port>} / {@code <port>} (TCP).
     */
    public static IpiAddress parse(String s) {
        Objects.requireNonNull(s, "address");
        if (s.startsWith("unix:")) {
            String rest = s.substring(5);
            return rest.indexOf('/') >= 0 ? unixPath(Path.of(rest)) : unix(rest);
        }
        int colon = s.lastIndexOf(':');
        String host = colon < 0 ? "localhost" : s.substring(0, colon);
        String port = colon < 0 ? s : s.substring(colon + 1);
        try {
            return tcp(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an i-PI address (unix:<name>, unix:/path, host:port): '" + s + "'");
        }
    }

    public boolean isUnix() {
        return unixPath != null;
    }

    StandardProtocolFamily family() {
        return isUnix() ? StandardProtocolFamily.UNIX : null;
    }

    /** The socket address; a host name that does not resolve is an {@link IpiException} naming it. */
    SocketAddress socketAddress() {
        if (isUnix()) {
            return UnixDomainSocketAddress.of(unixPath);
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw new IpiException(IpiException.Reason.CONNECT, "TCP host '" + host + "' does not resolve to an address");
        }
        return a;
    }

    @Override
    public String toString() {
        return isUnix() ? "unix:" + unixPath : host + ":" + port;
    }
}
