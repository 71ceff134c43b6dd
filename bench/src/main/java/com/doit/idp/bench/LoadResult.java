package com.doit.idp.bench;

/**
 * One round of load against one URL: how many requests completed, in how long, how fast, and how many failed.
 *
 * @param requests completed requests (successful or not)
 * @param seconds the measured wall time
 * @param p50Ms median latency in milliseconds
 * @param p99Ms 99th percentile latency in milliseconds
 * @param maxMs the slowest request in milliseconds
 * @param errors failed requests: connection, read, write and timeout errors, and answers other than 2xx/3xx
 * @param serverCpuCores CPU time the measured server spent divided by wall time (1.0 = one core busy); -1 if unknown
 */
public record LoadResult(long requests, double seconds, double p50Ms, double p99Ms, double maxMs, long errors,
    double serverCpuCores) {

  public double perSecond() {
    return seconds <= 0 ? 0 : requests / seconds;
  }

  public LoadResult withServerCpu(double cores) {
    return new LoadResult(requests, seconds, p50Ms, p99Ms, maxMs, errors, cores);
  }
}
