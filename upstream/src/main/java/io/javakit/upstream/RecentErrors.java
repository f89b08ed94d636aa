package io.javakit.upstream;

import io.javakit.endpoint.EndpointException;
import io.javakit.sd.Instance;
import io.javakit.upstream.UpstreamView.ErrorRecord;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** The last few failed attempts of an upstream's instances, newest first; failures are rare, so a lock will do. */
final class RecentErrors {
    static final int KEPT = 20;
    private final ArrayDeque<ErrorRecord> entries = new ArrayDeque<>(KEPT);

    void add(Instance instance, Throwable error) {
        ErrorRecord entry = new ErrorRecord(Instant.now(), instance, EndpointException.kindOf(error).name().toLowerCase(Locale.ROOT),
                Objects.toString(error.getMessage(), error.getClass().getSimpleName()));
        synchronized (this) {
            if (entries.size() == KEPT) {
                entries.removeLast();
            }
            entries.addFirst(entry);
        }
    }

    synchronized List<ErrorRecord> newestFirst() {
        return List.copyOf(entries);
    }
}
