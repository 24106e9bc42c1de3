package dev.alignguard.experiments.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The program's one logging setup: the library code logs through {@link System.Logger} (backed by
 * java.util.logging), and here every record becomes one line on standard error
 * ({@code warning: ...}, {@code info: ...}), so records never interleave with progress lines as
 * two-line JUL records. Quiet by default (warnings only); {@code --verbose} shows the INFO detail
 * (the Fisher estimators' raw scales and spectra).
 */
public final class ConsoleLogging {

    private ConsoleLogging() {
    }

    /** Installs the one-line handler on the root logger at WARNING, or INFO when verbose. */
    public static synchronized void configure(boolean verbose) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        Handler h = new ConsoleHandler();
        h.setFormatter(new OneLine());
        Level level = verbose ? Level.INFO : Level.WARNING;
        h.setLevel(level);
        root.setLevel(level);
        root.addHandler(h);
    }

    /** {@code level: message}, the logger's short name in verbose detail, a stack trace only when attached. */
    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            String level = r.getLevel() == Level.WARNING ? "warning" : r.getLevel() == Level.SEVERE ? "error"
                : r.getLevel().getName().toLowerCase(Locale.ROOT);
            String name = r.getLoggerName() == null ? "" : r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1);
            StringBuilder sb = new StringBuilder(level).append(": ");
            if (!name.isEmpty()) {
                sb.append('[').append(name).append("] ");
            }
            sb.append(formatMessage(r).replace('\n', ' ')).append(System.lineSeparator());
            if (r.getThrown() != null) {
                StringWriter sw = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(sw));
                sb.append(sw);
            }
            return sb.toString();
        }
    }
}
