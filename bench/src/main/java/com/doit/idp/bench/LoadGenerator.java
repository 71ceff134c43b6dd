package com.doit.idp.bench;

import java.time.Duration;

/**
 * A closed-loop load generator: {@code connections} keep-alive connections, each sending its next request as soon as
 * the previous answer arrived, for {@code duration}. Implementations: {@link Wrk} (the C tool, used by the full run)
 * and {@link JavaLoad} (in-process, used where wrk is absent and for the per-second series of part 5).
 */
public interface LoadGenerator {
  LoadResult run(Target target, int connections, Duration duration);

  /** The tool and its version, for the report. */
  String describe();
}
