package org.e3j.md.ipi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 8, at the library level: a timeout too long for a nanosecond count (what
 * {@code --timeout 1e300} became) means "no deadline", not an {@code ArithmeticException}.
 */
class IpiDeadlineTest {
    @Test
    void hugeTimeoutsSaturateInsteadOfOverflowing() {
        assertEquals(Long.MAX_VALUE, IpiChannel.deadline(Duration.ofSeconds(Long.MAX_VALUE)));
        assertEquals(Long.MAX_VALUE, IpiChannel.deadline(Duration.ofDays(365L * 1000)));
        long d = IpiChannel.deadline(Duration.ofSeconds(5));
        assertTrue(d != Long.MAX_VALUE && IpiChannel.millisLeft(d) > 0);
    }
}
